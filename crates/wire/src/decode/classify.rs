//! What a UDP (or SCTP) payload is, judged by its content, never by the port alone: SIP by its
//! start line, STUN by its magic cookie, DTLS and ZRTP by their headers, RTCP and RTP by header
//! shape (RFC 7983's first-byte ranges, RTCP's packet types 192..=223 in the second byte).

use crate::find::find_byte;

/// The class of one payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayloadClass {
    Sip,
    /// A bare CRLF (or double CRLF) keep-alive (RFC 5626).
    SipKeepalive,
    Rtp,
    Rtcp,
    Stun,
    Dtls,
    Zrtp,
    Other,
}

/// Ports whose traffic is never RTP even when its first bytes happen to look like it.
pub(crate) fn not_media_port(p: u16) -> bool {
    matches!(
        p,
        53 | 67
            | 68
            | 69
            | 123
            | 137
            | 138
            | 161
            | 162
            | 500
            | 514
            | 520
            | 1812
            | 1813
            | 1900
            | 4500
            | 5353
            | 5355
    )
}

/// The longest start line looked for. RFC 3261 sets no limit, and phones send Request-URIs of
/// several kilobytes (long user parts, many parameters); a datagram is at most 64 KiB anyway.
/// On a stream, a line this long without its end is no start line.
pub const MAX_START_LINE: usize = 64 * 1024;

/// Whether `c` may be in a SIP token (RFC 3261: a method, a header name): letters, digits and
/// `-.!%*_+`'~`. Read from a table: the tokenizer asks it of every byte of every header name.
#[inline]
pub fn is_token_byte(c: u8) -> bool {
    const TOKEN: [bool; 256] = {
        let mut table = [false; 256];
        let mut b = 0;
        while b < 256 {
            let c = b as u8;
            table[b] = c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~'
                );
            b += 1;
        }
        table
    };
    TOKEN[usize::from(c)]
}

/// True if `data` could still become a request line: a method and a space, the line not ended
/// yet (a stream that has delivered only the first part of a long start line).
pub fn may_start_request_line(data: &[u8]) -> bool {
    let Some(sp) = memchr::memchr(b' ', &data[..data.len().min(64)]) else {
        return false;
    };
    sp > 0 && data[..sp].iter().all(|&c| is_token_byte(c)) && memchr::memchr(b'\n', data).is_none()
}

/// True if `data` begins with a SIP request line (`METHOD URI SIP/2.0`) or status line
/// (`SIP/2.0 NNN`). Lenient about case and the line ending; strict enough that HTTP, RTSP and
/// binary data never pass.
pub fn looks_like_sip_start(data: &[u8]) -> bool {
    if data.len() < 12 {
        return false;
    }
    if data[..8].eq_ignore_ascii_case(b"SIP/2.0 ") {
        return data[8..11].iter().all(u8::is_ascii_digit);
    }
    if !data[0].is_ascii_alphabetic() {
        return false;
    }
    let window = &data[..data.len().min(MAX_START_LINE)];
    let Some(eol) = find_byte(window, b'\n') else {
        return false;
    };
    let mut line = &window[..eol];
    if line.last() == Some(&b'\r') {
        line = &line[..line.len() - 1];
    }
    if line.len() < 13 || !line[line.len() - 8..].eq_ignore_ascii_case(b" SIP/2.0") {
        return false;
    }
    let Some(sp) = find_byte(line, b' ') else {
        return false;
    };
    sp > 0 && line[..sp].iter().all(|&b| is_token_byte(b))
        // a request URI between the method and the version; "INVITE SIP/2.0" has none (and
        // once made this slice start past its end: found by fuzzing, see the test below)
        && line
            .get(sp + 1..line.len() - 8)
            .is_some_and(|uri| !uri.is_empty() && uri.iter().all(|b| *b > b' '))
}

fn is_stun(p: &[u8]) -> bool {
    p.len() >= 20
        && p[0] & 0xC0 == 0
        && p[4..8] == [0x21, 0x12, 0xA4, 0x42]
        && (usize::from(u16::from_be_bytes([p[2], p[3]])) + 20 <= p.len())
}

fn is_dtls(p: &[u8]) -> bool {
    // content type (RFC 7983: 20..=63), then DTLS 1.0/1.2/1.3 version major 0xFE
    p.len() >= 13 && (20..=63).contains(&p[0]) && p[1] == 0xFE
}

fn is_zrtp(p: &[u8]) -> bool {
    p.len() >= 12 && p[0] & 0xF0 == 0x10 && &p[4..8] == b"ZRTP"
}

