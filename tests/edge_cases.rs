//! Captures built byte by byte for the cases the shared set lacks or that must fail cleanly:
//! IPv4 fragments out of order, QinQ, SLL2, big-endian nanosecond pcap, pcapng with two
//! sections and binary timestamp resolution, truncated and damaged records, snap-length cuts,
//! gzip, stdin, TCP framing, and inputs that are not captures at all.

mod common;

use std::io::Write;

use common::*;

const ALICE: [u8; 4] = [10, 0, 0, 1];
const BOB: [u8; 4] = [10, 0, 0, 2];

fn sip_messages(path: &str) -> Vec<voipscope::SipMessage> {
    let mut v = Vec::new();
    voipscope::analyze_with(path, &Default::default(), &mut |m| v.push(m.clone())).unwrap();
    v
}

/// Ethernet/IPv4 fragments of one UDP datagram, cut every `size` bytes of IP payload.
fn ipv4_fragments(payload: &[u8], size: usize) -> Vec<Vec<u8>> {
    let mut udp = Vec::new();
    udp.extend(5060u16.to_be_bytes());
    udp.extend(5060u16.to_be_bytes());
    udp.extend(((payload.len() + 8) as u16).to_be_bytes());
    udp.extend([0, 0]);
    udp.extend_from_slice(payload);
    let mut frames = Vec::new();
    for (i, piece) in udp.chunks(size).enumerate() {
        let offset = i * size;
        let more = offset + piece.len() < udp.len();
        let mut ip = etherparse::Ipv4Header::new(
            piece.len() as u16,
            64,
            etherparse::IpNumber::UDP,
            ALICE,
            BOB,
        )
        .unwrap();
        ip.identification = 0x4242;
        ip.more_fragments = more;
        ip.fragment_offset = etherparse::IpFragOffset::try_new((offset / 8) as u16).unwrap();
        let mut f = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00];
        ip.write(&mut f).unwrap();
        f.extend_from_slice(piece);
        frames.push(f);
    }
    frames
}

#[test]
fn ipv4_fragmented_sip_out_of_order() {
    let invite = sip_invite("frag-1");
    let frags = ipv4_fragments(&invite, 200);
    assert!(frags.len() >= 2);
    let mut p = Pcap::new(1);
    // last fragment first, then the rest from the first on
    p.frame(1, frags.last().unwrap());
    for (i, f) in frags[..frags.len() - 1].iter().enumerate() {
        p.frame(2 + i as u64, f);
    }
    let t = TempFile::new("frag.pcap", &p.bytes);
    let msgs = sip_messages(t.path());
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].data, invite);
    assert_eq!(msgs[0].frames.len(), frags.len());
    assert_eq!(msgs[0].frame, frags.len() as u64);
    let a = analyze_json(t.path(), &[]);
    assert_eq!(a["capture"]["ip_fragments"], frags.len());
    assert_eq!(a["capture"]["reassembled_datagrams"], 1);
}

#[test]
fn qinq_and_deep_vlan_stacks() {
    let inner = udp4(ALICE, 5060, BOB, 5060, &sip_invite("qinq"));
    let mut f = inner[..12].to_vec();
    f.extend([0x88, 0xA8, 0x00, 0x64]); // service tag
    f.extend([0x81, 0x00, 0x00, 0x0A]); // customer tag
    f.extend([0x81, 0x00, 0x00, 0x0B]); // a third tag (etherparse stops at three)
    f.extend([0x81, 0x00, 0x00, 0x0C]); // and a fourth
    f.extend_from_slice(&inner[12..]);
    let mut p = Pcap::new(1);
    p.frame(1, &f);
    let t = TempFile::new("qinq.pcap", &p.bytes);
    assert_eq!(analyze_json(t.path(), &[])["capture"]["sip_messages"], 1);
}

#[test]
fn linux_cooked_v2() {
    let eth = udp4(ALICE, 5060, BOB, 5060, &sip_invite("sll2"));
    let mut f = vec![
        0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0,
    ];
    f.extend_from_slice(&eth[14..]);
    let mut p = Pcap::new(276);
    p.frame(1, &f);
    let t = TempFile::new("sll2.pcap", &p.bytes);
    let a = analyze_json(t.path(), &[]);
    assert_eq!(a["capture"]["sip_messages"], 1);
    assert_eq!(
        a["capture"]["link_types"],
        serde_json::json!(["LINUX_SLL2"])
    );
}

#[test]
fn big_endian_nanosecond_pcap() {
    let mut p = Pcap::with(1, true, true, 65535);
    p.frame(1_500_000, &udp4(ALICE, 5060, BOB, 5060, &sip_invite("be")));
    p.frame(
        2_750_001,
        &udp4(
            BOB,
            5060,
            ALICE,
            5060,
            b"SIP/2.0 100 Trying\r\nCall-ID: be\r\nContent-Length: 0\r\n\r\n",
        ),
    );
    let t = TempFile::new("be-ns.pcap", &p.bytes);
    let a = analyze_json(t.path(), &[]);
    assert_eq!(a["capture"]["sip_messages"], 2);
    assert_eq!(a["capture"]["first_time"], "1970-01-01T00:00:01.500000000Z");
    assert_eq!(a["capture"]["last_time"], "1970-01-01T00:00:02.750001000Z");
}

/// A pcapng block: type, length, body padded to 4, length again.
fn block(kind: u32, body: &[u8]) -> Vec<u8> {
    let mut body = body.to_vec();
    while !body.len().is_multiple_of(4) {
        body.push(0);
    }
    let len = (12 + body.len()) as u32;
    let mut b = kind.to_le_bytes().to_vec();
    b.extend(len.to_le_bytes());
    b.extend(body);
    b.extend(len.to_le_bytes());
    b
}

