//! A lenient SIP tokenizer: start line, header fields and body of one framed message, as
//! real phones send them (RFC 3261 section 7 and the deviations seen in the field).
//!
//! Accepted beyond the grammar: bare LF line ends, whitespace before the colon, folded header
//! lines, unknown methods and headers, any URI scheme, non-UTF-8 bytes (replaced). Compact
//! header names are expanded to their full names so later stages look up one name.
//! Nothing here panics or trusts Content-Length; a body shorter than announced is flagged.

use std::borrow::Cow;

use voipscope_wire::decode::classify::is_token_byte;
use voipscope_wire::find::find_byte;
use voipscope_wire::text::FastTrim;

/// The first line of a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StartLine<'a> {
    Request {
        method: &'a str,
        uri: &'a str,
        version: &'a str,
    },
    Response {
        version: &'a str,
        code: u16,
        reason: &'a str,
    },
}

/// One header field, its name expanded from the compact form if it was one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderField<'a> {
    /// The full header name as written in RFC 3261 (`Call-ID`), or the name as sent.
    pub name: &'a str,
    /// Position of the name in [`KNOWN`], or [`UNKNOWN`].
    pub known: u8,
    /// The value with folding undone and surrounding whitespace removed.
    pub value: Cow<'a, str>,
}

/// Header names the analysis looks up. Each is resolved once per header line while
/// tokenizing, so a lookup is an index instead of a case-insensitive scan of every header
/// (a message is read through some 30 lookups).
pub const KNOWN: [&str; 26] = [
    "Call-ID",
    "CSeq",
    "From",
    "To",
    "Via",
    "Contact",
    "Content-Type",
    "Content-Length",
    "User-Agent",
    "Server",
    "Expires",
    "Reason",
    "Warning",
    "Event",
    "Subscription-State",
    "Refer-To",
    "Referred-By",
    "Require",
    "RSeq",
    "RAck",
    "WWW-Authenticate",
    "Proxy-Authenticate",
    "Authorization",
    "Proxy-Authorization",
    "Session-Expires",
    "P-Asserted-Identity",
];
/// [`HeaderField::known`] of a name not in [`KNOWN`].
pub const UNKNOWN: u8 = u8::MAX;

/// The position of `name` in [`KNOWN`] (case-insensitive), or [`UNKNOWN`].
pub fn known_id(name: &str) -> u8 {
    // length, first and last letter name one candidate at most (checked by a test), so a
    // header line costs one comparison: trying every name of the length took 2% of the time
    let bytes = name.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return UNKNOWN;
    };
    let candidate = match (
        bytes.len(),
        first.to_ascii_lowercase(),
        last.to_ascii_lowercase(),
    ) {
        (7, b'c', b'd') => id::CALL_ID,
        (4, b'c', b'q') => id::CSEQ,
        (4, b'f', b'm') => id::FROM,
        (2, b't', b'o') => id::TO,
        (3, b'v', b'a') => id::VIA,
        (7, b'c', b't') => id::CONTACT,
        (12, b'c', b'e') => id::CONTENT_TYPE,
        (14, b'c', b'h') => id::CONTENT_LENGTH,
        (10, b'u', b't') => id::USER_AGENT,
        (6, b's', b'r') => id::SERVER,
        (7, b'e', b's') => id::EXPIRES,
        (6, b'r', b'n') => id::REASON,
        (7, b'w', b'g') => id::WARNING,
        (5, b'e', b't') => id::EVENT,
        (18, b's', b'e') => id::SUBSCRIPTION_STATE,
        (8, b'r', b'o') => id::REFER_TO,
        (11, b'r', b'y') => id::REFERRED_BY,
        (7, b'r', b'e') => id::REQUIRE,
        (4, b'r', b'q') => id::RSEQ,
        (4, b'r', b'k') => id::RACK,
        (16, b'w', b'e') => id::WWW_AUTHENTICATE,
        (18, b'p', b'e') => id::PROXY_AUTHENTICATE,
        (13, b'a', b'n') => id::AUTHORIZATION,
        (19, b'p', b'n') => id::PROXY_AUTHORIZATION,
        (15, b's', b's') => id::SESSION_EXPIRES,
        (19, b'p', b'y') => id::P_ASSERTED_IDENTITY,
        _ => return UNKNOWN,
    };
    if eq_ignore_ascii_case(KNOWN[usize::from(candidate)].as_bytes(), bytes) {
        candidate
    } else {
        UNKNOWN
    }
}

