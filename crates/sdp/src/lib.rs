//! A lenient SDP reader (RFC 4566/8866) for the analysis: connection addresses, every media
//! section (audio, video, image/udptl for T.38, message), formats with `rtpmap`, `fmtp` and
//! `ptime`, direction, RTCP port and mux, SRTP (`crypto`, `zrtp-hash`, DTLS `fingerprint` and
//! `setup`) and ICE candidates. It never rejects a description; attributes it does not read are
//! kept as text. Strict validation is a separate concern ([`validate`], webrtc-sdp). The media
//! plan ([`plan`]) turns what descriptions named into endpoints RTP can be looked up by.
//!
//! Invariant: reading never fails and never panics on what a phone sends; a strict peer's
//! complaint is data about the description (`strict_error`), never a reason to drop it.

pub mod plan;
pub mod validate;

use std::sync::LazyLock;

use compact_str::CompactString;
use memchr::memmem;
use serde::Serialize;
use voipscope_wire::find::{before_byte, find_byte, split_once_byte};
use voipscope_wire::text::FastTrim;

/// Direction attribute of a media section (RFC 3264 section 5.1); `sendrecv` when absent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    #[default]
    Sendrecv,
    Sendonly,
    Recvonly,
    Inactive,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Sendrecv => "sendrecv",
            Direction::Sendonly => "sendonly",
            Direction::Recvonly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    fn from_attribute(a: &str) -> Option<Direction> {
        match a {
            "sendrecv" => Some(Direction::Sendrecv),
            "sendonly" => Some(Direction::Sendonly),
            "recvonly" => Some(Direction::Recvonly),
            "inactive" => Some(Direction::Inactive),
            _ => None,
        }
    }
}

/// One payload format of a media section.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Format {
    /// Payload type number, or the format token for non-RTP media (`t38`).
    pub id: CompactString,
    /// Encoding name from `a=rtpmap` or the static payload type table.
    pub name: Option<CompactString>,
    pub clock_rate: Option<u32>,
    /// `a=fmtp` parameters, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fmtp: Option<CompactString>,
}

/// One `m=` section.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Media {
    pub kind: CompactString,
    pub port: u16,
    pub proto: CompactString,
    /// The connection address in effect for this section (media level, else session level).
    pub address: Option<CompactString>,
    pub formats: Vec<Format>,
    pub direction: Direction,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ptime_ms: Option<u32>,
    /// `a=rtcp`: port (and address) for RTCP when not port + 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rtcp: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub rtcp_mux: bool,
    /// SDES-SRTP crypto suites offered (`a=crypto`), keys left out.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub crypto: Vec<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub zrtp_hash: bool,
    /// DTLS-SRTP: `a=fingerprint` hash function and `a=setup` role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub setup: Option<String>,
    /// ICE candidates as `type transport address:port`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<String>,
    /// Attributes not read above, as written (at most [`MAX_OTHER_LINES`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other: Vec<String>,
}

/// Unread attribute lines kept per media section.
pub const MAX_OTHER_LINES: usize = 32;

impl Media {
    /// Whether the media is encrypted (SRTP by profile, SDES crypto, DTLS or ZRTP).
    pub fn is_encrypted(&self) -> bool {
        self.proto.to_ascii_uppercase().contains("SAVP")
            || !self.crypto.is_empty()
            || self.fingerprint.is_some()
            || self.zrtp_hash
    }

    /// The format with this RTP payload type.
    pub fn format(&self, pt: u8) -> Option<&Format> {
        self.formats.iter().find(|f| f.id.parse() == Ok(pt))
    }
}

/// What the analysis reads from a session description.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SessionDescription {
    pub origin_address: Option<CompactString>,
    pub media: Vec<Media>,
    /// What a strict parser (webrtc-sdp) rejects in this description, once
    /// [`validate::check_all`] has checked it; the diagnosis reports it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strict_error: Option<String>,
    /// The text as sent, kept from reading until [`validate::check_all`] (see [`read_kept`]).
    #[serde(skip)]
    pub text: Option<Box<str>>,
}