fn shb() -> Vec<u8> {
    let mut body = 0x1A2B_3C4Du32.to_le_bytes().to_vec();
    body.extend(1u16.to_le_bytes());
    body.extend(0u16.to_le_bytes());
    body.extend((-1i64).to_le_bytes());
    block(0x0A0D_0D0A, &body)
}

fn idb(link: u16, tsresol: Option<u8>) -> Vec<u8> {
    let mut body = link.to_le_bytes().to_vec();
    body.extend([0, 0]);
    body.extend(65535u32.to_le_bytes());
    if let Some(r) = tsresol {
        body.extend(9u16.to_le_bytes());
        body.extend(1u16.to_le_bytes());
        body.extend([r, 0, 0, 0]);
        body.extend([0, 0, 0, 0]);
    }
    block(1, &body)
}

fn epb(iface: u32, ts: u64, data: &[u8]) -> Vec<u8> {
    let mut body = iface.to_le_bytes().to_vec();
    body.extend(((ts >> 32) as u32).to_le_bytes());
    body.extend((ts as u32).to_le_bytes());
    body.extend((data.len() as u32).to_le_bytes());
    body.extend((data.len() as u32).to_le_bytes());
    body.extend_from_slice(data);
    block(6, &body)
}

#[test]
fn pcapng_sections_interfaces_and_binary_resolution() {
    let sip = udp4(ALICE, 5060, BOB, 5060, &sip_invite("ng"));
    let mut f = shb();
    f.extend(idb(1, None)); // microseconds
    f.extend(idb(101, Some(0x80 | 10))); // raw IP, 2^-10 s
    f.extend(epb(0, 3_000_000, &sip));
    f.extend(epb(1, 4 * 1024 + 512, &sip[14..]));
    // a second section with its own interface: nanoseconds (if_tsresol 9)
    f.extend(shb());
    f.extend(idb(1, Some(9)));
    f.extend(epb(0, 5_000_000_001, &sip));
    let t = TempFile::new("two-sections.pcapng", &f);
    let a = analyze_json(t.path(), &[]);
    let c = &a["capture"];
    assert_eq!(c["format"], "pcapng");
    assert_eq!(c["frames"], 3);
    assert_eq!(c["sip_messages"], 3);
    assert_eq!(c["link_types"], serde_json::json!(["EN10MB", "RAW"]));
    assert_eq!(c["first_time"], "1970-01-01T00:00:03.000000000Z");
    assert_eq!(c["last_time"], "1970-01-01T00:00:05.000000001Z");
    assert!(a["anomalies"].as_array().unwrap().is_empty());
}

#[test]
fn pcapng_block_claiming_4_gb_is_damage_not_a_crash() {
    let sip = udp4(ALICE, 5060, BOB, 5060, &sip_invite("big"));
    let mut f = shb();
    f.extend(idb(1, None));
    f.extend(epb(0, 1, &sip));
    let mut bad = epb(0, 2, &sip);
    bad[4..8].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    f.extend(bad);
    f.extend(epb(0, 3, &sip));
    f.extend(epb(0, 4, &sip));
    f.extend(epb(0, 5, &sip));
    let t = TempFile::new("huge-block.pcapng", &f);
    let a = analyze_json(t.path(), &[]);
    assert_eq!(a["capture"]["sip_messages"], 4, "{a}");
    assert_eq!(a["anomalies"][0]["kind"], "damaged-record");
}

#[test]
fn truncated_last_record_keeps_everything_before_it() {
    let mut p = Pcap::new(1);
    for i in 0..5 {
        p.frame(
            i,
            &udp4(ALICE, 5060, BOB, 5060, &sip_invite(&format!("t{i}"))),
        );
    }
    let cut = p.bytes.len() - 100;
    let t = TempFile::new("truncated.pcap", &p.bytes[..cut]);
    let a = analyze_json(t.path(), &[]);
    assert_eq!(a["capture"]["frames"], 4);
    assert_eq!(a["capture"]["sip_messages"], 4);
    assert_eq!(a["anomalies"][0]["kind"], "truncated-record");
    assert_eq!(a["anomalies"][0]["frame"], 5);
    // a header cut short at the end is a truncated record too
    let t2 = TempFile::new(
        "truncated-header.pcap",
        &p.bytes[..p.bytes.len() - (p.bytes.len() - 24) / 5 + 8],
    );
    let a2 = analyze_json(t2.path(), &[]);
    assert_eq!(a2["capture"]["frames"], 4);
    assert_eq!(a2["anomalies"][0]["kind"], "truncated-record");
}

#[test]
fn damaged_record_in_the_middle_is_skipped_and_the_rest_analyzed() {
    let mut p = Pcap::new(1);
    for i in 0..10 {
        p.frame(
            i,
            &udp4(ALICE, 5060, BOB, 5060, &sip_invite(&format!("d{i}"))),
        );
    }
    let rec = (p.bytes.len() - 24) / 10;
    // make record 4's caplen impossible
    let at = 24 + 3 * rec + 8;
    p.bytes[at..at + 4].copy_from_slice(&0x7FFF_FFFFu32.to_le_bytes());
    let t = TempFile::new("damaged.pcap", &p.bytes);
    let a = analyze_json(t.path(), &[]);
    assert_eq!(a["capture"]["sip_messages"], 9);
    assert_eq!(a["anomalies"][0]["kind"], "damaged-record");
    assert_eq!(a["anomalies"][0]["frame"], 4);
    // the same whatever the parallelism
    let b = analyze_json(t.path(), &["--threads", "2", "--chunk-bytes", "700"]);
    assert_eq!(a, b);
    // read as a stream (gzip), in small buffers, the damage is found the same way
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&p.bytes).unwrap();
    let tz = TempFile::new("damaged.pcap.gz", &gz.finish().unwrap());
    let z = analyze_json(tz.path(), &["--chunk-bytes", "300"]);
    assert_eq!(z["anomalies"], a["anomalies"]);
    assert_eq!(z["capture"]["sip_messages"], 9);
}