/// `a.eq_ignore_ascii_case(b)`, eight bytes at a time: the standard one folds byte by byte,
/// which was most of looking up a header name.
fn eq_ignore_ascii_case(a: &[u8], b: &[u8]) -> bool {
    /// Each byte of A-Z in the word made a-z; every other byte left as it is.
    fn lower(x: u64) -> u64 {
        const ONES: u64 = 0x0101_0101_0101_0101;
        let heptets = x & (ONES * 0x7F);
        // the high bit of each byte: at least 'A', past 'Z', and ASCII at all
        let from_a = heptets.wrapping_add(ONES * (0x80 - u64::from(b'A')));
        let past_z = heptets.wrapping_add(ONES * (0x80 - u64::from(b'Z') - 1));
        let upper = from_a & !past_z & !x & (ONES * 0x80);
        x | (upper >> 2)
    }
    // fixed-width loads: a copy of a variable width was a call to memcpy per comparison
    fn word8(s: &[u8], at: usize) -> u64 {
        s.get(at..at + 8)
            .and_then(|w| w.try_into().ok())
            .map_or(0, u64::from_le_bytes)
    }
    fn word4(s: &[u8], at: usize) -> u64 {
        s.get(at..at + 4)
            .and_then(|w| w.try_into().ok())
            .map_or(0, |w| u64::from(u32::from_le_bytes(w)))
    }
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let same8 = |at: usize| lower(word8(a, at)) == lower(word8(b, at));
    let same4 = |at: usize| lower(word4(a, at)) == lower(word4(b, at));
    if n < 4 {
        return a.eq_ignore_ascii_case(b);
    }
    if n < 8 {
        // the first four bytes and the last four, overlapping
        return same4(0) && same4(n - 4);
    }
    let mut at = 0;
    while at + 8 < n {
        if !same8(at) {
            return false;
        }
        at += 8;
    }
    same8(n - 8)
}

/// Positions in [`KNOWN`], for [`Tokenized::known`].
pub mod id {
    pub const CALL_ID: u8 = 0;
    pub const CSEQ: u8 = 1;
    pub const FROM: u8 = 2;
    pub const TO: u8 = 3;
    pub const VIA: u8 = 4;
    pub const CONTACT: u8 = 5;
    pub const CONTENT_TYPE: u8 = 6;
    pub const CONTENT_LENGTH: u8 = 7;
    pub const USER_AGENT: u8 = 8;
    pub const SERVER: u8 = 9;
    pub const EXPIRES: u8 = 10;
    pub const REASON: u8 = 11;
    pub const WARNING: u8 = 12;
    pub const EVENT: u8 = 13;
    pub const SUBSCRIPTION_STATE: u8 = 14;
    pub const REFER_TO: u8 = 15;
    pub const REFERRED_BY: u8 = 16;
    pub const REQUIRE: u8 = 17;
    pub const RSEQ: u8 = 18;
    pub const RACK: u8 = 19;
    pub const WWW_AUTHENTICATE: u8 = 20;
    pub const PROXY_AUTHENTICATE: u8 = 21;
    pub const AUTHORIZATION: u8 = 22;
    pub const PROXY_AUTHORIZATION: u8 = 23;
    pub const SESSION_EXPIRES: u8 = 24;
    pub const P_ASSERTED_IDENTITY: u8 = 25;
}

/// The header fields of a message, in place up to sixteen (a typical message has ten or
/// so): a list on the heap per message was one of the five allocations reading one made.
pub type HeaderList<'a> = smallvec::SmallVec<[HeaderField<'a>; 16]>;