/// Static RTP payload types (RFC 3551 table 4/5) that phones use without `a=rtpmap`.
pub fn static_payload(pt: u8) -> Option<(&'static str, u32)> {
    Some(match pt {
        0 => ("PCMU", 8000),
        3 => ("GSM", 8000),
        4 => ("G723", 8000),
        5 => ("DVI4", 8000),
        6 => ("DVI4", 16000),
        7 => ("LPC", 8000),
        8 => ("PCMA", 8000),
        9 => ("G722", 8000),
        10 | 11 => ("L16", 44100),
        12 => ("QCELP", 8000),
        13 => ("CN", 8000),
        14 => ("MPA", 90000),
        15 => ("G728", 8000),
        16 => ("DVI4", 11025),
        17 => ("DVI4", 22050),
        18 => ("G729", 8000),
        25 => ("CelB", 90000),
        26 => ("JPEG", 90000),
        28 => ("nv", 90000),
        31 => ("H261", 90000),
        32 => ("MPV", 90000),
        33 => ("MP2T", 90000),
        34 => ("H263", 90000),
        _ => return None,
    })
}

/// Finds and reads the SDP inside a body that may hold more (a multipart body, where SIP-I/SIP-T
/// carry ISUP beside it): from `v=0` to the next boundary line.
pub fn parse_embedded(body: &[u8]) -> Option<SessionDescription> {
    parse(embedded(body)?)
}

/// The SDP part of a body that may hold other parts (multipart/mixed).
fn embedded(body: &[u8]) -> Option<&[u8]> {
    // searchers built once: `memmem::find` builds one per call, which cost more than the
    // search in a short body
    static VERSION: LazyLock<memmem::Finder<'static>> =
        LazyLock::new(|| memmem::Finder::new("v=0"));
    static BOUNDARY: LazyLock<memmem::Finder<'static>> =
        LazyLock::new(|| memmem::Finder::new("\n--"));
    let start = VERSION.find(body)?;
    let rest = &body[start..];
    let end = BOUNDARY.find(rest).map_or(rest.len(), |i| i + 1);
    Some(&rest[..end])
}

/// Reads the SDP of a body as [`parse_embedded`] does, keeping its text for the strict check
/// ([`validate::check_all`]), which runs once per distinct description after the SIP stage:
/// it costs several times our reading, and retransmissions and 183/200 pairs repeat bodies.
pub fn read_kept(body: &[u8]) -> Option<SessionDescription> {
    // decoded once, for the reading and the text kept
    let text = text_of(embedded(body)?);
    let mut sdp = parse_text(&text)?;
    sdp.text = Some(text.into());
    Some(sdp)
}

/// Reads a body as [`read_kept`] does and strictly checks it at once, from the same text: a
/// message read on a worker is checked there, and keeping a copy of the text for later cost an
/// allocation per description.
pub fn read_and_check(body: &[u8]) -> Option<SessionDescription> {
    let text = text_of(embedded(body)?);
    let mut sdp = parse_text(&text)?;
    sdp.strict_error = validate::strict_error_of_text(&text);
    Some(sdp)
}

/// Reads and strictly checks one body at once (tests and fuzzing).
pub fn read_checked(body: &[u8]) -> Option<SessionDescription> {
    let mut sdp = read_kept(body)?;
    validate::check_all([&mut sdp]);
    Some(sdp)
}

/// Reads an SDP body; `None` if it has no `v=` or `m=` line at all.
pub fn parse(body: &[u8]) -> Option<SessionDescription> {
    parse_text(&text_of(body))
}

/// A body as text, invalid UTF-8 replaced: `String::from_utf8_lossy`, with the checked
/// conversion tried first (several times faster on the valid text nearly every body is).
fn text_of(body: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(body) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(body),
    }
}

/// The lines of a text, each with its `\n` (the last one may have none), found with memchr:
/// `str::lines` and `split_inclusive` search for a char one call at a time, a tenth of reading
/// a description.
pub(crate) fn lines_inclusive(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = find_byte(rest, b'\n').map_or(rest.len(), |i| i + 1);
        let (line, next) = rest.split_at(end);
        rest = next;
        Some(line)
    })
}

/// `str::lines` over [`lines_inclusive`]: without the `\n` or `\r\n`.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    lines_inclusive(text).map(|l| match l.strip_suffix('\n') {
        Some(l) => l.strip_suffix('\r').unwrap_or(l),
        None => l,
    })
}