#[test]
fn snaplen_cut_frames_are_counted_and_cut_sip_flagged() {
    let mut p = Pcap::with(1, false, false, 200);
    p.frame(1, &udp4(ALICE, 5060, BOB, 5060, &sip_invite("cut")));
    let t = TempFile::new("snaplen.pcap", &p.bytes);
    let a = analyze_json(t.path(), &[]);
    assert_eq!(a["capture"]["snaplen_cut_frames"], 1);
    assert_eq!(a["capture"]["sip_messages"], 1);
    assert_eq!(a["anomalies"][0]["kind"], "sip-truncated");
    let msgs = sip_messages(t.path());
    assert!(msgs[0].truncated);
}

#[test]
fn gzip_capture_and_stdin() {
    let mut p = Pcap::new(1);
    p.frame(1, &udp4(ALICE, 5060, BOB, 5060, &sip_invite("gz")));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&p.bytes).unwrap();
    let gz = gz.finish().unwrap();
    // the name says nothing: the magic number decides
    let t = TempFile::new("compressed.pcap", &gz);
    let a = analyze_json(t.path(), &[]);
    assert_eq!(a["capture"]["compressed"], true);
    assert_eq!(a["capture"]["sip_messages"], 1);

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_voipscope"))
        .args(["analyze", "-", "--format", "json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&gz).unwrap();
    let out = child.wait_with_output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["capture"]["file"], "-");
    assert_eq!(v["capture"]["sip_messages"], 1);
}

#[test]
fn tcp_several_messages_in_one_segment_and_one_over_three() {
    let m1 = sip_invite("tcp-a");
    let m2 = b"SIP/2.0 100 Trying\r\nCall-ID: tcp-a\r\nl: 0\r\n\r\n".to_vec();
    let m3 = sip_invite("tcp-b");
    let mut both = m1.clone();
    both.extend_from_slice(&m2);
    let mut p = Pcap::new(1);
    let mut seq = 1000u32;
    p.frame(1, &tcp4(ALICE, 40000, BOB, 5060, seq, &both));
    seq += both.len() as u32;
    let (a, rest) = m3.split_at(100);
    let (b, c) = rest.split_at(150);
    p.frame(2, &tcp4(ALICE, 40000, BOB, 5060, seq, a));
    p.frame(3, &tcp4(ALICE, 40000, BOB, 5060, seq + 100, b));
    p.frame(4, &tcp4(ALICE, 40000, BOB, 5060, seq + 250, c));
    let t = TempFile::new("tcp.pcap", &p.bytes);
    let msgs = sip_messages(t.path());
    assert_eq!(msgs.len(), 3);
    assert_eq!(
        (msgs[0].data.clone(), msgs[0].frames.to_vec()),
        (m1, vec![1])
    );
    assert_eq!(
        (msgs[1].data.clone(), msgs[1].frames.to_vec()),
        (m2, vec![1])
    );
    assert_eq!(
        (msgs[2].data.clone(), msgs[2].frames.to_vec(), msgs[2].frame),
        (m3, vec![2, 3, 4], 4)
    );
}

#[test]
fn bad_input_exits_2_with_one_line() {
    let not = TempFile::new("notes.txt", b"these are not packets at all\n");
    let empty = TempFile::new("empty.pcap", b"");
    let short = TempFile::new("short.pcap", &[0xd4, 0xc3, 0xb2, 0xa1, 2, 0]);
    for (t, says) in [
        (&not, "not a pcap or pcapng capture"),
        (&empty, "empty file"),
        (&short, "cut short"),
    ] {
        let r = voipscope(&["analyze", t.path()]);
        assert_eq!(r.code, 2, "{}", t.path());
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert!(
            r.stderr.contains(t.path()) && r.stderr.contains(says),
            "{}",
            r.stderr
        );
    }
    let r = voipscope(&["analyze", "/nonexistent/capture.pcap"]);
    assert_eq!(r.code, 2);
}

