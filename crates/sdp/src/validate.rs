//! Strict SDP validation with webrtc-sdp. Our own reader accepts what phones send; this says
//! what a strict peer (a WebRTC stack, a picky SBC) would reject, so the diagnosis can warn.
//!
//! webrtc-sdp rejects whole descriptions for a missing `t=` line (tested below), among others;
//! its complaint is kept as text, never used to read the SDP. (It accepts the `m=image` T.38
//! sections of the shared fax capture.)

use std::cell::RefCell;

use rustc_hash::{FxHashMap, FxHashSet};

use super::SessionDescription;

/// webrtc-sdp's complaint about `body`, or `None` when it accepts it.
///
/// webrtc-sdp costs several times our own reading of a whole SIP message, and a busy link
/// sends the same description over and over with other addresses, ports and session numbers.
/// So a description is first written as its *template* (see [`template`]); a template
/// webrtc-sdp accepted before stands for every description it was made from. Anything else
/// (a new template, one that was rejected) is parsed as sent, so a complaint always quotes the
/// real text.
pub fn strict_error(body: &[u8]) -> Option<String> {
    strict_error_of_text(&String::from_utf8_lossy(body))
}

/// [`strict_error`] of a text already decoded (the text [`crate::read_kept`] keeps).
pub(crate) fn strict_error_of_text(text: &str) -> Option<String> {
    ACCEPTED.with(|accepted| {
        let (accepted, template) = &mut *accepted.borrow_mut();
        // webrtc-sdp refuses texts under 51 bytes before reading them: a template's length
        // differs
        let templated = text.len() >= MIN_SDP_LEN && template_into(text, template);
        if templated && accepted.contains(template.as_str()) {
            return None;
        }
        let verdict = parse_strictly(text);
        if verdict.is_none() && templated {
            if accepted.len() >= MAX_TEMPLATES {
                accepted.clear();
            }
            accepted.insert(template.as_str().into());
        }
        verdict
    })
}

fn parse_strictly(text: &str) -> Option<String> {
    match webrtc_sdp::parse_sdp(text, false) {
        Ok(_) => None,
        Err(e) => Some(e.to_string()),
    }
}

/// webrtc-sdp's own minimum length (`parse_sdp`).
const MIN_SDP_LEN: usize = 51;
/// Accepted templates remembered per thread; past this the set starts afresh (a template is
/// a few hundred bytes, and a capture has few).
const MAX_TEMPLATES: usize = 256;

thread_local! {
    /// The accepted templates, and the one being written (its room kept from one description
    /// to the next).
    static ACCEPTED: RefCell<(FxHashSet<Box<str>>, String)> = RefCell::default();
}

/// The description with the values webrtc-sdp only checks for form put to fixed ones: the
/// session id and version of `o=` (any u64), the addresses of `o=` and `c=` (any IPv4 or IPv6
/// address written as the standard library reads it, without a multicast `/ttl`), and the port
/// of `m=` (0 to 65535). webrtc-sdp reads each with a parse of its own and never compares its
/// value with anything (webrtc-sdp 0.3: `parse_origin`, `parse_connection`, `parse_media`,
/// `Address::from_str`; only the address *type* must match `IP4`/`IP6`, and a replacement
/// keeps the type). Whitespace is kept, so every token stays where it was. `None` when the
/// text has none of these lines.
pub fn template(text: &str) -> Option<String> {
    let mut out = String::new();
    template_into(text, &mut out).then_some(out)
}

/// [`template`] written into `out` (emptied first); false when the text has none of the lines.
fn template_into(text: &str, out: &mut String) -> bool {
    out.clear();
    out.reserve(text.len());
    let mut changed = false;
    for line in crate::lines_inclusive(text) {
        let (key, fields): (&str, &[(usize, Kind)]) = match line.get(..2) {
            Some("o=") => ("o=", &[(1, Kind::U64), (2, Kind::U64), (5, Kind::Address)]),
            Some("c=") => ("c=", &[(2, Kind::Address)]),
            Some("m=") => ("m=", &[(1, Kind::Port)]),
            _ => {
                out.push_str(line);
                continue;
            }
        };
        changed = true;
        out.push_str(key);
        let mut index = 0;
        let mut rest = &line[2..];
        // an ASCII line's separators are ASCII: read bytes, not characters
        let ascii = rest.is_ascii();
        while !rest.is_empty() {
            let space = if ascii {
                rest.bytes()
                    .take_while(|&b| voipscope_wire::text::is_space(b))
                    .count()
            } else {
                rest.len() - rest.trim_start_matches(is_space).len()
            };
            out.push_str(&rest[..space]);
            rest = &rest[space..];
            let end = if ascii {
                rest.bytes().position(voipscope_wire::text::is_space)
            } else {
                rest.find(is_space)
            }
            .unwrap_or(rest.len());
            let token = &rest[..end];
            rest = &rest[end..];
            if token.is_empty() {
                break;
            }
            let kind = fields.iter().find(|(i, _)| *i == index).map(|(_, k)| *k);
            if !kind.is_some_and(|k| k.put_canonical(token, out)) {
                out.push_str(token);
            }
            index += 1;
        }
    }
    changed
}

