//! RTP and RTCP: the input is cut into datagrams (a length byte, then that many bytes) and fed
//! to the stream table (with an SDP plan naming dynamic payload types), the RTCP table and the
//! RFC 4733 reader. Nothing may panic; every figure must stay finite.
#![no_main]

use libfuzzer_sys::fuzz_target;
use voipscope::decode::{Flow, MediaKind, MediaPacket, RtpHeader};
use voipscope::rtp::rtcp::RtcpTable;
use voipscope::rtp::StreamTable;
use voipscope::sdp;

fuzz_target!(|data: &[u8]| {
    let mut plan = sdp::plan::MediaPlan::default();
    let description = sdp::parse(
        b"v=0\r\nc=IN IP4 10.0.0.2\r\nm=audio 6000 RTP/AVP 0 96 101\r\na=rtpmap:96 opus/48000/2\r\na=rtpmap:101 telephone-event/8000\r\n",
    );
    if let Some(d) = &description {
        plan.learn(d, 0);
    }
    let flow = Flow {
        src: "10.0.0.1:4000".parse().unwrap(),
        dst: "10.0.0.2:6000".parse().unwrap(),
    };
    let mut streams = StreamTable::default();
    let mut rtcp = RtcpTable::default();
    let mut rest = data;
    let mut frame = 0u64;
    while let Some((&len, tail)) = rest.split_first() {
        let n = usize::from(len).min(tail.len());
        let (packet, next) = tail.split_at(n);
        rest = next;
        frame += 1;
        let ts_ns = frame as i64 * 20_000_000 + i64::from(len) * 100_000;
        if let Some(h) = RtpHeader::read(packet, &flow) {
            let p = MediaPacket {
                frame,
                ts_ns,
                flow,
                kind: MediaKind::Rtp(h),
                data: packet,
            };
            // the prefetch hints read the index too; a new description mid-stream makes the
            // streams of its endpoint read their payload types again
            streams.prefetch_index(h.stream_hash);
            streams.prefetch(h.stream_hash, h.seq);
            streams.prefetch_series(h.stream_hash);
            if frame % 16 == 0 {
                if let Some(d) = &description {
                    plan.learn(d, ts_ns);
                }
            }
            streams.push(&p, &h, &plan, ts_ns);
        }
        rtcp.push(packet, ts_ns, ts_ns);
    }
    for s in streams.finish() {
        assert!(s.wireshark.max_jitter_ms.is_finite());
        assert!(s.rfc3550.jitter_ms.is_finite());
        if let Some(q) = &s.quality {
            assert!(q.mos.is_finite());
        }
    }
});