/// An INVITE whose Request-URI is 3,000 bytes long (a long user part, many parameters), and
/// its 486: RFC 3261 sets no limit on a start line. Over UDP in one datagram, and over TCP with
/// the start line cut over three segments (the first two hold no line end).
#[test]
fn start_line_longer_than_two_kilobytes() {
    let user = "9".repeat(3000);
    let invite = |call_id: &str, transport: &str| {
        format!(
            "INVITE sip:{user}@10.0.0.2;user=phone SIP/2.0\r\nVia: SIP/2.0/{transport} 10.0.0.1:5060;branch=z9hG4bK{call_id}\r\n\
             From: <sip:alice@10.0.0.1>;tag=a\r\nTo: <sip:{user}@10.0.0.2>\r\nCall-ID: {call_id}\r\n\
             CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
        )
        .into_bytes()
    };
    let busy = |call_id: &str, transport: &str| {
        format!(
            "SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/{transport} 10.0.0.1:5060;branch=z9hG4bK{call_id}\r\n\
             From: <sip:alice@10.0.0.1>;tag=a\r\nTo: <sip:{user}@10.0.0.2>;tag=b\r\nCall-ID: {call_id}\r\n\
             CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
        )
        .into_bytes()
    };
    let mut p = Pcap::new(1);
    p.frame(
        1_000_000,
        &udp4(ALICE, 5060, BOB, 5060, &invite("long-udp", "UDP")),
    );
    p.frame(
        1_050_000,
        &udp4(BOB, 5060, ALICE, 5060, &busy("long-udp", "UDP")),
    );
    let tcp = invite("long-tcp", "TCP");
    let mut seq = 1u32;
    for (i, part) in tcp.chunks(1400).enumerate() {
        p.frame(
            2_000_000 + i as u64,
            &tcp4(ALICE, 40000, BOB, 5060, seq, part),
        );
        seq += part.len() as u32;
    }
    let answer = busy("long-tcp", "TCP");
    p.frame(2_050_000, &tcp4(BOB, 5060, ALICE, 40000, 1, &answer));
    let t = TempFile::new("long-start-line.pcap", &p.bytes);
    let a = analyze_json(t.path(), &[]);
    assert_eq!(a["capture"]["sip_messages"], 4, "{}", a["capture"]);
    assert_eq!(a["capture"]["other_udp_packets"], 0);
    let calls = a["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 2, "{calls:?}");
    for c in calls {
        assert_eq!(c["state"], "rejected");
        assert_eq!(c["final_status"], 486);
        assert_eq!(c["to"]["user"].as_str().map(str::len), Some(3000));
    }
    assert!(a["other_sip"]["unmatched"].as_array().unwrap().is_empty());
}

/// A REGISTER with `Expires: 0` answered 200 removes the binding: the registration is
/// `unregistered` in the JSON, the calls listing, the ladder title and registrations.csv; the
/// REGISTER before it (3600 s granted) stays `registered`.
#[test]
fn de_registration_is_unregistered() {
    let register = |call_id: &str, cseq: u32, expires: u32| {
        format!(
            "REGISTER sip:10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK{call_id}{cseq}\r\n\
             From: <sip:alice@10.0.0.2>;tag=a\r\nTo: <sip:alice@10.0.0.2>\r\nCall-ID: {call_id}\r\n\
             CSeq: {cseq} REGISTER\r\nContact: <sip:alice@10.0.0.1:5060>\r\nExpires: {expires}\r\nContent-Length: 0\r\n\r\n"
        )
        .into_bytes()
    };
    let ok = |call_id: &str, cseq: u32, expires: u32| {
        format!(
            "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK{call_id}{cseq}\r\n\
             From: <sip:alice@10.0.0.2>;tag=a\r\nTo: <sip:alice@10.0.0.2>;tag=r\r\nCall-ID: {call_id}\r\n\
             CSeq: {cseq} REGISTER\r\nContact: <sip:alice@10.0.0.1:5060>;expires={expires}\r\nContent-Length: 0\r\n\r\n"
        )
        .into_bytes()
    };
    let mut p = Pcap::new(1);
    p.frame(
        1_000_000,
        &udp4(ALICE, 5060, BOB, 5060, &register("reg-on", 1, 3600)),
    );
    p.frame(
        1_020_000,
        &udp4(BOB, 5060, ALICE, 5060, &ok("reg-on", 1, 3600)),
    );
    p.frame(
        2_000_000,
        &udp4(ALICE, 5060, BOB, 5060, &register("reg-off", 1, 0)),
    );
    p.frame(
        2_020_000,
        &udp4(BOB, 5060, ALICE, 5060, &ok("reg-off", 1, 0)),
    );
    let t = TempFile::new("unregister.pcap", &p.bytes);
    let a = analyze_json(t.path(), &[]);
    let regs = a["registrations"].as_array().unwrap();
    let state = |id: &str| {
        let r = regs.iter().find(|r| r["call_id"] == id).unwrap();
        (
            r["state"].as_str().unwrap().to_string(),
            r["unregister"].clone(),
        )
    };
    assert_eq!(state("reg-on"), ("registered".into(), false.into()));
    assert_eq!(state("reg-off"), ("unregistered".into(), true.into()));

    let calls = voipscope(&["calls", t.path()]);
    let line = calls.stdout.lines().find(|l| l.contains("unregistered"));
    assert!(line.is_some(), "{}", calls.stdout);
    let ladder = voipscope(&["ladder", t.path(), "--call", "reg-off"]);
    assert_eq!(ladder.code, 0, "{}", ladder.stderr);
    assert!(
        ladder
            .stdout
            .lines()
            .next()
            .unwrap()
            .contains("unregistered (200)"),
        "{}",
        ladder.stdout
    );
    let dir = std::env::temp_dir().join(format!("voipscope-unregister-{}", std::process::id()));
    let report = voipscope(&["report", t.path(), "-o", dir.to_str().unwrap()]);
    assert_eq!(report.code, 0, "{}", report.stderr);
    let csv = std::fs::read_to_string(dir.join("registrations.csv")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let off = csv.lines().find(|l| l.contains("reg-off")).unwrap();
    assert!(off.contains(",unregistered,"), "{csv}");
    let on = csv.lines().find(|l| l.contains("reg-on")).unwrap();
    assert!(on.contains(",registered,"), "{csv}");
}

/// A .gz cut short (copied while it was written, a download cut off): the records before the
/// cut are analyzed as in the whole file, and the damage is reported (`gzip-damaged`, and the
/// record the cut falls in as `truncated-record`), exit 0, as for a cut pcap.
#[test]
fn truncated_gzip_is_analyzed_to_the_cut() {
    let sample = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/two-g711-calls.pcap"
    ))
    .unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&sample).unwrap();
    let gz = gz.finish().unwrap();
    let whole = TempFile::new("whole.pcap.gz", &gz);
    let cut = TempFile::new("cut.pcap.gz", &gz[..gz.len() * 3 / 5]);
    let a = analyze_json(whole.path(), &[]);
    let r = voipscope(&["analyze", cut.path(), "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let b: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let counts = &b["capture"]["anomaly_counts"];
    assert_eq!(counts["gzip-damaged"], 1, "{counts}");
    let frames = b["capture"]["frames"].as_u64().unwrap();
    assert!(
        frames > 0 && frames < a["capture"]["frames"].as_u64().unwrap(),
        "{frames}"
    );
    // every SIP message before the cut is read as in the whole file
    let messages = |v: &serde_json::Value| -> Vec<serde_json::Value> {
        v["calls"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["messages"].as_array().unwrap().clone())
            .filter(|m| m["frame"].as_u64().unwrap() <= frames)
            .collect()
    };
    let (before, after) = (messages(&a), messages(&b));
    assert!(!after.is_empty());
    assert_eq!(before, after);
}

/// A 480 with `Reason: Q.850;cause=18`: the listing and the finding say what the cause means,
/// in English and in German.
#[test]
fn q850_cause_is_explained() {
    let answer = b"SIP/2.0 480 Temporarily Unavailable\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n\
        From: <sip:alice@10.0.0.1>;tag=a\r\nTo: <sip:bob@10.0.0.2>;tag=b\r\nCall-ID: q850\r\n\
        CSeq: 1 INVITE\r\nReason: Q.850;cause=18;text=\"NO_USER_RESPONSE\"\r\nContent-Length: 0\r\n\r\n";
    let mut p = Pcap::new(1);
    p.frame(
        1_000_000,
        &udp4(ALICE, 5060, BOB, 5060, &sip_invite("q850")),
    );
    p.frame(1_200_000, &udp4(BOB, 5060, ALICE, 5060, answer));
    let t = TempFile::new("q850.pcap", &p.bytes);
    let calls = voipscope(&["calls", t.path()]);
    assert!(
        calls.stdout.contains(
            "Reason: Q.850 cause 18 \"NO_USER_RESPONSE\" — no user responding: the called phone did not respond in time"
        ),
        "{}",
        calls.stdout
    );
    let de = voipscope(&["explain", t.path(), "--lang", "de"]);
    let text = de.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        text.contains(
            "(keine Antwort vom Teilnehmer: das gerufene Telefon reagierte nicht rechtzeitig"
        ),
        "{}",
        de.stdout
    );
}

