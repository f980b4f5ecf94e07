//! The SIP tokenizer, message reader and tracker on arbitrary bytes: nothing may panic, and
//! every message, readable or not, must reach the tracker's counts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use voipscope::decode::{Flow, SipMessage, SipTransport};
use voipscope::sip::{tokenizer, SipTracker};

fuzz_target!(|data: &[u8]| {
    let _ = tokenizer::tokenize(data);
    let framed = SipMessage {
        frame: 1,
        frames: [1].into_iter().collect(),
        ts_ns: 0,
        flow: Flow {
            src: "10.0.0.1:5060".parse().unwrap(),
            dst: "10.0.0.2:5060".parse().unwrap(),
        },
        transport: SipTransport::Udp,
        data: data.to_vec(),
        truncated: false,
    };
    let mut tracker = SipTracker::new();
    tracker.push(&framed);
    // The same bytes again, as a retransmission would arrive.
    tracker.push(&framed);
    let (analysis, _) = tracker.finish();
    assert_eq!(analysis.stats.messages, 2);
    for call in &analysis.calls {
        let ladder = voipscope::report::ladder::of_call(call, Default::default());
        let _ = voipscope::report::ladder::text::render(&ladder);
        let _ = voipscope::report::ladder::svg::render(&ladder);
        let _ = voipscope::report::ladder::mermaid::render(&ladder);
    }
});
