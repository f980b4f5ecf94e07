//! Property tests: the SIP tokenizer, message reader, tracker and ladder renderers never panic,
//! on arbitrary bytes and on real-looking messages with bytes cut, flipped or inserted, and the
//! tracker counts every message it is given.

use proptest::prelude::*;
use voipscope::decode::{Flow, SipMessage, SipTransport};
use voipscope::report::ladder;
use voipscope::sip::{tokenizer, SipTracker};

const INVITE: &[u8] = b"INVITE sip:bob@10.0.0.2 SIP/2.0\r\n\
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport\r\n\
f: \"Al\\\"ice\" <sip:alice@10.0.0.1>;tag=1\r\n\
To: <tel:+4930123>\r\n\
Call-ID: c1@x\r\nCSeq: 1 INVITE\r\nContact: <sip:a@10.0.0.1>;expires=30\r\n\
Subject: folded\r\n  over two lines\r\n\
Content-Type: application/sdp\r\nl: 66\r\n\r\n\
v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n";

const RESPONSE: &[u8] = b"SIP/2.0 407 Proxy Authentication Required\r\n\
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n\
From: <sip:alice@10.0.0.1>;tag=1\r\nTo: <tel:+4930123>;tag=9\r\n\
Call-ID: c1@x\r\nCSeq: 1 INVITE\r\n\
Proxy-Authenticate: Digest realm=\"r\", nonce=\"n\", stale=TRUE\r\n\
Reason: Q.850;cause=16;text=\"Normal\"\r\nWarning: 399 h \"x\"\r\nContent-Length: 0\r\n\r\n";

fn framed(data: Vec<u8>, frame: u64) -> SipMessage {
    SipMessage {
        frame,
        frames: [frame].into_iter().collect(),
        ts_ns: frame as i64 * 1_000_000,
        flow: Flow {
            src: "10.0.0.1:5060".parse().unwrap(),
            dst: "10.0.0.2:5060".parse().unwrap(),
        },
        transport: SipTransport::Udp,
        data,
        truncated: false,
    }
}

fn run_all(messages: Vec<Vec<u8>>) {
    let n = messages.len() as u64;
    let mut tracker = SipTracker::new();
    for (i, m) in messages.into_iter().enumerate() {
        let _ = tokenizer::tokenize(&m);
        tracker.push(&framed(m, i as u64 + 1));
    }
    let (analysis, _) = tracker.finish();
    assert_eq!(analysis.stats.messages, n);
    for call in &analysis.calls {
        let l = ladder::of_call(call, Default::default());
        let text = ladder::text::render(&l);
        assert!(text.lines().all(|line| line.chars().count() <= 100));
        let _ = ladder::svg::render(&l);
        let _ = ladder::mermaid::render(&l);
    }
    for r in &analysis.registrations {
        let _ = ladder::text::render(&ladder::of_registration(r, Default::default()));
    }
}

/// A real-looking message damaged at random: cut, a byte replaced, bytes inserted.
fn damaged(base: &'static [u8]) -> impl Strategy<Value = Vec<u8>> {
    (
        0..=base.len(),
        proptest::collection::vec((0..base.len(), any::<u8>()), 0..6),
        proptest::collection::vec(any::<u8>(), 0..8),
        0..=base.len(),
    )
        .prop_map(move |(cut, flips, insert, at)| {
            let mut v = base.to_vec();
            for (i, b) in flips {
                v[i] = b;
            }
            let at = at.min(v.len());
            v.splice(at..at, insert);
            v.truncate(cut.max(1));
            v
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        run_all(vec![data]);
    }

    #[test]
    fn damaged_dialogs(
        invite in damaged(INVITE),
        response in damaged(RESPONSE),
        again in damaged(INVITE),
    ) {
        run_all(vec![invite, response, again, INVITE.to_vec(), RESPONSE.to_vec()]);
    }

    #[test]
    fn header_soup(lines in proptest::collection::vec("[a-zA-Z:;<>\"=@ \\t,.-]{0,40}", 0..20)) {
        let mut m = b"INVITE sip:x SIP/2.0\r\n".to_vec();
        for l in lines {
            m.extend_from_slice(l.as_bytes());
            m.extend_from_slice(b"\r\n");
        }
        run_all(vec![m]);
    }
}
