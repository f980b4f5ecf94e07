//! Damaged captures: a small capture cut at every byte, a larger one with random bytes flipped,
//! and arbitrary bytes fed to every parser (proptest). Nothing may panic, and what came before
//! the damage must read exactly as in the undamaged capture.

use proptest::prelude::*;
use voipscope::capture::RawFrame;
use voipscope::decode::{decode_frame, ChunkOut, Flow, MediaKind, MediaPacket, RtpHeader};
use voipscope::numbers::LinkType;
use voipscope::{analyze_bytes, Options, SipMessage};

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// Byte offsets where each record of a little-endian classic pcap ends.
fn record_ends(pcap: &[u8]) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut pos = 24;
    while pos + 16 <= pcap.len() {
        let cap = u32::from_le_bytes(pcap[pos + 8..pos + 12].try_into().unwrap()) as usize;
        pos += 16 + cap;
        if pos <= pcap.len() {
            ends.push(pos);
        }
    }
    ends
}

fn opts() -> Options {
    Options {
        pipeline: voipscope::PipelineOptions {
            threads: 1,
            chunk_bytes: 4096,
        },
        ..Default::default()
    }
}

/// SIP messages as (frame, bytes).
type Messages = Vec<(u64, Vec<u8>)>;

/// The SIP messages of an analysis, and the analysis.
fn messages(data: Vec<u8>) -> Option<(Messages, voipscope::Analysis)> {
    let mut seen = Vec::new();
    let a = analyze_bytes("damaged.pcap", data, &opts(), &mut |m: &SipMessage| {
        seen.push((m.frame, m.data.clone()))
    })
    .ok()?;
    Some((seen, a))
}

#[test]
fn cut_at_every_byte() {
    for name in ["busy.pcap", "cancel.pcap", "register-digest.pcap"] {
        let whole = sample(name);
        let ends = record_ends(&whole);
        let (all, _) = messages(whole.clone()).unwrap();
        for cut in 1..whole.len() {
            let complete = ends.iter().filter(|&&e| e <= cut).count() as u64;
            let Some((seen, a)) = messages(whole[..cut].to_vec()) else {
                assert!(
                    cut < 24,
                    "{name} cut at {cut}: refused although the header is whole"
                );
                continue;
            };
            assert_eq!(a.capture.frames, complete, "{name} cut at {cut}");
            let before: Vec<_> = all
                .iter()
                .filter(|(f, _)| *f <= complete)
                .cloned()
                .collect();
            assert_eq!(
                seen, before,
                "{name} cut at {cut}: messages before the cut differ"
            );
            if cut > 24 && !ends.contains(&cut) {
                assert!(
                    a.anomalies
                        .iter()
                        .any(|x| x.kind == voipscope::AnomalyKind::TruncatedRecord),
                    "{name} cut at {cut}: the cut is not reported"
                );
            }
        }
    }
}

#[test]
fn random_byte_flips() {
    let whole = sample("hold-resume.pcap");
    let ends = record_ends(&whole);
    let (all, clean) = messages(whole.clone()).unwrap();
    // splitmix64, so the flips are the same on every run
    let mut state = 0x5EED_u64;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    for _ in 0..300 {
        let mut data = whole.clone();
        let flips = 1 + (next() % 8) as usize;
        let mut first = usize::MAX;
        for _ in 0..flips {
            let at = 24 + (next() as usize) % (data.len() - 24);
            data[at] ^= 1 << (next() % 8);
            first = first.min(at);
        }
        // frames whose record ends before the first flipped byte are untouched
        let intact = ends.iter().filter(|&&e| e <= first).count() as u64;
        let (seen, a) = messages(data).expect("the header is intact");
        let before: Vec<_> = all.iter().filter(|(f, _)| *f <= intact).cloned().collect();
        let seen_before: Vec<_> = seen.iter().filter(|(f, _)| *f <= intact).cloned().collect();
        assert_eq!(
            seen_before, before,
            "flip at {first}: messages before it differ"
        );
        assert!(a.capture.frames <= clean.capture.frames + 8);
    }
}

/// Crashes the fuzz targets found, kept as they were found (fuzz/artifacts is not committed).
#[test]
fn fuzz_regressions() {
    // decode_frame: raw IPv4 (link 101), UDP 5060 -> 5060 carrying "INVITE sIP/2.0": a start
    // line with no request URI made the SIP test slice past its end
    let crash: &[u8] = &[
        0x00, 0x65, 0x45, 0x00, 0x02, 0x67, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x4c, 0x34, 0xc0,
        0x00, 0x02, 0x0a, 0xc6, 0x33, 0x64, 0x14, 0x13, 0xc4, 0x13, 0xc4, 0x02, 0x53, 0xa0, 0x14,
        0x49, 0x4e, 0x56, 0x49, 0x54, 0x45, 0x20, 0x73, 0x49, 0x50, 0x2f, 0x32, 0x2e, 0x30, 0x0d,
        0x0a, 0x56, 0x69, 0x61, 0x3a, 0x20, 0x53, 0x49, 0x50, 0x61, 0x6c, 0x6c, 0x2d, 0x49, 0x44,
        0x3a, 0x20, 0x62, 0x75, 0x73, 0x00, 0x71, 0x79, 0x00,
    ];
    let frame = RawFrame {
        number: 1,
        ts_ns: 0,
        link: LinkType(u16::from_be_bytes([crash[0], crash[1]])),
        orig_len: (crash.len() - 2) as u32,
        data: &crash[2..],
    };
    let mut out = ChunkOut::default();
    decode_frame(&frame, &mut out);
}

