//! Readers for the values of the SIP headers the analysis needs: name-addr (From, To, Contact,
//! Refer-To), Via, CSeq, Reason, Warning and digest parameters. Each takes the unfolded text
//! from the tokenizer, accepts what phones send, and returns `None` rather than guessing.

use std::borrow::Cow;

use voipscope_wire::find::{before_byte, find_byte, split_once_byte};
use voipscope_wire::text::FastTrim;

/// Splits a header value at `sep` outside quotes and angle brackets (multi-valued headers),
/// yielding trimmed, non-empty items without allocating.
pub fn split_list(value: &str, sep: u8) -> SplitList<'_> {
    SplitList { rest: value, sep }
}

pub struct SplitList<'a> {
    rest: &'a str,
    sep: u8,
}

impl<'a> Iterator for SplitList<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let (mut quoted, mut angle, mut escaped) = (false, false, false);
            let mut cut = self.rest.len();
            // Without quotes or angle brackets (a Via, a Require list) the separator is the
            // next one; only the rest needs the byte-by-byte state.
            let plain = memchr::memchr2(b'"', b'<', self.rest.as_bytes()).is_none();
            let bytes = if plain {
                cut = find_byte(self.rest, self.sep).unwrap_or(cut);
                &[][..]
            } else {
                self.rest.as_bytes()
            };
            for (i, &b) in bytes.iter().enumerate() {
                if escaped {
                    escaped = false;
                    continue;
                }
                match b {
                    b'\\' if quoted => escaped = true,
                    b'"' => quoted = !quoted,
                    b'<' if !quoted => angle = true,
                    b'>' if !quoted => angle = false,
                    _ if b == self.sep && !quoted && !angle => {
                        cut = i;
                        break;
                    }
                    _ => {}
                }
            }
            let item = self.rest[..cut].fast_trim();
            self.rest = self.rest.get(cut + 1..).unwrap_or("");
            if !item.is_empty() {
                return Some(item);
            }
        }
    }
}

/// `s.split(b)` for an ASCII byte.
fn split_byte(s: &str, b: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let r = rest?;
        match find_byte(r, b) {
            Some(i) => {
                rest = Some(&r[i + 1..]);
                Some(&r[..i])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// The value of `name` in a `;name=value;flag` parameter list (case-insensitive name; a
/// flag without value gives `Some("")`).
pub fn param<'a>(params: &'a str, name: &str) -> Option<&'a str> {
    // Most parameter lists hold no quoted string: split them without the quote tracking.
    if find_byte(params, b'"').is_none() {
        return split_byte(params, b';').find_map(|p| {
            let (k, v) = split_once_byte(p, b'=').unwrap_or((p, ""));
            k.fast_trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.fast_trim())
        });
    }
    for p in split_list(params, b';') {
        let (k, v) = match split_once_byte(p, b'=') {
            Some((k, v)) => (k.fast_trim(), v.fast_trim()),
            None => (p.fast_trim(), ""),
        };
        if k.eq_ignore_ascii_case(name) {
            return Some(v.trim_matches('"'));
        }
    }
    None
}

/// `"Display" <uri>;params` or `uri;params`: From, To, Contact, Refer-To and friends.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NameAddr<'a> {
    pub display_name: Option<Cow<'a, str>>,
    pub uri: &'a str,
    /// Header parameters after the URI (`;tag=...;expires=...`), without the leading `;`.
    pub params: &'a str,
}

impl<'a> NameAddr<'a> {
    pub fn parse(value: &'a str) -> Option<NameAddr<'a>> {
        let value = value.fast_trim();
        if value.is_empty() {
            return None;
        }
        if let Some(lt) = find_unquoted(value, b'<') {
            let gt = find_byte(&value[lt..], b'>').map(|i| lt + i)?;
            let display = value[..lt].fast_trim();
            let display_name = unquote(display);
            let rest = value[gt + 1..].fast_trim_start();
            let params = rest.strip_prefix(';').unwrap_or("");
            return Some(NameAddr {
                display_name: (!display_name.is_empty()).then_some(display_name),
                uri: value[lt + 1..gt].fast_trim(),
                params,
            });
        }
        // addr-spec without brackets: parameters after the URI belong to the header.
        let (uri, params) = match find_byte(value, b';') {
            Some(i) => (&value[..i], &value[i + 1..]),
            None => (value, ""),
        };
        Some(NameAddr {
            display_name: None,
            uri: uri.fast_trim(),
            params,
        })
    }

    pub fn tag(&self) -> Option<&'a str> {
        param(self.params, "tag").filter(|t| !t.is_empty())
    }
}

