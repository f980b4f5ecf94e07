//! Strict SDP validation with webrtc-sdp. Our own reader accepts what phones send; this says
//! what a strict peer (a WebRTC stack, a picky SBC) would reject, so the diagnosis can warn.
//!
//! webrtc-sdp rejects whole descriptions for a missing `t=` line (tested below), among others;
//! its complaint is kept as text, never used to read the SDP. (It accepts the `m=image` T.38
//! sections of the shared fax capture.)

use rustc_hash::FxHashMap;

use super::SessionDescription;

/// webrtc-sdp's complaint about `body`, or `None` when it accepts it.
pub fn strict_error(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    match webrtc_sdp::parse_sdp(&text, false) {
        Ok(_) => None,
        Err(e) => Some(e.to_string()),
    }
}

/// Checks each description that still holds its text ([`super::read_kept`]) and sets its
/// `strict_error`. Identical texts (a retransmitted INVITE, an answer sent in 183 and again in
/// 200) are checked once; distinct ones in parallel. The texts are dropped afterwards.
pub fn check_all<'a>(descriptions: impl IntoIterator<Item = &'a mut SessionDescription>) {
    use rayon::prelude::*;
    let mut targets: Vec<(&'a mut SessionDescription, usize)> = Vec::new();
    let mut distinct: Vec<Box<str>> = Vec::new();
    let mut index: FxHashMap<Box<str>, usize> = FxHashMap::default();
    for d in descriptions {
        let Some(text) = d.text.take() else {
            continue;
        };
        let at = match index.get(&text) {
            Some(&i) => i,
            None => {
                distinct.push(text.clone());
                index.insert(text, distinct.len() - 1);
                distinct.len() - 1
            }
        };
        targets.push((d, at));
    }
    drop(index);
    let verdicts: Vec<Option<String>> = distinct
        .par_iter()
        .map(|t| strict_error(t.as_bytes()))
        .collect();
    for (d, at) in targets {
        d.strict_error.clone_from(&verdicts[at]);
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

    #[test]
    fn check_all_sets_each_verdict_and_drops_the_texts() {
        let ok = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
        let no_t = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\n";
        let mut all: Vec<SessionDescription> = [ok, no_t, ok, no_t]
            .iter()
            .map(|t| crate::sdp::read_kept(t.as_bytes()).unwrap())
            .collect();
        check_all(all.iter_mut());
        let verdicts: Vec<bool> = all.iter().map(|d| d.strict_error.is_some()).collect();
        assert_eq!(verdicts, [false, true, false, true]);
        assert!(all.iter().all(|d| d.text.is_none()));
        // checked ones are not checked again
        all[0].strict_error = Some("kept".into());
        check_all(all.iter_mut());
        assert_eq!(all[0].strict_error.as_deref(), Some("kept"));
    }
}
