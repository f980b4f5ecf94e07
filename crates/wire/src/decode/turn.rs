//! TURN (RFC 8656) relayed data: the ChannelData message and the Send and Data indications,
//! whose DATA attribute carries what a client and its peer exchange through the relay (RTP,
//! RTCP, DTLS, STUN in a WebRTC or SIP call). Views over the bytes: every length is checked
//! against what is there, nothing panics.
//!
//! Relayed media keeps the addresses of the packets that carry it (client and TURN server),
//! as Wireshark's RTP analysis does.

use super::be16;

/// The TURN (and STUN) port, UDP and TCP (RFC 8656 section 4).
pub const TURN_PORT: u16 = 3478;

const MAGIC_COOKIE: [u8; 4] = [0x21, 0x12, 0xA4, 0x42];
const SEND_INDICATION: u16 = 0x0016;
const DATA_INDICATION: u16 = 0x0017;
const DATA_ATTRIBUTE: u16 = 0x0013;
/// Channel numbers RFC 8656 section 12 allows (RFC 5766 allowed up to 0x7FFF; its upper
/// range is reserved now and left alone).
const CHANNELS: std::ops::RangeInclusive<u16> = 0x4000..=0x4FFF;

/// What a TURN message on the wire is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Turn<'a> {
    /// Data relayed to or from the peer (ChannelData, or a Send or Data indication).
    Relayed(&'a [u8]),
    /// A STUN message that relays nothing (binding, allocation, permission, refresh).
    Stun,
}

/// A TURN message that fills the datagram `p` (UDP: ChannelData may leave its padding out).
pub fn datagram(p: &[u8]) -> Option<Turn<'_>> {
    if let Some(data) = channel_data(p) {
        return Some(Turn::Relayed(data));
    }
    stream_message(p.get(..stun_len(p)?)?)
}

/// The data of a ChannelData message at the start of `p` (RFC 8656 section 12.4).
fn channel_data(p: &[u8]) -> Option<&[u8]> {
    let channel = be16(p, 0)?;
    if !CHANNELS.contains(&channel) {
        return None;
    }
    let len = usize::from(be16(p, 2)?);
    p.get(4..4 + len)
}

/// The length of the whole STUN message at the start of `p`, from its header.
fn stun_len(p: &[u8]) -> Option<usize> {
    let first = *p.first()?;
    if first & 0xC0 != 0 || p.get(4..8)? != MAGIC_COOKIE {
        return None;
    }
    let len = usize::from(be16(p, 2)?);
    // attributes are padded to four bytes, so is the message
    (len % 4 == 0).then_some(20 + len)
}

/// The DATA attribute of a Send or Data indication (`m` is the whole message).
fn indication_data(m: &[u8]) -> Option<&[u8]> {
    let kind = be16(m, 0)?;
    if kind != SEND_INDICATION && kind != DATA_INDICATION {
        return None;
    }
    let mut rest = m.get(20..)?;
    while rest.len() >= 4 {
        let (t, len) = (be16(rest, 0)?, usize::from(be16(rest, 2)?));
        let value = rest.get(4..4 + len)?;
        if t == DATA_ATTRIBUTE {
            return Some(value);
        }
        rest = rest.get(4 + len.div_ceil(4) * 4..).unwrap_or_default();
    }
    None
}

/// On a TCP stream (RFC 8656 section 12.5: ChannelData padded to four bytes there): the
/// length of the message at the start of `h` once its header is there, `Some(None)` when `h`
/// is too short to tell, `None` when it is no TURN message.
pub fn stream_message_len(h: &[u8]) -> Option<Option<usize>> {
    if h.len() < 4 {
        return Some(None);
    }
    if be16(h, 0).is_some_and(|c| CHANNELS.contains(&c)) {
        let len = usize::from(be16(h, 2)?);
        return Some(Some(4 + len.div_ceil(4) * 4));
    }
    if h[0] & 0xC0 != 0 {
        return None;
    }
    if h.len() < 8 {
        return Some(None);
    }
    stun_len(h).map(Some)
}

/// What a whole message cut from a stream relays: the data of ChannelData (without its
/// padding) or of an indication.
pub fn stream_message(m: &[u8]) -> Option<Turn<'_>> {
    if let Some(data) = channel_data(m) {
        return Some(Turn::Relayed(data));
    }
    stun_len(m)?;
    Some(match indication_data(m) {
        Some(data) => Turn::Relayed(data),
        None => Turn::Stun,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stun(kind: u16, attrs: &[(u16, &[u8])]) -> Vec<u8> {
        let mut body = Vec::new();
        for (t, v) in attrs {
            body.extend(t.to_be_bytes());
            body.extend((v.len() as u16).to_be_bytes());
            body.extend(*v);
            body.resize(body.len().div_ceil(4) * 4, 0);
        }
        let mut m = kind.to_be_bytes().to_vec();
        m.extend((body.len() as u16).to_be_bytes());
        m.extend(MAGIC_COOKIE);
        m.extend([7u8; 12]);
        m.extend(body);
        m
    }

    #[test]
    fn channel_data_with_and_without_padding() {
        let mut p = vec![0x40, 0x01, 0, 5, 1, 2, 3, 4, 5];
        assert_eq!(datagram(&p), Some(Turn::Relayed(&[1, 2, 3, 4, 5][..])));
        p.extend([0, 0, 0]);
        assert_eq!(datagram(&p), Some(Turn::Relayed(&[1, 2, 3, 4, 5][..])));
        assert_eq!(stream_message_len(&p[..4]), Some(Some(12)));
        // a length past the datagram, a reserved channel
        assert_eq!(datagram(&[0x40, 0x01, 0, 9, 1, 2]), None);
        assert_eq!(datagram(&[0x50, 0x01, 0, 1, 1]), None);
    }

    #[test]
    fn indications_give_their_data_attribute() {
        let peer = [0u8, 1, 0x12, 0x34, 1, 2, 3, 4];
        let m = stun(
            DATA_INDICATION,
            &[(0x0012, &peer), (DATA_ATTRIBUTE, b"rtp!x")],
        );
        assert_eq!(datagram(&m), Some(Turn::Relayed(&b"rtp!x"[..])));
        assert_eq!(stream_message_len(&m[..8]), Some(Some(m.len())));
        let send = stun(SEND_INDICATION, &[(DATA_ATTRIBUTE, b"abcd")]);
        assert_eq!(datagram(&send), Some(Turn::Relayed(&b"abcd"[..])));
        let binding = stun(0x0001, &[]);
        assert_eq!(datagram(&binding), Some(Turn::Stun));
        // an attribute claiming more than is there
        let mut bad = stun(DATA_INDICATION, &[(DATA_ATTRIBUTE, b"abcd")]);
        bad[22..24].copy_from_slice(&200u16.to_be_bytes());
        assert_eq!(datagram(&bad), Some(Turn::Stun));
    }

    #[test]
    fn short_and_foreign_bytes_are_no_turn() {
        for p in [
            &b""[..],
            b"\x40",
            b"\x00\x01\x00\x00",
            b"INVITE sip:a SIP/2.0",
            &[0x80; 30],
        ] {
            assert!(!matches!(datagram(p), Some(Turn::Relayed(_))), "{p:?}");
        }
        assert_eq!(stream_message_len(b"\x00\x01"), Some(None));
        assert_eq!(stream_message_len(b"\x80\x01\x00\x00"), None);
    }
}