/// A message split into its parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tokenized<'a> {
    pub start: StartLine<'a>,
    pub headers: HeaderList<'a>,
    /// For each name of [`KNOWN`], 1 + the index of its first header, or 0.
    first: [u32; KNOWN.len()],
    pub body: &'a [u8],
    /// The headers were never closed by a blank line (the message was cut).
    pub headers_unterminated: bool,
    /// Content-Length announced more body than the message holds.
    pub body_short: bool,
    /// Header lines without a colon, skipped.
    pub bad_header_lines: u32,
}

/// Why a message could not be tokenized at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenizeError {
    /// Not `METHOD URI SIP/2.0` nor `SIP/2.0 CODE REASON`.
    BadStartLine,
}

impl std::fmt::Display for TokenizeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenizeError::BadStartLine => {
                f.write_str("start line is neither a request nor a response")
            }
        }
    }
}

/// Compact forms (RFC 3261 section 20 and the registries of RFC 3515, 3841, 3892, 4028, 4474,
/// 6665) mapped to full names.
const COMPACT: [(u8, &str); 20] = [
    (b'i', "Call-ID"),
    (b'f', "From"),
    (b't', "To"),
    (b'v', "Via"),
    (b'm', "Contact"),
    (b'l', "Content-Length"),
    (b'c', "Content-Type"),
    (b'k', "Supported"),
    (b's', "Subject"),
    (b'e', "Content-Encoding"),
    (b'o', "Event"),
    (b'r', "Refer-To"),
    (b'b', "Referred-By"),
    (b'u', "Allow-Events"),
    (b'x', "Session-Expires"),
    (b'y', "Identity"),
    (b'a', "Accept-Contact"),
    (b'j', "Reject-Contact"),
    (b'd', "Request-Disposition"),
    (b'n', "Identity-Info"),
];

/// The full name for a compact one-letter header name.
pub fn expand_compact(name: &str) -> Option<&'static str> {
    let [b] = name.as_bytes() else {
        return None;
    };
    let b = b.to_ascii_lowercase();
    COMPACT.iter().find(|(c, _)| *c == b).map(|(_, full)| *full)
}

fn text(bytes: &[u8]) -> Cow<'_, str> {
    // The checked conversion is much faster than the lossy one on the valid text real headers are.
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

fn trim_line_end(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn starts_with_sip(word: &str) -> bool {
    let b = word.as_bytes();
    b.len() > 4 && b[..4].eq_ignore_ascii_case(b"SIP/")
}

fn parse_start_line(line: &str) -> Result<StartLine<'_>, TokenizeError> {
    let line = line.fast_trim();
    let mut parts = line.split_ascii_whitespace();
    let first = parts.next().ok_or(TokenizeError::BadStartLine)?;
    if starts_with_sip(first) {
        let after_version = line[first.len()..].fast_trim_start();
        let code_text = after_version.get(..3).ok_or(TokenizeError::BadStartLine)?;
        if !code_text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(TokenizeError::BadStartLine);
        }
        // The reason phrase is everything after the code, spaces included.
        let reason = &after_version[3..];
        if !reason.is_empty() && !reason.starts_with(|c: char| c.is_ascii_whitespace()) {
            return Err(TokenizeError::BadStartLine);
        }
        let code: u16 = code_text.parse().map_err(|_| TokenizeError::BadStartLine)?;
        if !(100..=799).contains(&code) {
            return Err(TokenizeError::BadStartLine);
        }
        return Ok(StartLine::Response {
            version: first,
            code,
            reason: reason.fast_trim(),
        });
    }
    if !first.bytes().all(is_token_byte) {
        return Err(TokenizeError::BadStartLine);
    }
    let uri = parts.next().ok_or(TokenizeError::BadStartLine)?;
    let version = parts.next().ok_or(TokenizeError::BadStartLine)?;
    if !starts_with_sip(version) {
        return Err(TokenizeError::BadStartLine);
    }
    Ok(StartLine::Request {
        method: first,
        uri,
        version,
    })
}

struct Pending<'a> {
    name: &'a str,
    first: &'a [u8],
    more: Vec<&'a [u8]>,
}