fn is_rtcp(p: &[u8]) -> bool {
    if p.len() < 8 || p[0] >> 6 != 2 || !(192..=223).contains(&p[1]) {
        return false;
    }
    // every packet of a compound RTCP datagram must fit; SRTCP adds a trailer, so the
    // last packet may leave bytes over
    let len = (usize::from(u16::from_be_bytes([p[2], p[3]])) + 1) * 4;
    len <= p.len()
}

fn is_rtp(p: &[u8]) -> bool {
    if p.len() < 12 || p[0] >> 6 != 2 {
        return false;
    }
    let pt = p[1] & 0x7F;
    if (72..=76).contains(&pt) {
        return false; // would be RTCP
    }
    let mut header = 12 + usize::from(p[0] & 0x0F) * 4;
    if p[0] & 0x10 != 0 {
        let Some(ext) = p.get(header + 2..header + 4) else {
            return false;
        };
        header += 4 + usize::from(u16::from_be_bytes([ext[0], ext[1]])) * 4;
    }
    if header > p.len() {
        return false;
    }
    if p[0] & 0x20 != 0 {
        // padding: the last byte counts the padding bytes, itself included
        let pad = usize::from(p[p.len() - 1]);
        if pad == 0 || header + pad > p.len() {
            return false;
        }
    }
    true
}

/// Classifies one UDP payload between the given ports.
pub fn classify_udp(sport: u16, dport: u16, p: &[u8]) -> PayloadClass {
    let Some(&first) = p.first() else {
        return PayloadClass::Other;
    };
    if first.is_ascii_alphabetic() && looks_like_sip_start(p) {
        return PayloadClass::Sip;
    }
    if (p == b"\r\n" || p == b"\r\n\r\n" || p == b"\n")
        && (sport >= 1024 || dport >= 1024 || sport == 5060 || dport == 5060)
    {
        return PayloadClass::SipKeepalive;
    }
    match first {
        0..=3 if is_stun(p) => return PayloadClass::Stun,
        16..=19 if is_zrtp(p) => return PayloadClass::Zrtp,
        20..=63 if is_dtls(p) => return PayloadClass::Dtls,
        128..=191 => {
            if not_media_port(sport) || not_media_port(dport) {
                return PayloadClass::Other;
            }
            if is_rtcp(p) {
                return PayloadClass::Rtcp;
            }
            if is_rtp(p) {
                return PayloadClass::Rtp;
            }
        }
        _ => {}
    }
    PayloadClass::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_bytes_are_those_of_the_grammar() {
        for b in 0..=255u8 {
            let expected = b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b);
            assert_eq!(is_token_byte(b), expected, "{b:#x}");
        }
    }

    #[test]
    fn sip_start_lines() {
        assert!(looks_like_sip_start(
            b"INVITE sip:bob@example.com SIP/2.0\r\nVia: x\r\n"
        ));
        assert!(looks_like_sip_start(b"SIP/2.0 200 OK\r\n"));
        assert!(looks_like_sip_start(b"FOOBAR tel:+4930123 SIP/2.0\n"));
        assert!(!looks_like_sip_start(b"GET / HTTP/1.1\r\nHost: x\r\n"));
        assert!(!looks_like_sip_start(b"INVITE sip:bob@example.com\r\n"));
        assert!(!looks_like_sip_start(b"SIP/2.0 OK \r\n\r\n"));
        // a method and a version but no URI: the decode_frame fuzz target's first crash
        assert!(!looks_like_sip_start(b"INVITE sIP/2.0\r\nVia: x\r\n"));
        assert!(!looks_like_sip_start(b"ABCDE SIP/2.0\r\n"));
    }

    #[test]
    fn media_shapes() {
        let mut rtp = vec![0x80, 0x00, 0x00, 0x01, 0, 0, 0, 160, 1, 2, 3, 4];
        rtp.extend([0xffu8; 160]);
        assert_eq!(classify_udp(10000, 20000, &rtp), PayloadClass::Rtp);
        assert_eq!(classify_udp(53, 20000, &rtp), PayloadClass::Other);
        let rtcp = [0x80, 200, 0x00, 0x01, 1, 2, 3, 4];
        assert_eq!(classify_udp(10001, 20001, &rtcp), PayloadClass::Rtcp);
        let mut stun = vec![0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42];
        stun.extend([0u8; 12]);
        assert_eq!(classify_udp(3478, 50000, &stun), PayloadClass::Stun);
        let dtls = [22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1];
        assert_eq!(classify_udp(5000, 6000, &dtls), PayloadClass::Dtls);
        assert_eq!(
            classify_udp(5060, 5060, b"\r\n\r\n"),
            PayloadClass::SipKeepalive
        );
    }
}