/// A stream that sends PCMU as negotiated, then switches to payload type 96, which no SDP
/// named: the finding cites the first packet of type 96, not the stream's first packet.
#[test]
fn unnegotiated_payload_cites_its_first_packet() {
    let ok_body =
        "v=0\r\no=- 2 2 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n";
    let ok = format!(
        "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n\
         From: <sip:alice@10.0.0.1>;tag=a\r\nTo: <sip:bob@10.0.0.2>;tag=b\r\nCall-ID: pt96\r\n\
         CSeq: 1 INVITE\r\nContact: <sip:bob@10.0.0.2>\r\nContent-Type: application/sdp\r\n\
         Content-Length: {}\r\n\r\n{ok_body}",
        ok_body.len()
    );
    let mut p = Pcap::new(1);
    p.frame(
        1_000_000,
        &udp4(ALICE, 5060, BOB, 5060, &sip_invite("pt96")),
    );
    p.frame(1_100_000, &udp4(BOB, 5060, ALICE, 5060, ok.as_bytes()));
    for n in 0..20u16 {
        let pt = if n < 12 { 0 } else { 96 };
        let mut rtp = vec![0x80, pt, 0, 0, 0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44];
        rtp[2..4].copy_from_slice(&n.to_be_bytes());
        rtp[4..8].copy_from_slice(&(u32::from(n) * 160).to_be_bytes());
        rtp.extend([0xffu8; 160]);
        p.frame(
            1_200_000 + u64::from(n) * 20_000,
            &udp4(ALICE, 4000, BOB, 5000, &rtp),
        );
    }
    let t = TempFile::new("pt96.pcap", &p.bytes);
    let a = analyze_json(t.path(), &[]);
    let f = a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "rtp-payload-not-negotiated")
        .unwrap_or_else(|| panic!("{}", a["findings"]));
    // frames 1-2 are SIP; RTP starts at frame 3, so the first packet of type 96 is frame 15
    assert_eq!(f["evidence"], serde_json::json!([15]), "{f}");
}