/// The message, and the same bytes as text when they are all valid UTF-8 (checked once, so
/// each header value is a slice of it instead of being checked again).
#[derive(Clone, Copy)]
struct Source<'a> {
    bytes: &'a [u8],
    text: Option<&'a str>,
}

impl<'a> Source<'a> {
    /// `part` (a slice of `self.bytes`) as text.
    fn text(self, part: &'a [u8]) -> Cow<'a, str> {
        let start = (part.as_ptr() as usize).wrapping_sub(self.bytes.as_ptr() as usize);
        match self
            .text
            .and_then(|t| t.get(start..start.wrapping_add(part.len())))
        {
            Some(s) => Cow::Borrowed(s),
            None => text(part),
        }
    }
}

fn flush<'a>(
    src: Source<'a>,
    pending: &mut Option<Pending<'a>>,
    headers: &mut HeaderList<'a>,
    first: &mut [u32; KNOWN.len()],
) {
    if let Some(p) = pending.take() {
        let value = if p.more.is_empty() {
            src.text(p.first.trim_ascii())
        } else {
            let mut joined = text(p.first.trim_ascii()).into_owned();
            for part in p.more {
                let part = text(part.trim_ascii());
                if !part.is_empty() {
                    if !joined.is_empty() {
                        joined.push(' ');
                    }
                    joined.push_str(&part);
                }
            }
            Cow::Owned(joined)
        };
        let known = known_id(p.name);
        if let Some(slot) = first.get_mut(usize::from(known)) {
            if *slot == 0 {
                *slot = u32::try_from(headers.len() + 1).unwrap_or(u32::MAX);
            }
        }
        headers.push(HeaderField {
            name: p.name,
            known,
            value,
        });
    }
}

/// Splits a framed message into start line, header fields and body.
pub fn tokenize(data: &[u8]) -> Result<Tokenized<'_>, TokenizeError> {
    // Some stacks send a stray CRLF before a message on streams; skip leading line ends.
    let skip = data
        .iter()
        .take_while(|b| **b == b'\r' || **b == b'\n')
        .count();
    let data = &data[skip..];
    let src = Source {
        bytes: data,
        text: std::str::from_utf8(data).ok(),
    };
    let first_end = find_byte(data, b'\n').unwrap_or(data.len());
    let start_line = trim_line_end(&data[..first_end]);
    // a slice of the message's text when it is all UTF-8, checked once
    let start_line = match src.text {
        Some(text) => text.get(..start_line.len()),
        None => std::str::from_utf8(start_line).ok(),
    };
    let start = parse_start_line(start_line.ok_or(TokenizeError::BadStartLine)?)?;

    let mut headers = HeaderList::new();
    let mut first = [0u32; KNOWN.len()];
    let mut bad_header_lines = 0u32;
    let mut pos = (first_end + 1).min(data.len());
    let mut body_start = None;
    // The header line being built: its name, its first value part and any folded parts.
    let mut pending: Option<Pending<'_>> = None;

    while pos < data.len() {
        let rest = &data[pos..];
        let line_len = find_byte(rest, b'\n');
        let raw = &rest[..line_len.unwrap_or(rest.len())];
        let next = pos + line_len.map_or(rest.len(), |n| n + 1);
        let line = trim_line_end(raw);
        if line.is_empty() {
            if line_len.is_some() {
                body_start = Some(next);
            }
            break;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            // Folding: a continuation of the previous header's value.
            match pending.as_mut() {
                Some(p) => p.more.push(line),
                None => bad_header_lines += 1,
            }
            pos = next;
            continue;
        }
        flush(src, &mut pending, &mut headers, &mut first);
        match find_byte(line, b':') {
            Some(colon) => {
                let name_bytes = line[..colon].trim_ascii();
                // a slice of the message's text when it is all UTF-8 (checked once), which
                // spares checking every name again
                let in_text = src.text.and_then(|t| {
                    let at = (name_bytes.as_ptr() as usize).checked_sub(data.as_ptr() as usize)?;
                    t.get(at..at + name_bytes.len())
                });
                match in_text.map_or_else(|| std::str::from_utf8(name_bytes), Ok) {
                    Ok(name) if !name.is_empty() && name.bytes().all(is_token_byte) => {
                        let name = expand_compact(name).unwrap_or(name);
                        pending = Some(Pending {
                            name,
                            first: &line[colon + 1..],
                            more: Vec::new(),
                        });
                    }
                    _ => bad_header_lines += 1,
                }
            }
            None => bad_header_lines += 1,
        }
        pos = next;
    }
    flush(src, &mut pending, &mut headers, &mut first);

    let headers_unterminated = body_start.is_none();
    let after_headers = body_start.unwrap_or(data.len());
    let available = &data[after_headers..];
    let announced = first[usize::from(id::CONTENT_LENGTH)]
        .checked_sub(1)
        .and_then(|i| headers.get(usize::try_from(i).ok()?))
        .and_then(|h| {
            let digits: &str = h.value.split(|c: char| !c.is_ascii_digit()).next()?;
            if digits.is_empty() || digits.len() > 9 {
                None
            } else {
                digits.parse::<usize>().ok()
            }
        });
    let (body, body_short) = match announced {
        Some(n) if n <= available.len() => (&available[..n], false),
        Some(_) => (available, true),
        None => (available, false),
    };
    Ok(Tokenized {
        start,
        headers,
        first,
        body,
        headers_unterminated,
        body_short,
        bad_header_lines,
    })
}

