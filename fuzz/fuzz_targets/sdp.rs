//! The SDP reader (lenient, multipart-embedded, and with webrtc-sdp's strict check) and the
//! media plan built from it: nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use voipscope::sdp;

fuzz_target!(|data: &[u8]| {
    let mut plan = sdp::plan::MediaPlan::default();
    if let Some(d) = sdp::parse(data) {
        plan.learn(&d, 0);
        let _ = voipscope::sip::calls::sdp_brief(&d);
    }
    let _ = sdp::parse_embedded(data);
    // checked later in a batch or at once on a worker: one verdict
    assert_eq!(
        sdp::read_checked(data).map(|d| d.strict_error),
        sdp::read_and_check(data).map(|d| d.strict_error)
    );
});
