//! Strict SDP validation with webrtc-sdp. Our own reader accepts what phones send; this says
//! what a strict peer (a WebRTC stack, a picky SBC) would reject, so the diagnosis can warn.
//!
//! webrtc-sdp rejects whole descriptions for a missing `t=` line (tested below), among others;
//! its complaint is kept as text, never used to read the SDP. (It accepts the `m=image` T.38
//! sections of the shared fax capture.)

/// webrtc-sdp's complaint about `body`, or `None` when it accepts it.
pub fn strict_error(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    match webrtc_sdp::parse_sdp(&text, false) {
        Ok(_) => None,
        Err(e) => Some(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_sdp_is_accepted_and_missing_timing_is_not() {
        let ok = b"v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
        assert_eq!(strict_error(ok), None);
        let no_t = b"v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\n";
        assert!(strict_error(no_t).is_some());
    }
}