fn find_unquoted(s: &str, needle: u8) -> Option<usize> {
    // Up to the first quote, the first needle is unquoted; only after a quote is the state
    // followed byte by byte.
    match memchr::memchr2(needle, b'"', s.as_bytes()) {
        None => return None,
        Some(i) if s.as_bytes()[i] == needle => return Some(i),
        Some(_) => {}
    }
    let mut quoted = false;
    let mut escaped = false;
    for (i, b) in s.bytes().enumerate() {
        if escaped {
            escaped = false;
            continue;
        }
        match b {
            b'\\' if quoted => escaped = true,
            b'"' => quoted = !quoted,
            _ if b == needle && !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

fn unquote(s: &str) -> Cow<'_, str> {
    let s = s.fast_trim();
    match s.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(inner) if !inner.contains('\\') => Cow::Borrowed(inner),
        Some(inner) => {
            let mut out = String::with_capacity(inner.len());
            let mut escaped = false;
            for c in inner.chars() {
                if escaped || c != '\\' {
                    out.push(c);
                    escaped = false;
                } else {
                    escaped = true;
                }
            }
            Cow::Owned(out)
        }
        None => Cow::Borrowed(s),
    }
}

/// The user part of a `sip:`/`sips:` URI, or the number of a `tel:` URI.
pub fn uri_user(uri: &str) -> Option<&str> {
    let (scheme, rest) = split_once_byte(uri, b':')?;
    if scheme.eq_ignore_ascii_case("tel") {
        let number = before_byte(rest, b';');
        return (!number.is_empty()).then_some(number);
    }
    let userinfo = &rest[..find_byte(rest, b'@')?];
    let user = before_byte(userinfo, b':');
    let user = before_byte(user, b';');
    (!user.is_empty()).then_some(user)
}

/// The host (and port, if written) of a `sip:`/`sips:` URI: `host`, `host:port`, `[v6]:port`.
pub fn uri_hostport(uri: &str) -> Option<&str> {
    let (scheme, rest) = uri.split_once(':')?;
    if !scheme.eq_ignore_ascii_case("sip") && !scheme.eq_ignore_ascii_case("sips") {
        return None;
    }
    let after_user = match rest.find('@') {
        Some(i) => &rest[i + 1..],
        None => rest,
    };
    let end = after_user.find([';', '?', '>']).unwrap_or(after_user.len());
    let hp = after_user[..end].fast_trim();
    (!hp.is_empty()).then_some(hp)
}

/// The host of a `host`, `host:port` or `[v6]:port` text (brackets removed).
pub fn host_of(hostport: &str) -> &str {
    if let Some(rest) = hostport.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    // A bare IPv6 address has several colons and no port.
    if hostport.matches(':').count() > 1 {
        return hostport;
    }
    hostport.split(':').next().unwrap_or(hostport)
}

/// One Via value: `SIP/2.0/UDP host:port;branch=...;received=...;rport=...`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ViaValue<'a> {
    pub transport: &'a str,
    pub sent_by: &'a str,
    pub params: &'a str,
}

impl<'a> ViaValue<'a> {
    pub fn parse(value: &'a str) -> Option<ViaValue<'a>> {
        let value = value.fast_trim();
        // the last slash of the sent-protocol, not one inside a parameter
        let protocol_end = find_byte(value, b';').unwrap_or(value.len());
        let slash = memchr::memrchr(b'/', &value.as_bytes()[..protocol_end])?;
        // The sent-protocol may have spaces around its slashes (RFC 3261 allows LWS there).
        let after = value[slash + 1..].fast_trim_start();
        let transport_end = after
            .find(|c: char| c.is_ascii_whitespace())
            .unwrap_or(after.len());
        let transport = &after[..transport_end];
        let rest = after[transport_end..].fast_trim_start();
        let (sent_by, params) = match find_byte(rest, b';') {
            Some(i) => (rest[..i].fast_trim(), &rest[i + 1..]),
            None => (rest.fast_trim(), ""),
        };
        if transport.is_empty() || sent_by.is_empty() {
            return None;
        }
        Some(ViaValue {
            transport,
            sent_by,
            params,
        })
    }

    pub fn branch(&self) -> Option<&'a str> {
        param(self.params, "branch").filter(|b| !b.is_empty())
    }
}

