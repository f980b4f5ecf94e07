//! `voipscope audio`: a call's G.711 streams as WAV files. One-way audio is heard as one way
//! (the callee's channel silent), a lost packet is silence of its length, the files are 8 kHz
//! 16-bit PCM, and a codec we do not decode is named.

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn sample(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
        .to_str()
        .unwrap()
        .to_string()
}

fn out_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("voipscope-audio-test-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// (channels, sample rate, bits, samples interleaved) of a PCM WAV file.
fn read_wav(path: &Path) -> (u16, u32, u16, Vec<i16>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(&bytes[0..4], b"RIFF");
    assert_eq!(&bytes[8..12], b"WAVE");
    let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap());
    let (mut at, mut format, mut data) = (12, None, None);
    while at + 8 <= bytes.len() {
        let len = u32_at(at + 4) as usize;
        match &bytes[at..at + 4] {
            b"fmt " => {
                format = Some((
                    u16_at(at + 8),
                    u16_at(at + 10),
                    u32_at(at + 12),
                    u16_at(at + 22),
                ))
            }
            b"data" => data = Some(&bytes[at + 8..at + 8 + len]),
            _ => {}
        }
        at += 8 + len + len % 2;
    }
    let (tag, channels, rate, bits) = format.expect("a fmt chunk");
    assert_eq!(tag, 1, "PCM");
    let samples = data
        .expect("a data chunk")
        .chunks_exact(2)
        .map(|c| i16::from_le_bytes([c[0], c[1]]))
        .collect();
    (channels, rate, bits, samples)
}

#[test]
fn one_way_audio_is_heard_one_way() {
    let out = out_dir("one-way");
    let r = voipscope(&[
        "audio",
        &sample("one-way-nat.pcap"),
        "--call",
        "1",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("stream 1: 4.00 s from 200 packets"),
        "{}",
        r.stdout
    );
    let (channels, rate, bits, mono) = read_wav(&out.join("call-1-stream-1.wav"));
    assert_eq!((channels, rate, bits), (1, 8000, 16));
    assert_eq!(mono.len(), 200 * 160, "200 packets of 20 ms");
    let (channels, _, _, stereo) = read_wav(&out.join("call-1.wav"));
    assert_eq!(channels, 2);
    let left: Vec<i16> = stereo.iter().step_by(2).copied().collect();
    let right: Vec<i16> = stereo.iter().skip(1).step_by(2).copied().collect();
    assert_eq!(left, mono, "the caller's stream is the left channel");
    assert!(
        right.iter().all(|s| *s == 0),
        "nothing came back from the callee"
    );
}

#[test]
fn a_lost_packet_is_silence_of_its_length() {
    let out = out_dir("loss");
    let r = voipscope(&[
        "audio",
        &sample("two-g711-calls.pcap"),
        "--call",
        "1",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // stream 1 lost one of its 108 packets (see `voipscope rtp`): still 108 packets long
    let json = run_json(&["rtp", &sample("two-g711-calls.pcap"), "--format", "json"]);
    let s = &json["streams"][0];
    assert_eq!(s["rfc3550"]["lost"], 1);
    assert_eq!(s["rfc3550"]["expected"], 108);
    let (_, _, _, mono) = read_wav(&out.join("call-1-stream-1.wav"));
    assert_eq!(mono.len(), 108 * 160);
    assert!(
        r.stdout.contains("stream 1: 2.16 s from 107 packets"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_call_without_g711_says_why_and_stdin_is_refused() {
    let out = out_dir("none");
    let r = voipscope(&[
        "audio",
        &sample("busy.pcap"),
        "--call",
        "1",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 1, "nothing to listen to");
    assert!(
        r.stdout.contains("no RTP stream tied to this call"),
        "{}",
        r.stdout
    );
    let r = voipscope(&["audio", "-", "--call", "1", "-o", out.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("give a file"), "{}", r.stderr);
}

#[test]
#[cfg_attr(
    not(shared_captures),
    ignore = "needs ../shared/captures beside the repository"
)]
fn other_codecs_are_named_as_not_decoded() {
    let Some(dir) = shared_captures() else { return };
    let out = out_dir("g726");
    let capture = dir.join("sip-rtp-g726-8variants-oneway.pcap");
    let r = voipscope(&[
        "audio",
        capture.to_str().unwrap(),
        "--call",
        "1",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("stream 1: not decoded: G726-16: only G.711 (PCMU, PCMA) is decoded"),
        "{}",
        r.stdout
    );
    // A-law with RFC 4733 events in the same stream: the events are silence, not noise
    let capture = dir.join("sip-register-invite603-call-g711a-rfc2833.pcap");
    let r = voipscope(&[
        "audio",
        capture.to_str().unwrap(),
        "--call",
        "2",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("stream 2: 19.98 s from 631 packets"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_report_with_audio_has_a_player_per_call_it_decoded() {
    let out = out_dir("report");
    let r = voipscope(&[
        "report",
        &sample("blind-transfer.pcap"),
        "-o",
        out.to_str().unwrap(),
        "--audio",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    for n in [1, 2] {
        let player =
            format!("<audio controls preload=\"none\" src=\"audio/call-{n}.wav\"></audio>");
        assert!(html.contains(&player), "call {n}");
        let (channels, _, _, samples) = read_wav(&out.join(format!("audio/call-{n}.wav")));
        assert_eq!(channels, 2);
        assert!(!samples.is_empty());
    }
    // without --audio, no player and no audio directory
    let plain = out_dir("report-plain");
    let r = voipscope(&[
        "report",
        &sample("blind-transfer.pcap"),
        "-o",
        plain.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0);
    assert!(!std::fs::read_to_string(plain.join("index.html"))
        .unwrap()
        .contains("<audio"));
    assert!(!plain.join("audio").exists());
    // the capture is read twice: not from a pipe
    let r = voipscope(&["report", "-", "-o", plain.to_str().unwrap(), "--audio"]);
    assert_eq!(r.code, 2);
}