/// Ethernet/IPv4/UDP around `payload`.
fn udp_frame(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    let b = etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
        .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
        .udp(sport, dport);
    let _ = b.write(&mut v, payload);
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_bytes_as_a_capture(body in proptest::collection::vec(any::<u8>(), 0..3000), pcapng in any::<bool>()) {
        let mut data = if pcapng {
            vec![0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255, 28, 0, 0, 0]
        } else {
            let mut h = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0];
            h.extend([0u8; 8]);
            h.extend(65535u32.to_le_bytes());
            h.extend(1u32.to_le_bytes());
            h
        };
        data.extend(body);
        let _ = analyze_bytes("any.pcap", data, &opts(), &mut |_| {});
    }

    #[test]
    fn any_frame_on_any_link(link in prop_oneof![Just(1u16), Just(101), Just(113), Just(276), Just(0), Just(12), Just(228), Just(229), any::<u16>()], data in proptest::collection::vec(any::<u8>(), 0..1600)) {
        let frame = RawFrame { number: 1, ts_ns: 0, link: LinkType(link), orig_len: data.len() as u32, data: &data };
        let mut out = ChunkOut::default();
        decode_frame(&frame, &mut out);
    }

    /// TURN and HEP views: whatever the bytes, what they give lies inside them.
    #[test]
    fn any_turn_and_hep(data in proptest::collection::vec(any::<u8>(), 0..600), prefix in prop_oneof![Just(&b""[..]), Just(&b"HEP3"[..]), Just(&b"\x40\x00"[..]), Just(&b"\x00\x17"[..])]) {
        use voipscope::decode::{hep, turn};
        let mut bytes = prefix.to_vec();
        bytes.extend(data);
        let inside = |d: &[u8]| bytes.as_ptr_range().contains(&d.as_ptr()) || d.is_empty();
        if let Some(turn::Turn::Relayed(d)) = turn::datagram(&bytes) {
            prop_assert!(inside(d));
        }
        if let Some(Some(len)) = turn::stream_message_len(&bytes) {
            if let Some(turn::Turn::Relayed(d)) = bytes.get(..len).and_then(turn::stream_message) {
                prop_assert!(inside(d));
            }
        }
        if let Some(hep::Hep::Packet(e)) = hep::read(&bytes) {
            prop_assert!(inside(e.payload));
        }
        // and on the wire, on their ports
        for (sport, dport) in [(50000, 3478), (40001, 9060)] {
            let frame = udp_frame(sport, dport, &bytes);
            let raw = RawFrame { number: 1, ts_ns: 0, link: LinkType::ETHERNET, orig_len: frame.len() as u32, data: &frame };
            let mut out = ChunkOut::default();
            decode_frame(&raw, &mut out);
        }
    }

    #[test]
    fn any_sdp(data in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let _ = voipscope::sdp::parse(&data);
        // checked later in a batch (TCP messages) or at once on a worker (datagrams): one verdict
        let later = voipscope::sdp::read_checked(&data);
        let at_once = voipscope::sdp::read_and_check(&data);
        prop_assert_eq!(later.map(|d| d.strict_error), at_once.map(|d| d.strict_error));
    }

    #[test]
    fn any_rtp_and_rtcp(packets in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..60)) {
        let flow = Flow { src: "10.0.0.1:4000".parse().unwrap(), dst: "10.0.0.2:6000".parse().unwrap() };
        let plan = voipscope::sdp::plan::MediaPlan::default();
        let mut streams = voipscope::rtp::StreamTable::default();
        let mut rtcp = voipscope::rtp::rtcp::RtcpTable::default();
        for (i, p) in packets.iter().enumerate() {
            let ts_ns = i as i64 * 20_000_000;
            if let Some(h) = RtpHeader::read(p, &flow) {
                let m = MediaPacket { frame: i as u64 + 1, ts_ns, flow, kind: MediaKind::Rtp(h), data: p };
                streams.push(&m, &h, &plan, ts_ns);
            }
            rtcp.push(p, ts_ns, ts_ns);
        }
        for s in streams.finish() {
            prop_assert!(s.wireshark.max_jitter_ms.is_finite());
        }
    }
}
