//! Hostile captures built here: a million Call-IDs live at once, more RTP streams than the
//! cap, a TCP stream of 200 MB without a blank line, 100,000 fragments that never complete, a
//! SIP message with a 10 MB header, a pcapng block claiming 4 GB. Each analysis must finish,
//! lose no finished work (a live cap finishes the longest idle early, reported as an anomaly),
//! report what it could not read as anomalies or counts, and stay under the peak memory
//! documented in README.md (Limits), measured by the binary itself (`--stats`, the kernel's
//! VmHWM).

mod common;

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use common::*;

/// Writes classic pcap records (Ethernet, microseconds) straight to a file.
struct Writer {
    w: BufWriter<std::fs::File>,
    path: PathBuf,
}

impl Writer {
    fn new(name: &str) -> Writer {
        let path =
            std::env::temp_dir().join(format!("voipscope-hostile-{}-{name}", std::process::id()));
        let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(&path).unwrap());
        for v in [
            0xa1b2_c3d4u32.to_le_bytes(),
            [2, 0, 4, 0],
            [0; 4],
            [0; 4],
            65535u32.to_le_bytes(),
            1u32.to_le_bytes(),
        ] {
            w.write_all(&v).unwrap();
        }
        Writer { w, path }
    }

    fn frame(&mut self, t_us: u64, data: &[u8]) {
        let len = data.len() as u32;
        self.w
            .write_all(&((t_us / 1_000_000) as u32).to_le_bytes())
            .unwrap();
        self.w
            .write_all(&((t_us % 1_000_000) as u32).to_le_bytes())
            .unwrap();
        self.w.write_all(&len.to_le_bytes()).unwrap();
        self.w.write_all(&len.to_le_bytes()).unwrap();
        self.w.write_all(data).unwrap();
    }

    fn done(mut self) -> PathBuf {
        self.w.flush().unwrap();
        self.path
    }
}

