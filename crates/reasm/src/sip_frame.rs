//! Where a SIP message ends in a byte stream: the blank line after the headers (CRLF or bare
//! LF), then Content-Length (or its compact form `l`) bytes of body (RFC 3261 section 18.3);
//! and the message a datagram holds.

use voipscope_wire::decode::{Flow, SipMessage, SipTransport};
use voipscope_wire::find::find_byte;

/// How far the message at the start of a buffer reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extent {
    /// The message is `len` bytes long and all of them are there.
    Complete { len: usize },
    /// The headers end at `header_len` but the body needs `len` bytes in all.
    NeedBody { header_len: usize, len: usize },
    /// The blank line after the headers has not arrived yet.
    NeedHeaders,
}

/// `Some(value)` when the header line is Content-Length (or `l`), whatever its value says;
/// `None` for any other line.
#[inline]
fn content_length_line(line: &[u8]) -> Option<Option<usize>> {
    // only a name beginning with c or l can be Content-Length or l: most lines are passed
    // over without looking for their colon
    if !matches!(
        line.trim_ascii_start().first(),
        Some(b'c' | b'C' | b'l' | b'L')
    ) {
        return None;
    }
    let colon = find_byte(line, b':')?;
    let name = line[..colon].trim_ascii();
    if !(name.eq_ignore_ascii_case(b"content-length") || name.eq_ignore_ascii_case(b"l")) {
        return None;
    }
    let value = line[colon + 1..].trim_ascii();
    let digits = value.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 9 {
        return Some(None);
    }
    Some(
        std::str::from_utf8(&value[..digits])
            .ok()
            .and_then(|d| d.parse().ok()),
    )
}

/// The offset just past the blank line that ends the headers, and the first Content-Length
/// among them, found in one pass over the lines: a datagram is framed by both, and two passes
/// over every line of every message cost 2% of a busy capture's time. `None` while the blank
/// line has not arrived.
fn headers_and_length(data: &[u8]) -> Option<(usize, Option<usize>)> {
    let mut nl = find_byte(data, b'\n')?;
    let mut length = None;
    let mut found = false;
    loop {
        let start = nl + 1;
        match data.get(start) {
            None => return None,
            Some(b'\n') => return Some((start + 1, length)),
            Some(b'\r') if data.get(start + 1) == Some(&b'\n') => return Some((start + 2, length)),
            _ => {}
        }
        let end = find_byte(&data[start..], b'\n').map(|i| start + i);
        if !found {
            if let Some(value) = content_length_line(&data[start..end.unwrap_or(data.len())]) {
                found = true;
                length = value;
            }
        }
        nl = end?;
    }
}

/// How far the SIP message at the start of `data` reaches. A stream message without
/// Content-Length is taken to have no body (the header is mandatory on streams).
pub fn extent(data: &[u8]) -> Extent {
    let Some((header_len, length)) = headers_and_length(data) else {
        return Extent::NeedHeaders;
    };
    let body = length.unwrap_or(0);
    let len = header_len.saturating_add(body);
    if data.len() >= len {
        Extent::Complete { len }
    } else {
        Extent::NeedBody { header_len, len }
    }
}

/// The message a SIP datagram holds: a datagram holds one message, and bytes after its
/// Content-Length are not SIP. `carried_by`: the frames of a reassembled datagram.
pub fn datagram(
    frame: u64,
    ts: i64,
    flow: Flow,
    transport: SipTransport,
    data: &[u8],
    cut: bool,
    carried_by: Option<&[u64]>,
) -> SipMessage {
    let declared = match extent(data) {
        Extent::Complete { len } => Some(len),
        _ => None,
    };
    let len = declared.unwrap_or(data.len());
    SipMessage {
        frame,
        frames: carried_by.map_or_else(|| smallvec::smallvec![frame], Into::into),
        ts_ns: ts,
        flow,
        transport,
        data: data[..len].to_vec(),
        truncated: cut || declared.is_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header lines as the first version split them, byte by byte: the value found must
    /// not depend on how lines are found.
    fn content_length_by_split(headers: &[u8]) -> Option<usize> {
        for line in headers.split(|b| *b == b'\n').skip(1) {
            let Some(colon) = memchr::memchr(b':', line) else {
                continue;
            };
            let name = line[..colon].trim_ascii();
            if name.eq_ignore_ascii_case(b"content-length") || name.eq_ignore_ascii_case(b"l") {
                let value = line[colon + 1..].trim_ascii();
                let digits = value.iter().take_while(|b| b.is_ascii_digit()).count();
                if digits == 0 || digits > 9 {
                    return None;
                }
                return std::str::from_utf8(&value[..digits]).ok()?.parse().ok();
            }
        }
        None
    }

    /// The blank line that ends the headers as the first version found it, line by line.
    fn header_end(data: &[u8]) -> Option<usize> {
        let mut from = 0;
        while let Some(i) = memchr::memchr(b'\n', &data[from..]) {
            let nl = from + i;
            match data.get(nl + 1) {
                Some(b'\n') => return Some(nl + 2),
                Some(b'\r') if data.get(nl + 2) == Some(&b'\n') => return Some(nl + 3),
                None => return None,
                _ => from = nl + 1,
            }
        }
        None
    }

    #[test]
    fn content_length_is_found_on_any_line_as_before() {
        let pieces: [&[u8]; 11] = [
            b"\n",
            b"\r\n",
            b"Content-Length: 12",
            b"l:7",
            b" content-LENGTH :  3x",
            b"Via: a:b",
            b"INVITE sip:a SIP/2.0",
            b"Content-Length:",
            b"L: 1234567890",
            b"",
            b"\r",
        ];
        // every sequence of up to five pieces
        let mut seqs: Vec<Vec<u8>> = vec![Vec::new()];
        for _ in 0..5 {
            let mut longer = Vec::new();
            for s in &seqs {
                for p in pieces {
                    let mut t = s.clone();
                    t.extend_from_slice(p);
                    longer.push(t);
                }
            }
            for s in &longer {
                // the one pass finds what the two passes of the first version did
                assert_eq!(
                    headers_and_length(s),
                    header_end(s).map(|end| (end, content_length_by_split(&s[..end]))),
                    "{:?}",
                    String::from_utf8_lossy(s)
                );
            }
            seqs = longer;
        }
    }

    #[test]
    fn framing_by_content_length() {
        let two = b"OPTIONS sip:a SIP/2.0\r\nl: 4\r\n\r\nbodyBYE sip:b SIP/2.0\r\nContent-Length : 0\r\n\r\n";
        let Extent::Complete { len } = extent(two) else {
            panic!()
        };
        assert_eq!(&two[..len], b"OPTIONS sip:a SIP/2.0\r\nl: 4\r\n\r\nbody");
        assert_eq!(
            extent(&two[len..]),
            Extent::Complete {
                len: two.len() - len
            }
        );
        assert_eq!(
            extent(b"INVITE sip:a SIP/2.0\r\nVia: x\r\n"),
            Extent::NeedHeaders
        );
        assert_eq!(
            extent(b"INVITE sip:a SIP/2.0\nContent-Length: 10\n\nab"),
            Extent::NeedBody {
                header_len: 41,
                len: 51
            }
        );
    }
}