/// What `split_whitespace` (webrtc-sdp's tokenizer) takes for a separator.
fn is_space(c: char) -> bool {
    c.is_whitespace()
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    U64,
    Address,
    Port,
}

impl Kind {
    /// Writes the fixed value standing for `token`, when the token is one webrtc-sdp reads
    /// the same way as that value; else writes nothing and says so.
    fn put_canonical(self, token: &str, out: &mut String) -> bool {
        match self {
            Kind::U64 if token.parse::<u64>().is_ok() => out.push('1'),
            Kind::Address => match token.parse::<std::net::IpAddr>() {
                Ok(std::net::IpAddr::V4(_)) => out.push_str("192.0.2.1"),
                Ok(std::net::IpAddr::V6(_)) => out.push_str("2001:db8::1"),
                Err(_) => return false,
            },
            // `port/count`: the count is left as written
            Kind::Port => {
                let (port, count) = token.split_at(token.find('/').unwrap_or(token.len()));
                if !port.parse::<u32>().is_ok_and(|p| p <= 65535) {
                    return false;
                }
                out.push('9');
                out.push_str(count);
            }
            Kind::U64 => return false,
        }
        true
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
        .map(|t| strict_error_of_text(t))
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
    fn template_fixes_what_webrtc_sdp_only_parses() {
        let sdp = "v=0\r\no=alice 2890844526 7 IN IP4 10.47.16.5\r\ns=-\r\nc=IN IP4 10.47.16.5\r\nt=0 0\r\nm=audio 49170/2 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n";
        assert_eq!(
            template(sdp).unwrap(),
            "v=0\r\no=alice 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 9/2 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n"
        );
        // what webrtc-sdp would refuse is left as written: a multicast TTL, a port too big,
        // a session id past u64, a host name
        let odd = "o=- 99999999999999999999 1 IN IP4 host.example\nc=IN IP4 224.2.1.1/127\nm=audio 70000 RTP/AVP 0\n";
        assert_eq!(
            template(odd).unwrap(),
            "o=- 99999999999999999999 1 IN IP4 host.example\nc=IN IP4 224.2.1.1/127\nm=audio 70000 RTP/AVP 0\n"
        );
        assert_eq!(template("v=0\r\ns=-\r\n"), None);
    }

    /// The verdict through the template cache equals webrtc-sdp's on the text itself, for
    /// every value the template replaces, accepted or refused, whatever was cached before.
    #[test]
    fn cached_verdicts_equal_webrtc_sdps() {
        use proptest::prelude::*;
        let value = prop_oneof![
            Just("0".to_string()),
            Just("65535".to_string()),
            Just("65536".to_string()),
            Just("18446744073709551616".to_string()),
            Just("+7".to_string()),
            Just("10.0.0.1".to_string()),
            Just("010.0.0.1".to_string()),
            Just("::1".to_string()),
            Just("fe80::1%eth0".to_string()),
            Just("224.0.0.1/16".to_string()),
            Just("host.example".to_string()),
            Just("-".to_string()),
            any::<u32>().prop_map(|n| n.to_string()),
            any::<u64>().prop_map(|n| n.to_string()),
            any::<[u8; 4]>().prop_map(|o| std::net::Ipv4Addr::from(o).to_string()),
            any::<[u8; 16]>().prop_map(|o| std::net::Ipv6Addr::from(o).to_string()),
        ];
        let family = prop_oneof![Just("IP4"), Just("IP6")];
        proptest!(ProptestConfig::with_cases(2000), |(
            id in value.clone(), version in value.clone(), origin in value.clone(),
            conn in value.clone(), port in value.clone(), fam in family,
        )| {
            let sdp = format!(
                "v=0\r\no=- {id} {version} IN {fam} {origin}\r\ns=-\r\nc=IN {fam} {conn}\r\nt=0 0\r\nm=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
            );
            prop_assert_eq!(strict_error(sdp.as_bytes()), parse_strictly(&sdp), "{}", sdp);
        });
    }

    #[test]
    fn check_all_sets_each_verdict_and_drops_the_texts() {
        let ok = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
        let no_t = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\n";
        let mut all: Vec<SessionDescription> = [ok, no_t, ok, no_t]
            .iter()
            .map(|t| crate::read_kept(t.as_bytes()).unwrap())
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
