//! SIP messages read on the capture stage's workers and filed later give the same calls as
//! messages read and filed one by one in capture order (the two paths of `sip::SipTracker`).

use voipscope_sip::{Call, Preread, SipTracker, Unfiled};
use voipscope_wire::decode::SipMessage;

/// The framed SIP messages of a teaching capture, as the capture stage hands them on.
fn messages(scenario: &str) -> Vec<SipMessage> {
    let mut bytes = Vec::new();
    voipscope_testkit::scenario::write(scenario, &mut bytes).expect("scenario");
    let mut out = Vec::new();
    voipscope_analysis::analyze_bytes(scenario, bytes, &Default::default(), &mut |m| {
        out.push(m.clone())
    })
    .expect("analyze");
    out
}

#[test]
fn messages_read_on_workers_are_filed_as_if_read_in_order() {
    let all = messages("hold-resume");
    assert!(all.len() > 6, "{}", all.len());
    let mut one_by_one = SipTracker::new();
    for m in &all {
        one_by_one.push(m);
    }
    let (mut expected, _) = one_by_one.finish();
    // the path that reads in order checks SDP after the SIP stage
    voipscope_sdp::validate::check_all(expected.calls.iter_mut().flat_map(Call::descriptions_mut));

    // every other message read as a worker does: numbered from its range's start, then
    // renumbered by the in-order stage
    let mut tracker = SipTracker::new();
    let mut batch = Vec::new();
    for (i, m) in all.iter().enumerate() {
        if i % 2 == 0 {
            let mut local = m.clone();
            local.frame = 1;
            local.frames = [1].into_iter().collect();
            let mut preread = Preread::checked(&local);
            preread.renumber(m.frame);
            batch.push(Unfiled::Read(preread));
        } else {
            batch.push(Unfiled::from(m.clone()));
        }
        if batch.len() == 3 {
            tracker.push_batch(&mut batch);
        }
    }
    tracker.push_batch(&mut batch);
    let (mut got, _) = tracker.finish();
    voipscope_sdp::validate::check_all(got.calls.iter_mut().flat_map(Call::descriptions_mut));
    assert_eq!(got, expected);
    assert!(got.calls.iter().all(|c| !c.sdp.is_empty()));
}
