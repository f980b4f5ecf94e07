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
    let _ = sdp::read_checked(data);
});