/// A call answered, then a re-INVITE that offers T.38 fax answered 488: the call stays
/// `completed`, and a finding says the switch to T.38 was refused, citing both frames. A later
/// re-INVITE that is accepted (hold) says nothing.
#[test]
fn refused_t38_reinvite_is_a_finding() {
    let sdp = |media: &str| {
        format!(
            "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm={media}\r\n"
        )
    };
    let request = |method: &str, cseq: u32, body: &str| {
        format!(
            "{method} sip:bob@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKre{cseq}\r\n\
             From: <sip:alice@10.0.0.1>;tag=a\r\nTo: <sip:bob@10.0.0.2>;tag=b\r\nCall-ID: t38\r\n\
             CSeq: {cseq} {method}\r\nContent-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    };
    let response = |status: &str, cseq: u32, body: &str| {
        format!(
            "SIP/2.0 {status}\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKre{cseq}\r\n\
             From: <sip:alice@10.0.0.1>;tag=a\r\nTo: <sip:bob@10.0.0.2>;tag=b\r\nCall-ID: t38\r\n\
             CSeq: {cseq} INVITE\r\nContact: <sip:bob@10.0.0.2>\r\nContent-Type: application/sdp\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    };
    let audio = sdp("audio 4000 RTP/AVP 0");
    let t38 = sdp("image 4002 udptl t38");
    let hold = sdp("audio 4000 RTP/AVP 0\r\na=sendonly");
    let mut p = Pcap::new(1);
    let frames: [(u64, bool, Vec<u8>); 6] = [
        (1_000_000, true, request("INVITE", 1, &audio)),
        (1_100_000, false, response("200 OK", 1, &audio)),
        (5_000_000, true, request("INVITE", 2, &t38)),
        (5_090_000, false, response("488 Not Acceptable Here", 2, "")),
        (9_000_000, true, request("INVITE", 3, &hold)),
        (9_050_000, false, response("200 OK", 3, &audio)),
    ];
    for (t, from_alice, data) in &frames {
        let frame = if *from_alice {
            udp4(ALICE, 5060, BOB, 5060, data)
        } else {
            udp4(BOB, 5060, ALICE, 5060, data)
        };
        p.frame(*t, &frame);
    }
    let t = TempFile::new("t38.pcap", &p.bytes);
    let a = analyze_json(t.path(), &[]);
    assert_eq!(a["calls"][0]["final_status"], 200);
    let refused: Vec<&serde_json::Value> = a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == "reinvite-refused")
        .collect();
    assert_eq!(refused.len(), 1, "{}", a["findings"]);
    let f = refused[0];
    assert!(f["title"].as_str().unwrap().contains("T.38"), "{f}");
    assert!(f["title"].as_str().unwrap().contains("488"), "{f}");
    assert_eq!(f["evidence"], serde_json::json!([3, 4]), "{f}");
}

/// Forty calls answered on one media server port (10.0.0.2:7000), as a SIPp run against one
/// media server gives: every callee SDP names the same end. Mid-call each caller starts a new
/// SSRC of RFC 4733 events from its own port. Each stream belongs to the call whose offer and
/// answer name both its ends, not to the latest call that named the shared one; `rtp`
/// (the JSON streams) and `export --call` agree.
#[test]
fn streams_to_a_shared_media_port_stay_with_their_call() {
    const CALLS: u16 = 40;
    let server_port = 7000u16;
    let caller_port = |i: u16| 20000 + 2 * i;
    let sdp = |ip: &str, port: u16| {
        format!(
            "v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\nm=audio {port} RTP/AVP 0 101\r\n\
             a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
        )
    };
    let message = |start: &str, i: u16, cseq: &str, to_tag: bool, body: &str| {
        let ct = if body.is_empty() {
            ""
        } else {
            "Content-Type: application/sdp\r\n"
        };
        format!(
            "{start}\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-{i}-{cseq}\r\n\
             From: <sip:sipp@10.0.0.1>;tag=a{i}\r\nTo: <sip:service@10.0.0.2>{}\r\nCall-ID: {i}-shared@10.0.0.1\r\n\
             CSeq: {cseq}\r\nContact: <sip:sipp@10.0.0.1:5060>\r\n{ct}Content-Length: {}\r\n\r\n{body}",
            if to_tag { ";tag=b" } else { "" },
            body.len()
        )
        .into_bytes()
    };
    let rtp = |pt: u8, seq: u16, ts: u32, ssrc: u32, payload: &[u8]| {
        let mut p = vec![0x80, pt, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        p[2..4].copy_from_slice(&seq.to_be_bytes());
        p[4..8].copy_from_slice(&ts.to_be_bytes());
        p[8..12].copy_from_slice(&ssrc.to_be_bytes());
        p.extend_from_slice(payload);
        p
    };
    let mut frames: Vec<(u64, Vec<u8>)> = Vec::new();
    for i in 0..CALLS {
        let t0 = 1_000_000 + u64::from(i) * 100_000;
        let offer = sdp("10.0.0.1", caller_port(i));
        let answer = sdp("10.0.0.2", server_port);
        let invite = message(
            "INVITE sip:service@10.0.0.2 SIP/2.0",
            i,
            "1 INVITE",
            false,
            &offer,
        );
        let ok = message("SIP/2.0 200 OK", i, "1 INVITE", true, &answer);
        let ack = message("ACK sip:service@10.0.0.2 SIP/2.0", i, "1 ACK", true, "");
        let bye = message("BYE sip:service@10.0.0.2 SIP/2.0", i, "2 BYE", true, "");
        let bye_ok = message("SIP/2.0 200 OK", i, "2 BYE", true, "");
        frames.push((t0, udp4(ALICE, 5060, BOB, 5060, &invite)));
        frames.push((t0 + 20_000, udp4(BOB, 5060, ALICE, 5060, &ok)));
        frames.push((t0 + 30_000, udp4(ALICE, 5060, BOB, 5060, &ack)));
        // 10 s of audio each way from just after the answer
        for n in 0..500u16 {
            let t = t0 + 40_000 + u64::from(n) * 20_000;
            let ts = u32::from(n) * 160;
            let out = rtp(0, n, ts, 0x1000 + u32::from(i), &[0xff; 160]);
            let back = rtp(0, n, ts, 0x2000 + u32::from(i), &[0xff; 160]);
            frames.push((t, udp4(ALICE, caller_port(i), BOB, server_port, &out)));
            frames.push((t + 1, udp4(BOB, server_port, ALICE, caller_port(i), &back)));
        }
        // at 6 s into the call (after every call was set up) a digit, as a new SSRC
        for n in 0..8u16 {
            let t = t0 + 6_000_000 + u64::from(n) * 20_000 + 7;
            let end = if n >= 5 { 0x80 } else { 0 };
            let event = [5u8, end | 10, 0, ((n + 1) * 160 / 8) as u8];
            let p = rtp(101, n, 48_000, 0x3000 + u32::from(i), &event);
            frames.push((t, udp4(ALICE, caller_port(i), BOB, server_port, &p)));
        }
        frames.push((t0 + 11_000_000, udp4(ALICE, 5060, BOB, 5060, &bye)));
        frames.push((t0 + 11_010_000, udp4(BOB, 5060, ALICE, 5060, &bye_ok)));
    }
    frames.sort_by_key(|(t, _)| *t);
    let mut p = Pcap::new(1);
    for (t, f) in &frames {
        p.frame(*t, f);
    }
    let t = TempFile::new("shared-media-port.pcap", &p.bytes);
    let a = analyze_json(t.path(), &[]);
    let calls = a["calls"].as_array().unwrap();
    assert_eq!(calls.len(), usize::from(CALLS));
    let streams = a["streams"].as_array().unwrap();
    assert_eq!(streams.len(), 3 * usize::from(CALLS));
    for s in streams {
        // the caller's port says which call it is
        let caller_end = [&s["src"], &s["dst"]]
            .into_iter()
            .filter_map(|e| e.as_str())
            .find(|e| e.starts_with("10.0.0.1:"))
            .unwrap();
        let port: u16 = caller_end.rsplit(':').next().unwrap().parse().unwrap();
        let want = (port - 20000) / 2 + 1;
        assert_eq!(s["call_number"], want, "{s}");
    }
    for c in calls {
        assert_eq!(c["media"]["streams"].as_array().unwrap().len(), 3, "{c}");
    }
    // export of call 1 holds its event stream (SSRC 0x3000) and no other call's media
    let out =
        std::env::temp_dir().join(format!("voipscope-shared-port-{}.pcap", std::process::id()));
    let r = voipscope(&[
        "export",
        t.path(),
        "--call",
        "1",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let e = analyze_json(out.to_str().unwrap(), &[]);
    let _ = std::fs::remove_file(&out);
    let ssrcs: Vec<&str> = e["streams"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["ssrc"].as_str())
        .collect();
    assert_eq!(ssrcs.len(), 3, "{ssrcs:?}");
    assert!(ssrcs.iter().any(|s| s.ends_with("3000")), "{ssrcs:?}");
    assert!(e["streams"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["call_number"] == 1));
}

/// A STUN message of `kind` with attributes, as RFC 8489 lays it out.
fn stun_message(kind: u16, attrs: &[(u16, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (t, v) in attrs {
        body.extend(t.to_be_bytes());
        body.extend((v.len() as u16).to_be_bytes());
        body.extend(*v);
        body.resize(body.len().div_ceil(4) * 4, 0);
    }
    let mut m = kind.to_be_bytes().to_vec();
    m.extend((body.len() as u16).to_be_bytes());
    m.extend([0x21, 0x12, 0xA4, 0x42]);
    m.extend([9u8; 12]);
    m.extend(body);
    m
}

fn g711(seq: u16, ssrc: u32) -> Vec<u8> {
    let mut p = vec![0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    p[2..4].copy_from_slice(&seq.to_be_bytes());
    p[4..8].copy_from_slice(&(u32::from(seq) * 160).to_be_bytes());
    p[8..12].copy_from_slice(&ssrc.to_be_bytes());
    p.extend([0xd5u8; 160]);
    p
}

/// RTP relayed by TURN (RFC 8656) is analyzed: ChannelData from the client over UDP (one
/// packet missing), Data indications from the server, ChannelData over TCP split across
/// segments and packed two to a segment. A STUN binding on the same port stays STUN.
#[test]
fn rtp_relayed_by_turn_over_udp_and_tcp() {
    const CLIENT: [u8; 4] = [10, 0, 0, 1];
    const SERVER: [u8; 4] = [192, 0, 2, 10];
    let mut p = Pcap::new(1);
    p.frame(
        900_000,
        &udp4(CLIENT, 50000, SERVER, 3478, &stun_message(0x0001, &[])),
    );
    let peer = [0u8, 1, 0x33, 0x44, 0xe1, 0x12, 0xa6, 0x43];
    for n in 0..100u16 {
        let t = 1_000_000 + u64::from(n) * 20_000;
        if n != 40 {
            let rtp = g711(n, 0xAAAA);
            let mut cd = vec![0x40, 0x00];
            cd.extend((rtp.len() as u16).to_be_bytes());
            cd.extend(&rtp);
            p.frame(t, &udp4(CLIENT, 50000, SERVER, 3478, &cd));
        }
        let ind = stun_message(0x0017, &[(0x0012, &peer), (0x0013, &g711(n, 0xBBBB))]);
        p.frame(t + 5, &udp4(SERVER, 3478, CLIENT, 50000, &ind));
    }
    // TURN over TCP: 50 ChannelData messages (172 bytes of RTP, padded to 176), sent as one
    // byte stream cut into segments of 250 bytes
    let mut stream = Vec::new();
    for n in 0..50u16 {
        let rtp = g711(n, 0xCCCC);
        stream.extend([0x40, 0x01]);
        stream.extend((rtp.len() as u16).to_be_bytes());
        stream.extend(&rtp);
        stream.resize(stream.len().div_ceil(4) * 4, 0);
    }
    let mut seq = 1u32;
    for (i, part) in stream.chunks(250).enumerate() {
        p.frame(
            4_000_000 + i as u64 * 20_000,
            &tcp4(CLIENT, 40000, SERVER, 3478, seq, part),
        );
        seq += part.len() as u32;
    }
    let t = TempFile::new("turn.pcap", &p.bytes);
    let a = analyze_json(t.path(), &[]);
    assert_eq!(
        a["capture"]["turn_packets"],
        99 + 100 + 50,
        "{}",
        a["capture"]
    );
    assert_eq!(a["capture"]["stun_packets"], 1, "{}", a["capture"]);
    assert_eq!(
        a["capture"]["rtp_packets"],
        99 + 100 + 50,
        "{}",
        a["capture"]
    );
    let streams = a["streams"].as_array().unwrap();
    let by_ssrc = |ssrc: &str| {
        streams
            .iter()
            .find(|s| s["ssrc"] == ssrc)
            .unwrap_or_else(|| panic!("{ssrc}: {streams:?}"))
    };
    let up = by_ssrc("0x0000AAAA");
    assert_eq!(
        (up["packets"].as_u64(), up["rfc3550"]["lost"].as_u64()),
        (Some(99), Some(1))
    );
    assert_eq!(up["src"], "10.0.0.1:50000");
    assert_eq!(up["dst"], "192.0.2.10:3478");
    assert_eq!(by_ssrc("0x0000BBBB")["packets"], 100);
    let tcp = by_ssrc("0x0000CCCC");
    assert_eq!(
        (tcp["packets"].as_u64(), tcp["rfc3550"]["lost"].as_u64()),
        (Some(50), Some(0))
    );
    assert_eq!(streams.len(), 3);
    let text = voipscope(&["analyze", t.path()]).stdout;
    assert!(text.contains("(249 relayed by TURN)"), "{text}");
}

/// A HEP version 3 message (HOMER's encapsulation, UDP 9060) carrying each SIP message a
/// capture agent saw: the call inside is analyzed with the agent's addresses; a HEP version
/// 2 message carries one more.
#[test]
fn sip_sent_by_a_hep_agent_is_analyzed() {
    fn chunk(kind: u16, value: &[u8]) -> Vec<u8> {
        let mut c = vec![0, 0];
        c.extend(kind.to_be_bytes());
        c.extend((6 + value.len() as u16).to_be_bytes());
        c.extend(value);
        c
    }
    fn hep3(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16, payload: &[u8]) -> Vec<u8> {
        let mut body = Vec::new();
        body.extend(chunk(0x0001, &[2]));
        body.extend(chunk(0x0002, &[17]));
        body.extend(chunk(0x0003, &src));
        body.extend(chunk(0x0004, &dst));
        body.extend(chunk(0x0007, &sport.to_be_bytes()));
        body.extend(chunk(0x0008, &dport.to_be_bytes()));
        body.extend(chunk(0x0009, &1_735_689_600u32.to_be_bytes()));
        body.extend(chunk(0x000a, &0u32.to_be_bytes()));
        body.extend(chunk(0x000b, &[1]));
        body.extend(chunk(0x000c, &2001u32.to_be_bytes()));
        body.extend(chunk(0x000f, payload));
        let mut m = b"HEP3".to_vec();
        m.extend((6 + body.len() as u16).to_be_bytes());
        m.extend(body);
        m
    }
    fn hep2(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16, payload: &[u8]) -> Vec<u8> {
        let mut m = vec![2, 28, 2, 17];
        m.extend(sport.to_be_bytes());
        m.extend(dport.to_be_bytes());
        m.extend(src);
        m.extend(dst);
        m.extend([0u8; 12]);
        m.extend(payload);
        m
    }
    const AGENT: [u8; 4] = [10, 9, 9, 9];
    const COLLECTOR: [u8; 4] = [10, 9, 9, 1];
    let busy = "SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n\
                From: <sip:alice@10.0.0.1>;tag=a\r\nTo: <sip:bob@10.0.0.2>;tag=b\r\nCall-ID: hep1\r\n\
                CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
    let ack = "ACK sip:bob@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n\
               From: <sip:alice@10.0.0.1>;tag=a\r\nTo: <sip:bob@10.0.0.2>;tag=b\r\nCall-ID: hep1\r\n\
               CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n";
    let mut p = Pcap::new(1);
    let invite = hep3(ALICE, 5060, BOB, 5060, &sip_invite("hep1"));
    p.frame(1_000_000, &udp4(AGENT, 40001, COLLECTOR, 9060, &invite));
    let busy = hep3(BOB, 5060, ALICE, 5060, busy.as_bytes());
    p.frame(1_100_000, &udp4(AGENT, 40001, COLLECTOR, 9060, &busy));
    let ack = hep2(ALICE, 5060, BOB, 5060, ack.as_bytes());
    p.frame(1_200_000, &udp4(AGENT, 40001, COLLECTOR, 9060, &ack));
    let t = TempFile::new("hep.pcap", &p.bytes);
    let a = analyze_json(t.path(), &[]);
    assert_eq!(a["capture"]["hep_packets"], 3, "{}", a["capture"]);
    assert_eq!(a["capture"]["sip_messages"], 3, "{}", a["capture"]);
    assert_eq!(a["capture"]["other_udp_packets"], 0, "{}", a["capture"]);
    let call = &a["calls"][0];
    assert_eq!(call["state"], "rejected", "{call}");
    assert_eq!(call["final_status"], 486);
    assert_eq!(call["caller"], "10.0.0.1:5060");
    assert_eq!(call["messages"].as_array().unwrap().len(), 3, "{call}");
}

/// A cut .gz larger than one read of the decompressor gives the same report whatever the threads
/// and buffers: the decompressed bytes and the cut record's position count from the start of
/// the capture, not of the buffer the walk was in (they moved with how much had arrived when
/// the error came: "at byte 0" with small buffers).
#[test]
fn truncated_gzip_reports_positions_in_the_capture() {
    let mut pcap = Vec::new();
    let args = voipscope::synth::SynthArgs {
        size: 3 << 20,
        calls: 20,
        ..Default::default()
    };
    voipscope::synth::write_capture(&args, &mut pcap).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&pcap).unwrap();
    let gz = gz.finish().unwrap();
    let cut = TempFile::new("cut-synth.pcap.gz", &gz[..gz.len() * 3 / 5]);
    let first = voipscope(&["analyze", cut.path(), "--format", "json"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    for args in [
        ["--threads", "1", "--chunk-bytes", "1000000"],
        ["--threads", "3", "--chunk-bytes", "1500"],
        ["--threads", "2", "--chunk-bytes", "65536"],
    ] {
        let again =
            voipscope(&[&["analyze", cut.path(), "--format", "json"][..], &args[..]].concat());
        assert_eq!(again.stdout, first.stdout, "{args:?}");
    }
    let v: serde_json::Value = serde_json::from_str(&first.stdout).unwrap();
    let detail = |kind: &str| -> String {
        v["anomalies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["kind"] == kind)
            .map(|x| x["detail"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no {kind}"))
    };
    let number_after = |text: &str, lead: &str| -> u64 {
        text.split(lead)
            .nth(1)
            .and_then(|t| t.split([':', ' ']).next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{text}"))
    };
    let at = number_after(&detail("truncated-record"), "at byte ");
    let decompressed = number_after(&detail("gzip-damaged"), "after ");
    // the cut record starts where the frames read end, within the bytes decompressed
    let bytes = v["capture"]["bytes"].as_u64().unwrap();
    let frames = v["capture"]["frames"].as_u64().unwrap();
    assert_eq!(at, 24 + 16 * frames + bytes, "{at} {frames} {bytes}");
    assert!(
        decompressed > at && decompressed < at + 300,
        "{decompressed} {at}"
    );
}