impl<'a> Tokenized<'a> {
    /// The first value of a header (full name, case-insensitive).
    /// The first value of a header of [`KNOWN`], by its [`id`].
    pub fn known(&self, id: u8) -> Option<&str> {
        let at = *self.first.get(usize::from(id))?;
        let i = at.checked_sub(1)?;
        self.headers
            .get(usize::try_from(i).ok()?)
            .map(|h| h.value.as_ref())
    }

    /// Every value of a header of [`KNOWN`], in order.
    pub fn all_known(&self, id: u8) -> impl Iterator<Item = &str> + '_ {
        self.headers
            .iter()
            .filter(move |h| h.known == id)
            .map(|h| h.value.as_ref())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        match known_id(name) {
            UNKNOWN => self
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case(name))
                .map(|h| h.value.as_ref()),
            id => self.known(id),
        }
    }

    /// Every value of a header, in order.
    pub fn headers_named<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        let id = known_id(name);
        self.headers
            .iter()
            .filter(move |h| {
                if id == UNKNOWN {
                    h.name.eq_ignore_ascii_case(name)
                } else {
                    h.known == id
                }
            })
            .map(|h| h.value.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_compared_as_the_standard_library_compares_them() {
        use proptest::prelude::*;
        // every byte at every place of names of every length, against a name of letters
        for n in 0..20 {
            let name: Vec<u8> = (0..n).map(|i| b"aBcDeFgHiJkLmNoPqRsT"[i]).collect();
            for at in 0..n {
                for b in 0..=255u8 {
                    let mut other = name.clone();
                    other[at] = b;
                    assert_eq!(
                        eq_ignore_ascii_case(&name, &other),
                        name.eq_ignore_ascii_case(&other),
                        "{n} {at} {b:#x}"
                    );
                }
            }
        }
        proptest!(|(a in proptest::collection::vec(any::<u8>(), 0..24), b in proptest::collection::vec(any::<u8>(), 0..24))| {
            prop_assert_eq!(eq_ignore_ascii_case(&a, &b), a.eq_ignore_ascii_case(&b));
            let upper = a.to_ascii_uppercase();
            prop_assert!(eq_ignore_ascii_case(&a, &upper));
        });
    }

    #[test]
    fn every_known_name_has_its_own_id() {
        for (i, name) in KNOWN.iter().enumerate() {
            assert_eq!(usize::from(known_id(name)), i, "{name}");
            assert_eq!(
                usize::from(known_id(&name.to_ascii_lowercase())),
                i,
                "{name}"
            );
        }
        assert_eq!(known_id("X-Custom"), UNKNOWN);
        assert_eq!((id::CALL_ID, id::P_ASSERTED_IDENTITY), (0, 25));
        // a name of the same length, first and last letter as a known one is not taken for it
        for name in [
            "Cxll-ID",
            "CSeX",
            "Prxxy-Authorization",
            "RSek",
            "",
            "T",
            "Tx",
        ] {
            assert_eq!(known_id(name), UNKNOWN, "{name}");
        }
        // no two known names share the length, first and last letter the lookup goes by
        let key = |n: &str| {
            let b = n.as_bytes();
            (
                b.len(),
                b[0].to_ascii_lowercase(),
                b[b.len() - 1].to_ascii_lowercase(),
            )
        };
        for (i, a) in KNOWN.iter().enumerate() {
            for b in &KNOWN[i + 1..] {
                assert_ne!(key(a), key(b), "{a} {b}");
            }
        }
        let t = tokenize(b"OPTIONS sip:a SIP/2.0\r\ncall-id: 1\r\nX-Custom: 2\r\n\r\n").unwrap();
        assert_eq!(t.header("CALL-ID"), Some("1"));
        assert_eq!(t.known(id::CALL_ID), Some("1"));
        assert_eq!(t.header("x-custom"), Some("2"));
        assert_eq!(t.known(id::TO), None);
    }

    #[test]
    fn request_with_compact_folded_and_bare_lf() {
        let msg = b"INVITE tel:+4930123 SIP/2.0\nv: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\ni : abc@host\nf: <sip:a@b>;tag=1\nSubject: first\n  second\nl: 4\n\nbodyEXTRA";
        let t = tokenize(msg).unwrap();
        assert_eq!(
            t.start,
            StartLine::Request {
                method: "INVITE",
                uri: "tel:+4930123",
                version: "SIP/2.0"
            }
        );
        assert_eq!(t.header("Call-ID"), Some("abc@host"));
        assert_eq!(
            t.header("via"),
            Some("SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1")
        );
        assert_eq!(t.header("Subject"), Some("first second"));
        assert_eq!(t.body, b"body");
        assert!(!t.body_short && !t.headers_unterminated);
    }

    #[test]
    fn response_reason_keeps_spaces_and_short_body_is_flagged() {
        let msg = b"SIP/2.0 486 Busy  Here\r\nContent-Length: 100\r\n\r\nv=0\r\n";
        let t = tokenize(msg).unwrap();
        assert_eq!(
            t.start,
            StartLine::Response {
                version: "SIP/2.0",
                code: 486,
                reason: "Busy  Here"
            }
        );
        assert!(t.body_short);
        assert_eq!(t.body, b"v=0\r\n");
    }

    #[test]
    fn unknown_method_and_unterminated_headers() {
        let t = tokenize(b"FOOBAR sip:x SIP/2.0\r\nCall-ID: 1\r\nbroken line\r\nX-A: b").unwrap();
        assert!(matches!(
            t.start,
            StartLine::Request {
                method: "FOOBAR",
                ..
            }
        ));
        assert!(t.headers_unterminated);
        assert_eq!(t.bad_header_lines, 1);
        assert_eq!(t.header("x-a"), Some("b"));
    }

    #[test]
    fn bad_start_lines() {
        for bad in [
            &b""[..],
            b"SIP/2.0 20 OK",
            b"SIP/2.0 abc OK",
            b"INVITE sip:x",
            b"INV<ITE sip:x SIP/2.0",
            b"\xff\xfe",
            // Found by the fuzzer: a multi-byte character where "SIP/" was expected.
            "INVITE x SI\u{e9}P/2.0".as_bytes(),
            "SI\u{e9}/2.0 200 OK".as_bytes(),
            b"SIP/2.0 2000 OK",
        ] {
            assert_eq!(tokenize(bad), Err(TokenizeError::BadStartLine), "{bad:?}");
        }
    }

    #[test]
    fn every_compact_form_expands() {
        for (c, full) in COMPACT {
            let msg = format!("OPTIONS sip:x SIP/2.0\r\n{}: v\r\n\r\n", c as char);
            let t = tokenize(msg.as_bytes()).unwrap();
            assert_eq!(t.headers[0].name, full);
        }
    }
}