/// `CSeq: 314159 INVITE`.
pub fn parse_cseq(value: &str) -> Option<(u32, &str)> {
    let mut it = value.split_ascii_whitespace();
    let number = it.next()?.parse().ok()?;
    let method = it.next()?;
    Some((number, method))
}

/// `Reason: Q.850;cause=16;text="Normal call clearing"` (RFC 3326).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ReasonValue {
    pub protocol: String,
    pub cause: Option<u32>,
    pub text: Option<String>,
}

pub fn parse_reason(value: &str) -> Vec<ReasonValue> {
    split_list(value, b',')
        .filter_map(|item| {
            let (protocol, params) = match item.find(';') {
                Some(i) => (item[..i].fast_trim(), &item[i + 1..]),
                None => (item.fast_trim(), ""),
            };
            if protocol.is_empty() {
                return None;
            }
            Some(ReasonValue {
                protocol: protocol.to_string(),
                cause: param(params, "cause").and_then(|c| c.parse().ok()),
                text: param(params, "text")
                    .filter(|t| !t.is_empty())
                    .map(str::to_string),
            })
        })
        .collect()
}

/// `Warning: 399 host "text"`: the code and the text.
pub fn parse_warning(value: &str) -> Option<(u16, String)> {
    let value = value.fast_trim();
    let code = value.get(..3)?.parse().ok()?;
    let text = match (value.find('"'), value.rfind('"')) {
        (Some(a), Some(b)) if b > a => value[a + 1..b].to_string(),
        _ => value[3..].fast_trim().to_string(),
    };
    Some((code, text))
}

/// `Digest realm="x", nonce="y", stale=TRUE`: the scheme and the named parameter values.
pub fn auth_param<'a>(value: &'a str, name: &str) -> Option<&'a str> {
    let value = value.fast_trim();
    let params = match value.find(|c: char| c.is_ascii_whitespace()) {
        Some(i) => &value[i..],
        None => "",
    };
    for p in split_list(params, b',') {
        if let Some((k, v)) = p.split_once('=') {
            if k.fast_trim().eq_ignore_ascii_case(name) {
                return Some(v.fast_trim().trim_matches('"'));
            }
        }
    }
    None
}