fn parse_text(text: &str) -> Option<SessionDescription> {
    let mut sdp = SessionDescription::default();
    let mut session_address: Option<CompactString> = None;
    let mut session_direction = Direction::Sendrecv;
    let mut media_direction: Option<Direction> = None;
    let mut media_address: Option<CompactString> = None;
    let mut seen_any = false;

    let close = |sdp: &mut SessionDescription,
                 media_address: &mut Option<CompactString>,
                 media_direction: &mut Option<Direction>,
                 session_address: &Option<CompactString>,
                 session_direction: Direction| {
        if let Some(m) = sdp.media.last_mut() {
            m.address = media_address.take().or_else(|| session_address.clone());
            m.direction = media_direction.take().unwrap_or(session_direction);
        }
    };

    for line in lines(text) {
        let line = line.fast_trim_end();
        // `x=value` nearly always; a spaced `x =value` is read by the general split
        let split = match line.as_bytes().get(1) {
            Some(b'=') => line.split_at_checked(1).map(|(k, v)| (k, &v[1..])),
            _ => split_once_byte(line, b'='),
        };
        let Some((key, value)) = split else {
            continue;
        };
        let in_media = !sdp.media.is_empty();
        match key.fast_trim() {
            "v" => seen_any = true,
            "o" => {
                seen_any = true;
                sdp.origin_address = value
                    .split_ascii_whitespace()
                    .nth(5)
                    .map(CompactString::from);
            }
            "c" => {
                let addr = value.split_ascii_whitespace().nth(2).map(|a| {
                    // Multicast addresses carry /ttl/count suffixes.
                    CompactString::from(before_byte(a, b'/'))
                });
                if in_media {
                    media_address = addr;
                } else {
                    session_address = addr;
                }
            }
            "m" => {
                seen_any = true;
                close(
                    &mut sdp,
                    &mut media_address,
                    &mut media_direction,
                    &session_address,
                    session_direction,
                );
                let mut parts = value.split_ascii_whitespace();
                let kind = CompactString::from(parts.next().unwrap_or(""));
                let port = parts
                    .next()
                    .map(|p| before_byte(p, b'/'))
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(0);
                let proto = CompactString::from(parts.next().unwrap_or(""));
                let rtp = proto
                    .as_bytes()
                    .windows(3)
                    .any(|w| w.eq_ignore_ascii_case(b"RTP"));
                // as many as there are, so the list is never grown or shrunk
                let mut formats = Vec::with_capacity(parts.clone().count());
                formats.extend(parts.map(|f| {
                    let fixed = if rtp {
                        f.parse::<u8>().ok().and_then(static_payload)
                    } else {
                        None
                    };
                    Format {
                        id: f.into(),
                        name: fixed.map(|(n, _)| CompactString::const_new(n)),
                        clock_rate: fixed.map(|(_, r)| r),
                        fmtp: None,
                    }
                }));
                if sdp.media.capacity() == 0 {
                    // nearly every description has one media line
                    sdp.media.reserve_exact(1);
                }
                sdp.media.push(Media {
                    kind,
                    port,
                    proto,
                    address: None,
                    formats,
                    direction: Direction::Sendrecv,
                    ptime_ms: None,
                    rtcp: None,
                    rtcp_mux: false,
                    crypto: Vec::new(),
                    zrtp_hash: false,
                    fingerprint: None,
                    setup: None,
                    candidates: Vec::new(),
                    other: Vec::new(),
                });
            }
            "a" => {
                let (name, rest) = match split_once_byte(value, b':') {
                    Some((n, r)) => (n.fast_trim(), r.fast_trim()),
                    None => (value.fast_trim(), ""),
                };
                if let Some(d) = Direction::from_attribute(name) {
                    if in_media {
                        media_direction = Some(d);
                    } else {
                        session_direction = d;
                    }
                } else if in_media && name != "rtpmap" {
                    let Some(m) = sdp.media.last_mut() else {
                        continue;
                    };
                    read_media_attribute(m, name, rest);
                } else if name == "rtpmap" && in_media {
                    let mut it = rest.splitn(2, char::is_whitespace);
                    let (Some(pt), Some(enc)) = (it.next(), it.next()) else {
                        continue;
                    };
                    let mut enc_parts = enc.fast_trim().split('/');
                    let enc_name = CompactString::from(enc_parts.next().unwrap_or(""));
                    let rate = enc_parts.next().and_then(|r| r.parse().ok());
                    if let Some(f) = sdp
                        .media
                        .last_mut()
                        .and_then(|m| m.formats.iter_mut().find(|f| f.id == pt))
                    {
                        f.name = Some(enc_name);
                        f.clock_rate = rate;
                    }
                }
            }
            _ => {}
        }
    }
    close(
        &mut sdp,
        &mut media_address,
        &mut media_direction,
        &session_address,
        session_direction,
    );
    // a description is kept as long as its call: without this, one m= line held room for
    // four (1 KiB) and two formats for four
    sdp.media.shrink_to_fit();
    for m in &mut sdp.media {
        m.formats.shrink_to_fit();
    }
    seen_any.then_some(sdp)
}

