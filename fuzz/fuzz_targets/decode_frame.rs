//! One frame through the link, IP, UDP/TCP/SCTP and tunnel decoders: the first two bytes pick
//! the link type, the rest is the frame. Nothing may panic or read past the frame.
#![no_main]

use libfuzzer_sys::fuzz_target;
use voipscope::capture::RawFrame;
use voipscope::decode::{decode_frame, ChunkOut};

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let link = u16::from_be_bytes([data[0], data[1]]);
    let frame = RawFrame {
        number: 1,
        ts_ns: 0,
        link: voipscope::numbers::LinkType(link),
        orig_len: data.len() as u32,
        data: &data[2..],
    };
    let mut out = ChunkOut::default();
    decode_frame(&frame, &mut out);
});
