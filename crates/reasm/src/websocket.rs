//! WebSocket frames (RFC 6455) as SIP over WebSocket (RFC 7118) uses them: reading one frame
//! from a byte stream, unmasking its payload, and recognising the HTTP upgrade handshake.

/// Largest frame payload accepted; a larger one is taken as damage (SIP messages are small).
pub const MAX_WS_PAYLOAD: u64 = 1 << 20;

#[derive(Debug, PartialEq, Eq)]
pub enum WsParse {
    Frame {
        fin: bool,
        opcode: u8,
        payload: Vec<u8>,
        /// Bytes of the stream the frame used.
        len: usize,
    },
    NeedMore,
    Invalid(&'static str),
}

/// Reads the frame at the start of `data`.
pub fn parse_frame(data: &[u8]) -> WsParse {
    let (Some(&b0), Some(&b1)) = (data.first(), data.get(1)) else {
        return WsParse::NeedMore;
    };
    if b0 & 0x70 != 0 {
        return WsParse::Invalid("reserved bits set");
    }
    let opcode = b0 & 0x0F;
    if !matches!(opcode, 0 | 1 | 2 | 8 | 9 | 10) {
        return WsParse::Invalid("unknown opcode");
    }
    let masked = b1 & 0x80 != 0;
    let (payload_len, mut off) = match b1 & 0x7F {
        126 => match data.get(2..4) {
            Some(b) => (u64::from(u16::from_be_bytes([b[0], b[1]])), 4),
            None => return WsParse::NeedMore,
        },
        127 => match data.get(2..10) {
            Some(b) => {
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                (u64::from_be_bytes(a), 10)
            }
            None => return WsParse::NeedMore,
        },
        n => (u64::from(n), 2),
    };
    if payload_len > MAX_WS_PAYLOAD {
        return WsParse::Invalid("frame longer than the cap");
    }
    let mask = if masked {
        let Some(m) = data.get(off..off + 4) else {
            return WsParse::NeedMore;
        };
        off += 4;
        Some([m[0], m[1], m[2], m[3]])
    } else {
        None
    };
    let end = off + payload_len as usize;
    let Some(raw) = data.get(off..end) else {
        return WsParse::NeedMore;
    };
    let payload = match mask {
        Some(m) => raw.iter().enumerate().map(|(i, b)| b ^ m[i % 4]).collect(),
        None => raw.to_vec(),
    };
    WsParse::Frame {
        fin: b0 & 0x80 != 0,
        opcode,
        payload,
        len: end,
    }
}

/// If `data` starts with a complete HTTP request or response header that upgrades to
/// WebSocket, returns its length.
pub fn upgrade_header_len(data: &[u8]) -> Option<usize> {
    if !(data.starts_with(b"GET ")
        || data.starts_with(b"HTTP/1.1 101")
        || data.starts_with(b"HTTP/1.0 101"))
    {
        return None;
    }
    let end = memchr::memmem::find(data, b"\r\n\r\n")? + 4;
    let head = &data[..end];
    let is_ws = head.split(|b| *b == b'\n').any(|l| {
        let l = l.trim_ascii();
        l.len() > 8
            && l[..8].eq_ignore_ascii_case(b"upgrade:")
            && l[8..].trim_ascii().eq_ignore_ascii_case(b"websocket")
    });
    is_ws.then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_text_frame() {
        let msg = b"OPTIONS sip:x SIP/2.0\r\n\r\n";
        let mask = [1u8, 2, 3, 4];
        let mut frame = vec![0x81, 0x80 | msg.len() as u8];
        frame.extend(mask);
        frame.extend(msg.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        match parse_frame(&frame) {
            WsParse::Frame {
                fin,
                opcode,
                payload,
                len,
            } => {
                assert!(fin);
                assert_eq!(opcode, 1);
                assert_eq!(payload, msg);
                assert_eq!(len, frame.len());
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(parse_frame(&frame[..5]), WsParse::NeedMore);
    }

    #[test]
    fn upgrade() {
        let req = b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nSec-WebSocket-Protocol: sip\r\n\r\n\x81";
        assert_eq!(upgrade_header_len(req), Some(req.len() - 1));
        assert_eq!(
            upgrade_header_len(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
            None
        );
    }
}