/// One media-level attribute other than direction and rtpmap.
fn read_media_attribute(m: &mut Media, name: &str, rest: &str) {
    let first_word = rest.split_ascii_whitespace().next().unwrap_or("");
    match name {
        "fmtp" => {
            let (pt, params) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            if let Some(f) = m.formats.iter_mut().find(|f| f.id == pt) {
                f.fmtp = Some(params.fast_trim().into());
            }
        }
        "ptime" => m.ptime_ms = first_word.parse::<f64>().ok().map(|p| p.round() as u32),
        "rtcp" => m.rtcp = Some(rest.to_string()),
        "rtcp-mux" => m.rtcp_mux = true,
        "crypto" => {
            if let Some(suite) = rest.split_ascii_whitespace().nth(1) {
                m.crypto.push(suite.to_string());
            }
        }
        "zrtp-hash" => m.zrtp_hash = true,
        "fingerprint" => m.fingerprint = Some(first_word.to_string()),
        "setup" => m.setup = Some(first_word.to_string()),
        "candidate" => {
            // foundation component transport priority address port typ TYPE ...
            let p: Vec<&str> = rest.split_ascii_whitespace().collect();
            if let (Some(t), Some(a), Some(port), Some(ty)) =
                (p.get(2), p.get(4), p.get(5), p.get(7))
            {
                m.candidates
                    .push(format!("{ty} {} {a}:{port}", t.to_ascii_uppercase()));
            }
        }
        _ => {
            if m.other.len() < MAX_OTHER_LINES {
                m.other.push(if rest.is_empty() {
                    name.to_string()
                } else {
                    format!("{name}:{rest}")
                });
            }
        }
    }
}

impl Media {
    /// The first format that is not telephone-event or comfort noise: the codec in use.
    pub fn main_codec(&self) -> Option<&Format> {
        self.formats
            .iter()
            .find(|f| {
                !f.name.as_deref().is_some_and(|n| {
                    n.eq_ignore_ascii_case("telephone-event") || n.eq_ignore_ascii_case("cn")
                })
            })
            .or(self.formats.first())
    }

    /// Held: sending stopped by direction or by the RFC 2543 `c=0.0.0.0` convention.
    pub fn is_hold(&self) -> bool {
        matches!(self.direction, Direction::Sendonly | Direction::Inactive)
            || self.address.as_deref() == Some("0.0.0.0")
    }
}

#[cfg(test)]
mod line_tests {
    #[test]
    fn lines_are_those_of_the_standard_library() {
        for text in [
            "",
            "\n",
            "a",
            "a\n",
            "a\r\n",
            "a\n\nb",
            "\r\n\r\n",
            "a\rb\n",
            "v=0\r\no=x\r\n\r\n",
            "é\nü",
        ] {
            assert_eq!(
                super::lines(text).collect::<Vec<_>>(),
                text.lines().collect::<Vec<_>>(),
                "{text:?}"
            );
            assert_eq!(
                super::lines_inclusive(text).collect::<Vec<_>>(),
                text.split_inclusive('\n').collect::<Vec<_>>(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn text_is_the_lossy_conversion() {
        for body in [
            &b"v=0\r\n"[..],
            b"",
            b"s=\xff\xfe-\r\n",
            "s=é".as_bytes(),
            b"\xc3",
        ] {
            assert_eq!(super::text_of(body), String::from_utf8_lossy(body));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_offer() {
        let body = b"v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=sendonly\r\nm=image 5000 udptl t38\r\nc=IN IP4 10.0.0.2\r\n";
        let s = parse(body).unwrap();
        assert_eq!(s.media.len(), 2);
        let a = &s.media[0];
        assert_eq!((a.port, a.address.as_deref()), (4000, Some("10.0.0.1")));
        assert_eq!(a.main_codec().unwrap().name.as_deref(), Some("PCMA"));
        assert_eq!(a.formats[2].name.as_deref(), Some("telephone-event"));
        assert_eq!(a.direction, Direction::Sendonly);
        assert!(a.is_hold());
        assert_eq!(s.media[1].address.as_deref(), Some("10.0.0.2"));
        assert_eq!(s.media[1].direction, Direction::Sendrecv);
    }

    #[test]
    fn not_sdp() {
        assert_eq!(parse(b"Signal=5\r\nDuration=160\r\n"), None);
        assert_eq!(parse(b"\xff\x00"), None);
    }
}
