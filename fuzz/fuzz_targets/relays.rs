//! TURN (ChannelData, Send and Data indications, on datagrams and streams) and HEP views over
//! arbitrary bytes: nothing may panic, and what they hand on lies inside the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use voipscope::decode::{hep, turn};

fuzz_target!(|data: &[u8]| {
    let inside = |d: &[u8]| d.is_empty() || data.as_ptr_range().contains(&d.as_ptr());
    if let Some(turn::Turn::Relayed(d)) = turn::datagram(data) {
        assert!(inside(d));
    }
    if let Some(Some(len)) = turn::stream_message_len(data) {
        if let Some(turn::Turn::Relayed(d)) = data.get(..len).and_then(turn::stream_message) {
            assert!(inside(d));
        }
    }
    if let Some(hep::Hep::Packet(e)) = hep::read(data) {
        assert!(inside(e.payload));
    }
});