/// Runs `analyze --stats`; returns (peak RSS in MiB, the stats line).
fn analyze_measured(path: &PathBuf) -> (u64, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_voipscope"))
        .args([
            "analyze",
            path.to_str().unwrap(),
            "--format",
            "json",
            "--stats",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let _ = std::fs::remove_file(path);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    let line = stderr
        .lines()
        .find(|l| l.starts_with("stats:"))
        .unwrap()
        .to_string();
    let kib: u64 = line
        .split("peak RSS ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    // the figures of the README's table (`cargo test --release --test hostile -- --nocapture`)
    eprintln!("{line}");
    (kib / 1024, line)
}

/// What `analyze --format jsonl --stats` wrote, counted as it is read.
struct Lines {
    /// Peak RSS in MiB and the stats line.
    mib: u64,
    stats: String,
    calls: u64,
    streams: u64,
    /// Packets of all streams together.
    stream_packets: u64,
    summary: serde_json::Value,
}

fn analyze_lines(path: &PathBuf) -> Lines {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_voipscope"))
        .args([
            "analyze",
            path.to_str().unwrap(),
            "--format",
            "jsonl",
            "--stats",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let (mut calls, mut streams, mut stream_packets) = (0, 0, 0);
    let mut summary = serde_json::Value::Null;
    for line in stdout.lines() {
        let line = line.unwrap();
        if line.starts_with(r#"{"type":"call""#) {
            calls += 1;
        } else if line.starts_with(r#"{"type":"stream""#) {
            streams += 1;
            let v: serde_json::Value = serde_json::from_str(&line).unwrap();
            stream_packets += v["packets"].as_u64().unwrap();
        } else if line.starts_with(r#"{"type":"summary""#) {
            summary = serde_json::from_str(&line).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    let _ = std::fs::remove_file(path);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    let stats = stderr
        .lines()
        .find(|l| l.starts_with("stats:"))
        .unwrap()
        .to_string();
    let kib: u64 = stats
        .split("peak RSS ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    eprintln!("{stats}");
    Lines {
        mib: kib / 1024,
        stats,
        calls,
        streams,
        stream_packets,
        summary,
    }
}

fn sip_invite(n: u64) -> Vec<u8> {
    format!(
        "INVITE sip:bob@198.51.100.5 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK{n}\r\n\
From: <sip:a@x>;tag=1\r\nTo: <sip:bob@198.51.100.5>\r\nCall-ID: hostile-{n}\r\nCSeq: 1 INVITE\r\n\
Content-Length: 0\r\n\r\n"
    )
    .into_bytes()
}

/// A million unanswered INVITEs within one second: all live at once, far past the live cap
/// of 50,000 Call-IDs. The cap finishes the longest idle early; every call is written.
#[test]
fn a_million_call_ids() {
    let mut w = Writer::new("callids.pcap");
    for n in 0..1_000_000u64 {
        let src = [10, (n >> 16) as u8, (n >> 8) as u8, n as u8];
        w.frame(n, &udp4(src, 5060, [198, 51, 100, 5], 5060, &sip_invite(n)));
    }
    let out = analyze_lines(&w.done());
    let line = &out.stats;
    assert!(line.contains("1000000 SIP messages (0 not kept)"), "{line}");
    assert_eq!(out.calls, 1_000_000, "{line}");
    assert!(line.contains("\"sip-cap-reached\": 1"), "{line}");
    assert!(
        out.mib < 512,
        "peak RSS {} MiB; README says under 512 MiB: {line}",
        out.mib
    );
}

/// 110,000 streams live at once against a cap of 100,000: the longest idle streams are
/// finished early (their later packets start new streams); no packet is lost.
#[test]
fn more_rtp_streams_than_the_cap() {
    // 110,000 streams of three packets in sequence, all within a third of a second: more are
    // live at once than the cap, so the longest idle are finished early, and every stream
    // still reaches the output whole
    let mut w = Writer::new("streams.pcap");
    let streams = 110_000u64;
    for n in 0..streams {
        for k in 0..3u64 {
            let mut p = vec![0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
            p[2..4].copy_from_slice(&(k as u16).to_be_bytes());
            p[4..8].copy_from_slice(&((k * 160) as u32).to_be_bytes());
            p[8..12].copy_from_slice(&(n as u32).to_be_bytes());
            p.extend([0xffu8; 160]);
            let src = [10, 1, (n >> 8) as u8, n as u8];
            let port = 10_000 + (n % 50_000) as u16;
            w.frame(
                1_000_000 + n * 3 + k,
                &udp4(src, port, [10, 2, 0, 1], 20_000, &p),
            );
        }
    }
    let out = analyze_lines(&w.done());
    let line = &out.stats;
    assert!(line.contains("\"rtp-cap-reached\": 1"), "{line}");
    assert_eq!(out.streams, streams, "{line}");
    assert_eq!(out.stream_packets, 3 * streams, "{line}");
    assert_eq!(
        out.summary["media"]["streams"].as_u64(),
        Some(out.streams),
        "{line}"
    );
    assert!(out.mib < 512, "peak RSS {} MiB: {line}", out.mib);
}

#[test]
fn tcp_stream_of_200_mb_without_a_blank_line() {
    let mut w = Writer::new("tcp-no-blank.pcap");
    let mut seq = 1u32;
    let first = b"INVITE sip:bob@198.51.100.5 SIP/2.0\r\nX-Junk: ".to_vec();
    w.frame(
        1_000_000,
        &tcp4([10, 0, 0, 1], 40000, [198, 51, 100, 5], 5060, seq, &first),
    );
    seq += first.len() as u32;
    let chunk = vec![b'A'; 1400];
    for i in 0..150_000u64 {
        w.frame(
            1_000_000 + i,
            &tcp4([10, 0, 0, 1], 40000, [198, 51, 100, 5], 5060, seq, &chunk),
        );
        seq = seq.wrapping_add(1400);
    }
    let (mib, line) = analyze_measured(&w.done());
    assert!(line.contains("sip-oversized"), "{line}");
    assert!(mib < 256, "peak RSS {mib} MiB: {line}");
}

#[test]
fn hundred_thousand_fragments_that_never_complete() {
    let mut w = Writer::new("fragments.pcap");
    for n in 0..100_000u64 {
        // IPv4 first fragment (MF set, offset 0) of a UDP datagram that never gets its rest
        let mut ip = vec![
            0x45,
            0,
            0,
            0,
            (n >> 8) as u8,
            n as u8,
            0x20,
            0,
            64,
            17,
            0,
            0,
            10,
            0,
            0,
            1,
            10,
            0,
            0,
            2,
        ];
        let payload = vec![0x55u8; 1200];
        let total = (20 + payload.len()) as u16;
        ip[2..4].copy_from_slice(&total.to_be_bytes());
        ip[12..16].copy_from_slice(&[10, (n >> 16) as u8, 0, 1]);
        let mut frame = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0];
        frame.extend(ip);
        frame.extend(payload);
        w.frame(1_000_000 + n * 10, &frame);
    }
    let (mib, line) = analyze_measured(&w.done());
    assert!(line.contains("fragment-cap-reached"), "{line}");
    assert!(mib < 512, "peak RSS {mib} MiB: {line}");
}

#[test]
fn sip_message_with_a_10_mb_header() {
    let mut w = Writer::new("huge-header.pcap");
    let mut msg = b"INVITE sip:bob@198.51.100.5 SIP/2.0\r\nSubject: ".to_vec();
    msg.extend(std::iter::repeat_n(b'x', 10 << 20));
    msg.extend(b"\r\nCall-ID: big\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
    let mut seq = 1u32;
    for (i, part) in msg.chunks(1400).enumerate() {
        w.frame(
            1_000_000 + i as u64,
            &tcp4([10, 0, 0, 1], 40000, [198, 51, 100, 5], 5060, seq, part),
        );
        seq = seq.wrapping_add(part.len() as u32);
    }
    // a normal message after it on the same connection is still read
    let next = sip_invite(7);
    w.frame(
        3_000_000,
        &tcp4([10, 0, 0, 1], 40000, [198, 51, 100, 5], 5060, seq, &next),
    );
    let (mib, line) = analyze_measured(&w.done());
    assert!(line.contains("sip-oversized"), "{line}");
    assert!(
        line.contains(" 1 SIP messages"),
        "the message after it: {line}"
    );
    assert!(mib < 256, "peak RSS {mib} MiB: {line}");
}

#[test]
fn pcapng_block_claiming_4_gb() {
    let mut data = Vec::new();
    let block = |kind: u32, body: &[u8]| -> Vec<u8> {
        let len = (12 + body.len()) as u32;
        let mut b = kind.to_le_bytes().to_vec();
        b.extend(len.to_le_bytes());
        b.extend(body);
        b.extend(len.to_le_bytes());
        b
    };
    let mut shb = 0x1a2b_3c4du32.to_le_bytes().to_vec();
    shb.extend([1, 0, 0, 0]);
    shb.extend((-1i64).to_le_bytes());
    data.extend(block(0x0a0d_0d0a, &shb));
    data.extend(block(1, &[1, 0, 0, 0, 0, 0, 0, 0]));
    // an enhanced packet block whose length field says 0xFFFFFFF0 bytes
    data.extend(6u32.to_le_bytes());
    data.extend(0xFFFF_FFF0u32.to_le_bytes());
    data.extend([0u8; 64]);
    // then a good packet
    let frame = udp4([10, 0, 0, 1], 5060, [10, 0, 0, 2], 5060, &sip_invite(1));
    let mut epb = vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    epb.extend((frame.len() as u32).to_le_bytes());
    epb.extend((frame.len() as u32).to_le_bytes());
    epb.extend(&frame);
    while epb.len() % 4 != 0 {
        epb.push(0);
    }
    data.extend(block(6, &epb));
    let path = std::env::temp_dir().join(format!(
        "voipscope-hostile-{}-4gb.pcapng",
        std::process::id()
    ));
    std::fs::write(&path, &data).unwrap();
    let (mib, line) = analyze_measured(&path);
    assert!(line.contains("damaged-record"), "{line}");
    assert!(
        line.contains(" 1 SIP messages"),
        "the packet after it: {line}"
    );
    assert!(mib < 64, "peak RSS {mib} MiB: {line}");
}
