//! HEP, the Homer Encapsulation Protocol (versions 1, 2 and 3, on UDP port 9060): a capture
//! agent sends each packet it saw, with the original addresses and ports, to a collector. A
//! capture taken at the collector holds the calls of every agent; the packet inside is
//! analyzed as if captured where the agent saw it (its time stays the time the HEP packet
//! arrived, as Wireshark shows it). Views over the bytes: every length is checked.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::{be16, Flow};

/// The port HOMER's collectors listen on.
pub const HEP_PORT: u16 = 9060;

const AF_INET: u8 = 2;
const AF_INET6: u8 = 10;

/// The packet a HEP message carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Encapsulated<'a> {
    pub flow: Flow,
    /// IP protocol number of the original packet (17 UDP, 6 TCP, 132 SCTP).
    pub protocol: u8,
    pub payload: &'a [u8],
}

/// What a datagram on the HEP port is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hep<'a> {
    Packet(Encapsulated<'a>),
    /// HEP, but nothing voipscope reads (a compressed payload, a keep-alive, no addresses).
    Unreadable,
}

/// Reads a HEP message filling the datagram `p`; `None` when it is no HEP.
pub fn read(p: &[u8]) -> Option<Hep<'_>> {
    if p.starts_with(b"HEP3") {
        return v3(p);
    }
    v1_v2(p)
}

fn addr(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => Some(IpAddr::V4(Ipv4Addr::from(<[u8; 4]>::try_from(bytes).ok()?))),
        16 => Some(IpAddr::V6(Ipv6Addr::from(
            <[u8; 16]>::try_from(bytes).ok()?,
        ))),
        _ => None,
    }
}

/// Versions 1 and 2: a fixed header (version, its length, family, protocol, ports,
/// addresses; version 2 adds time and agent id), then the packet.
fn v1_v2(p: &[u8]) -> Option<Hep<'_>> {
    let (&version, rest) = p.split_first()?;
    let (&header_len, rest) = rest.split_first()?;
    let (&family, rest) = rest.split_first()?;
    let (&protocol, _) = rest.split_first()?;
    let addr_len = match family {
        AF_INET => 4,
        AF_INET6 => 16,
        _ => return None,
    };
    let want = match version {
        1 => 8 + 2 * addr_len,
        2 => 8 + 2 * addr_len + 12,
        _ => return None,
    };
    if usize::from(header_len) != want || p.len() < want {
        return None;
    }
    let (sport, dport) = (be16(p, 4)?, be16(p, 6)?);
    let src = addr(p.get(8..8 + addr_len)?)?;
    let dst = addr(p.get(8 + addr_len..8 + 2 * addr_len)?)?;
    Some(Hep::Packet(Encapsulated {
        flow: Flow {
            src: SocketAddr::new(src, sport),
            dst: SocketAddr::new(dst, dport),
        },
        protocol,
        payload: &p[want..],
    }))
}