/// The host of `host`, `host:port`, `[v6]:port`, or a SIP URI (`sip:user@host:port;params`).
pub fn host_ip(s: &str) -> Option<std::net::IpAddr> {
    let s = s.fast_trim().trim_start_matches('<').trim_end_matches('>');
    let s = s
        .strip_prefix("sips:")
        .or_else(|| s.strip_prefix("sip:"))
        .unwrap_or(s);
    let s = s.rsplit_once('@').map_or(s, |(_, h)| h);
    let s = s.split([';', '?', '>']).next().unwrap_or(s);
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    // with one colon it is a host and a port: never an address by itself (an IPv6 address has
    // two colons at least), so the failing parse of the whole is spared
    if s.bytes().filter(|&b| b == b':').count() != 1 {
        if let Ok(ip) = s.parse() {
            return Some(ip);
        }
    }
    s.rsplit_once(':').and_then(|(h, _)| h.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_searches_are_those_of_str() {
        for s in ["", ";", "a;b", ";;a;", "é;ü=1;x", "tag=1", "a=b=c", "no"] {
            assert_eq!(
                split_byte(s, b';').collect::<Vec<_>>(),
                s.split(';').collect::<Vec<_>>()
            );
            assert_eq!(split_once_byte(s, b'='), s.split_once('='));
            assert_eq!(before_byte(s, b';'), s.split(';').next().unwrap());
            assert_eq!(find_byte(s, b';'), s.find(';'));
        }
        // on both sides of the length where the search changes, the byte anywhere or nowhere
        for len in 0..40 {
            for at in 0..=len {
                let mut s = "x".repeat(len);
                if at < len {
                    s.replace_range(at..at + 1, ";");
                }
                assert_eq!(find_byte(&s, b';'), s.find(';'), "{s}");
            }
        }
    }

    #[test]
    fn hosts() {
        assert_eq!(host_ip("192.168.1.20:5060"), "192.168.1.20".parse().ok());
        assert_eq!(
            host_ip("sip:alice@192.168.1.20:5060;transport=udp"),
            "192.168.1.20".parse().ok()
        );
        assert_eq!(
            host_ip("<sip:alice@[fd00::5]:5060>"),
            "fd00::5".parse().ok()
        );
        assert_eq!(host_ip("10.0.0.1"), "10.0.0.1".parse().ok());
        assert_eq!(host_ip("sip:alice@example.com"), None);
    }

    /// Skipping the parse of a host with one colon changes no answer: the same as parsing it.
    #[test]
    fn hosts_with_one_colon_are_never_addresses() {
        fn by_parsing_first(s: &str) -> Option<std::net::IpAddr> {
            if let Ok(ip) = s.parse() {
                return Some(ip);
            }
            s.rsplit_once(':').and_then(|(h, _)| h.parse().ok())
        }
        for s in [
            "::",
            "::1",
            "1::",
            ":1",
            "1:",
            ":",
            "1.2.3.4:",
            ":5060",
            "1.2.3.4:5060",
            "fe80::1:5",
            "a:b",
            "::ffff:1.2.3.4",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8:9",
            "1.2.3.4",
            "",
        ] {
            assert_eq!(host_ip(s), by_parsing_first(s), "{s}");
        }
    }

    #[test]
    fn name_addr_forms() {
        let n =
            NameAddr::parse(r#""Bob \"B\" Smith" <sip:bob@example.com;transport=tcp>;tag=a6c85cf"#)
                .unwrap();
        assert_eq!(n.display_name.as_deref(), Some(r#"Bob "B" Smith"#));
        assert_eq!(n.uri, "sip:bob@example.com;transport=tcp");
        assert_eq!(n.tag(), Some("a6c85cf"));
        let n = NameAddr::parse("sip:alice@atlanta.com;tag=88").unwrap();
        assert_eq!((n.uri, n.tag()), ("sip:alice@atlanta.com", Some("88")));
        let n = NameAddr::parse("Anonymous <tel:+4930123;phone-context=x>").unwrap();
        assert_eq!(n.display_name.as_deref(), Some("Anonymous"));
        assert_eq!(uri_user(n.uri), Some("+4930123"));
        assert_eq!(NameAddr::parse("  "), None);
        assert_eq!(NameAddr::parse("<sip:x"), None);
    }

    #[test]
    fn uri_parts() {
        assert_eq!(
            uri_user("sip:alice:secret@host:5060;user=phone"),
            Some("alice")
        );
        assert_eq!(uri_user("sips:host.example"), None);
        assert_eq!(
            uri_hostport("sip:alice@[2001:db8::1]:5062;lr"),
            Some("[2001:db8::1]:5062")
        );
        assert_eq!(host_of("[2001:db8::1]:5062"), "2001:db8::1");
        assert_eq!(host_of("10.0.0.1:5060"), "10.0.0.1");
        assert_eq!(host_of("fe80::1"), "fe80::1");
    }

    #[test]
    fn via_and_cseq() {
        let v = ViaValue::parse("SIP / 2.0 / UDP 10.0.0.1:5060 ;rport;branch=z9hG4bK776").unwrap();
        assert_eq!(v.transport, "UDP");
        assert_eq!(v.sent_by, "10.0.0.1:5060");
        assert_eq!(v.branch(), Some("z9hG4bK776"));
        assert_eq!(param(v.params, "rport"), Some(""));
        // a slash in a parameter is not the sent-protocol's
        let v = ViaValue::parse("SIP/2.0/TCP h.example:5060;branch=z9hG4bK1;x-path=a/b").unwrap();
        assert_eq!((v.transport, v.sent_by), ("TCP", "h.example:5060"));
        assert_eq!(parse_cseq("  42  INVITE"), Some((42, "INVITE")));
        assert_eq!(parse_cseq("x INVITE"), None);
    }

    #[test]
    fn reason_warning_auth() {
        let r = parse_reason(r#"Q.850;cause=16;text="Normal call clearing", SIP;cause=200"#);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].cause, Some(16));
        assert_eq!(r[0].text.as_deref(), Some("Normal call clearing"));
        assert_eq!(r[1].protocol, "SIP");
        assert_eq!(
            parse_warning(r#"399 sbc.example "Incompatible media""#),
            Some((399, "Incompatible media".to_string()))
        );
        let ch = r#"Digest realm="asterisk", nonce="1a2b,c", stale=TRUE, algorithm=MD5"#;
        assert_eq!(auth_param(ch, "nonce"), Some("1a2b,c"));
        assert_eq!(auth_param(ch, "STALE"), Some("TRUE"));
        assert_eq!(auth_param(ch, "qop"), None);
    }
}