/// Version 3: "HEP3", the total length, then chunks (vendor, type, length with its 6-byte
/// header, value).
fn v3(p: &[u8]) -> Option<Hep<'_>> {
    let total = usize::from(be16(p, 4)?);
    let p = p.get(..total)?;
    let mut rest = p.get(6..)?;
    let (mut src, mut dst) = (None, None);
    let (mut sport, mut dport) = (None, None);
    let (mut protocol, mut payload) = (None, None);
    while rest.len() >= 6 {
        let (vendor, kind, len) = (be16(rest, 0)?, be16(rest, 2)?, usize::from(be16(rest, 4)?));
        if len < 6 {
            return None;
        }
        let value = rest.get(6..len)?;
        rest = &rest[len..];
        if vendor != 0 {
            continue;
        }
        match kind {
            0x0002 => protocol = value.first().copied(),
            0x0003 | 0x0005 => src = addr(value),
            0x0004 | 0x0006 => dst = addr(value),
            0x0007 => sport = be16(value, 0),
            0x0008 => dport = be16(value, 0),
            0x000f => payload = Some(value),
            _ => {}
        }
    }
    match (src, dst, sport, dport, payload) {
        (Some(src), Some(dst), Some(sport), Some(dport), Some(payload)) => {
            Some(Hep::Packet(Encapsulated {
                flow: Flow {
                    src: SocketAddr::new(src, sport),
                    dst: SocketAddr::new(dst, dport),
                },
                protocol: protocol.unwrap_or(17),
                payload,
            }))
        }
        // a compressed payload (chunk 0x0010), or a message without addresses
        _ => Some(Hep::Unreadable),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(kind: u16, value: &[u8]) -> Vec<u8> {
        let mut c = vec![0, 0];
        c.extend(kind.to_be_bytes());
        c.extend((6 + value.len() as u16).to_be_bytes());
        c.extend(value);
        c
    }

    pub(crate) fn hep3(
        src: [u8; 4],
        sport: u16,
        dst: [u8; 4],
        dport: u16,
        payload: &[u8],
    ) -> Vec<u8> {
        let mut body = Vec::new();
        body.extend(chunk(0x0001, &[AF_INET]));
        body.extend(chunk(0x0002, &[17]));
        body.extend(chunk(0x0003, &src));
        body.extend(chunk(0x0004, &dst));
        body.extend(chunk(0x0007, &sport.to_be_bytes()));
        body.extend(chunk(0x0008, &dport.to_be_bytes()));
        body.extend(chunk(0x0009, &1_700_000_000u32.to_be_bytes()));
        body.extend(chunk(0x000b, &[1]));
        body.extend(chunk(0x000f, payload));
        let mut m = b"HEP3".to_vec();
        m.extend((6 + body.len() as u16).to_be_bytes());
        m.extend(body);
        m
    }

    #[test]
    fn version_3_gives_the_packet_inside() {
        let m = hep3(
            [10, 0, 0, 1],
            5060,
            [10, 0, 0, 2],
            5062,
            b"OPTIONS sip:x SIP/2.0\r\n\r\n",
        );
        let Some(Hep::Packet(e)) = read(&m) else {
            panic!("{:?}", read(&m))
        };
        assert_eq!(e.flow.src, "10.0.0.1:5060".parse().unwrap());
        assert_eq!(e.flow.dst, "10.0.0.2:5062".parse().unwrap());
        assert_eq!(
            (e.protocol, e.payload),
            (17, &b"OPTIONS sip:x SIP/2.0\r\n\r\n"[..])
        );
        // every cut of it is unreadable or no HEP, never a panic
        for n in 0..m.len() {
            assert!(!matches!(read(&m[..n]), Some(Hep::Packet(_))), "{n}");
        }
    }

    #[test]
    fn version_2_with_ipv6() {
        let mut m = vec![2, 52, AF_INET6, 17];
        m.extend(5060u16.to_be_bytes());
        m.extend(5080u16.to_be_bytes());
        m.extend(
            [0x20, 1, 0x0d, 0xb8]
                .iter()
                .chain([0u8; 11].iter())
                .chain([1u8].iter()),
        );
        m.extend(
            [0x20, 1, 0x0d, 0xb8]
                .iter()
                .chain([0u8; 11].iter())
                .chain([2u8].iter()),
        );
        m.extend([0u8; 12]);
        m.extend(b"SIP/2.0 200 OK\r\n\r\n");
        let Some(Hep::Packet(e)) = read(&m) else {
            panic!("{:?}", read(&m))
        };
        assert_eq!(e.flow.src, "[2001:db8::1]:5060".parse().unwrap());
        assert_eq!(e.payload, b"SIP/2.0 200 OK\r\n\r\n");
        // a header length that does not fit the family is no HEP
        m[1] = 28;
        assert_eq!(read(&m), None);
    }

    #[test]
    fn foreign_bytes_are_no_hep() {
        assert_eq!(read(b""), None);
        assert_eq!(read(b"INVITE sip:a SIP/2.0\r\n"), None);
        assert_eq!(read(&[0x80; 40]), None);
    }
}
