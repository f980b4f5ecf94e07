//! Link layers and tunnels down to IP: Ethernet with 802.1Q/QinQ at any depth, MPLS, PPPoE, PPP,
//! Linux cooked capture v1 and v2, BSD null/loopback, raw IP, GRE (with ERSPAN II/III and PPTP's
//! enhanced GRE), GTP-U and VXLAN. Every function reads through bounds-checked slices only.

use super::{be16, ip, ChunkOut, FrameCtx, Undecoded, MAX_TUNNEL_DEPTH};
use crate::numbers::{EtherType, LinkType, PppProtocol, ARPHRD_IPGRE};

/// Dispatches on a pcap link type.
pub fn decode_link<'a>(link: LinkType, data: &'a [u8], ctx: FrameCtx, out: &mut ChunkOut<'a>) {
    match link {
        LinkType::ETHERNET => ethernet(data, ctx, out),
        LinkType::LINUX_SLL => {
            // Linux cooked v1: packet type, ARPHRD type, address length, 8 address bytes, protocol.
            match (be16(data, 2), be16(data, 14).map(EtherType), data.get(16..)) {
                (Some(ARPHRD_IPGRE), Some(proto), Some(rest)) => gre_payload(proto, rest, ctx, out),
                (Some(_), Some(proto), Some(rest)) => ethertype(proto, rest, ctx, out),
                _ => out
                    .counters
                    .undecoded(Undecoded::Truncated("linux cooked header")),
            }
        }
        LinkType::LINUX_SLL2 => {
            // Linux cooked v2: protocol first, then interface, ARPHRD, packet type, address.
            match (be16(data, 0).map(EtherType), be16(data, 8), data.get(20..)) {
                (Some(proto), Some(ARPHRD_IPGRE), Some(rest)) => gre_payload(proto, rest, ctx, out),
                (Some(proto), Some(_), Some(rest)) => ethertype(proto, rest, ctx, out),
                _ => out
                    .counters
                    .undecoded(Undecoded::Truncated("linux cooked v2 header")),
            }
        }
        LinkType::NULL | LinkType::LOOP => {
            // BSD loopback: the address family in host order (null) or network order (loop).
            let Some(fam) = data.get(0..4) else {
                out.counters
                    .undecoded(Undecoded::Truncated("loopback header"));
                return;
            };
            let family = if fam[0] != 0 || fam[1] != 0 {
                u32::from_le_bytes([fam[0], fam[1], fam[2], fam[3]])
            } else {
                u32::from_be_bytes([fam[0], fam[1], fam[2], fam[3]])
            };
            match family {
                2 | 24 | 28 | 30 => ip::decode_ip(&data[4..], ctx, out),
                _ => out.counters.undecoded(Undecoded::LinkType(link)),
            }
        }
        LinkType::RAW_OPENBSD
        | LinkType::RAW_BSD
        | LinkType::RAW
        | LinkType::IPV4
        | LinkType::IPV6 => ip::decode_ip(data, ctx, out),
        LinkType::PPP | LinkType::PPP_HDLC | LinkType::PPP_WITH_DIR => {
            let body = if link == LinkType::PPP_WITH_DIR {
                data.get(1..)
            } else {
                Some(data)
            };
            match body {
                Some(b) => ppp(b, ctx, out),
                None => out.counters.undecoded(Undecoded::Truncated("ppp header")),
            }
        }
        _ => out.counters.undecoded(Undecoded::LinkType(link)),
    }
}

/// Ethernet II (or 802.3 with LLC, which carries nothing we analyze).
pub fn ethernet<'a>(data: &'a [u8], ctx: FrameCtx, out: &mut ChunkOut<'a>) {
    match (be16(data, 12), data.get(14..)) {
        (Some(et), Some(rest)) if et >= 0x0600 => ethertype(EtherType(et), rest, ctx, out),
        (Some(_), Some(_)) => out.counters.undecoded(Undecoded::Llc),
        _ => out
            .counters
            .undecoded(Undecoded::Truncated("ethernet header")),
    }
}

/// Follows an EtherType, peeling VLAN tags (any depth), MPLS labels and PPPoE sessions.
pub fn ethertype<'a>(mut et: EtherType, mut data: &'a [u8], ctx: FrameCtx, out: &mut ChunkOut<'a>) {
    loop {
        match et {
            EtherType::IPV4 | EtherType::IPV6 => return ip::decode_ip(data, ctx, out),
            vlan if vlan.is_vlan_tag() => {
                let (Some(inner), Some(rest)) = (be16(data, 2), data.get(4..)) else {
                    return out.counters.undecoded(Undecoded::Truncated("vlan tag"));
                };
                et = EtherType(inner);
                data = rest;
            }
            EtherType::MPLS_UNICAST | EtherType::MPLS_MULTICAST => {
                // MPLS: pop labels to the bottom of the stack, then guess IP by its version.
                let mut off = 0;
                loop {
                    let Some(label) = data.get(off..off + 4) else {
                        return out.counters.undecoded(Undecoded::Truncated("mpls label"));
                    };
                    off += 4;
                    if label[2] & 1 == 1 {
                        break;
                    }
                }
                let rest = &data[off..];
                return match rest.first().map(|b| b >> 4) {
                    Some(4) | Some(6) => ip::decode_ip(rest, ctx, out),
                    _ => out.counters.undecoded(Undecoded::EtherType(et)),
                };
            }
            EtherType::PPPOE_SESSION => {
                // PPPoE session: version/type, code, session id, length, then PPP.
                let (Some(len), Some(rest)) = (be16(data, 4), data.get(6..)) else {
                    return out.counters.undecoded(Undecoded::Truncated("pppoe header"));
                };
                let rest = &rest[..(len as usize).min(rest.len())];
                return ppp(rest, ctx, out);
            }
            EtherType::TRANSPARENT_ETHERNET => return ethernet(data, ctx, out),
            _ => return out.counters.undecoded(Undecoded::EtherType(et)),
        }
    }
}

/// PPP with or without the HDLC address/control bytes and with protocol field compression.
pub fn ppp<'a>(data: &'a [u8], ctx: FrameCtx, out: &mut ChunkOut<'a>) {
    let data = if data.starts_with(&[0xff, 0x03]) {
        &data[2..]
    } else {
        data
    };
    let (proto, rest) = match data.first() {
        Some(b) if b & 1 == 1 => (u16::from(*b), &data[1..]),
        Some(_) => match (be16(data, 0), data.get(2..)) {
            (Some(p), Some(r)) => (p, r),
            _ => return out.counters.undecoded(Undecoded::Truncated("ppp header")),
        },
        None => return out.counters.undecoded(Undecoded::Truncated("ppp header")),
    };
    match PppProtocol(proto) {
        PppProtocol::IPV4 | PppProtocol::IPV6 => ip::decode_ip(rest, ctx, out),
        p => out.counters.undecoded(Undecoded::PppProtocol(p)),
    }
}

fn deeper(ctx: FrameCtx, out: &mut ChunkOut<'_>) -> Option<FrameCtx> {
    if ctx.depth >= MAX_TUNNEL_DEPTH {
        out.counters.undecoded(Undecoded::TunnelTooDeep);
        return None;
    }
    Some(FrameCtx {
        depth: ctx.depth + 1,
        ..ctx
    })
}

/// GRE (RFC 2784/2890) and PPTP's enhanced GRE (version 1).
pub fn gre<'a>(data: &'a [u8], ctx: FrameCtx, out: &mut ChunkOut<'a>) {
    let Some(ctx) = deeper(ctx, out) else { return };
    let (Some(flags), Some(proto)) = (be16(data, 0), be16(data, 2).map(EtherType)) else {
        return out.counters.undecoded(Undecoded::Truncated("gre header"));
    };
    let mut off = 4;
    if flags & 0xC000 != 0 {
        off += 4; // checksum and offset (present together)
    }
    if flags & 0x2000 != 0 {
        off += 4; // key
    }
    let seq_present = flags & 0x1000 != 0;
    if seq_present {
        off += 4;
    }
    if flags & 0x0007 == 1 && flags & 0x0080 != 0 {
        off += 4; // enhanced GRE acknowledgment number
    }
    let Some(rest) = data.get(off..) else {
        return out.counters.undecoded(Undecoded::Truncated("gre header"));
    };
    match proto {
        // ERSPAN type II carries an 8-byte header and always has a sequence number; type I has
        // neither.
        EtherType::ERSPAN_II if seq_present => match rest.get(8..) {
            Some(inner) => ethernet(inner, ctx, out),
            None => out
                .counters
                .undecoded(Undecoded::Truncated("erspan header")),
        },
        EtherType::ERSPAN_II => ethernet(rest, ctx, out),
        EtherType::ERSPAN_III => {
            // ERSPAN type III: 12 bytes, plus an 8-byte platform sub-header when O is set.
            let Some(last) = rest.get(11) else {
                return out
                    .counters
                    .undecoded(Undecoded::Truncated("erspan header"));
            };
            let skip = if last & 1 == 1 { 20 } else { 12 };
            match rest.get(skip..) {
                Some(inner) => ethernet(inner, ctx, out),
                None => out
                    .counters
                    .undecoded(Undecoded::Truncated("erspan header")),
            }
        }
        _ => gre_payload(proto, rest, ctx, out),
    }
}

fn gre_payload<'a>(proto: EtherType, rest: &'a [u8], ctx: FrameCtx, out: &mut ChunkOut<'a>) {
    match proto {
        EtherType::PPP => ppp(rest, ctx, out),
        EtherType::IPV4
        | EtherType::IPV6
        | EtherType::VLAN
        | EtherType::QINQ
        | EtherType::MPLS_UNICAST
        | EtherType::TRANSPARENT_ETHERNET => ethertype(proto, rest, ctx, out),
        p => out.counters.undecoded(Undecoded::GreProtocol(p)),
    }
}

/// GTP-U (3GPP TS 29.281): a G-PDU carries a user IP packet. Returns false when the payload is
/// not a GTP-U G-PDU, so the caller can classify it as something else.
pub fn gtp_u<'a>(data: &'a [u8], ctx: FrameCtx, out: &mut ChunkOut<'a>) -> bool {
    let (Some(&flags), Some(&msg_type)) = (data.first(), data.get(1)) else {
        return false;
    };
    if flags >> 5 != 1 || flags & 0x10 == 0 || msg_type != 0xFF {
        return false;
    }
    let mut off = 8;
    if flags & 0x07 != 0 {
        // sequence number, N-PDU number and the first extension header type
        let Some(&next) = data.get(11) else {
            return false;
        };
        off = 12;
        let mut next = next;
        while next != 0 {
            // each extension header: length in 4-byte units, contents, next type
            let Some(&units) = data.get(off) else {
                return false;
            };
            if units == 0 {
                return false;
            }
            off += units as usize * 4;
            let Some(&n) = data.get(off - 1) else {
                return false;
            };
            next = n;
        }
    }
    let Some(inner) = data.get(off..) else {
        return false;
    };
    if !matches!(inner.first().map(|b| b >> 4), Some(4) | Some(6)) {
        return false;
    }
    if let Some(ctx) = deeper(ctx, out) {
        ip::decode_ip(inner, ctx, out);
    }
    true
}

/// VXLAN (RFC 7348): an 8-byte header with the I flag, then Ethernet.
pub fn vxlan<'a>(data: &'a [u8], ctx: FrameCtx, out: &mut ChunkOut<'a>) -> bool {
    match (data.first(), data.get(8..)) {
        (Some(&flags), Some(inner)) if flags & 0x08 != 0 && inner.len() >= 14 => {
            if let Some(ctx) = deeper(ctx, out) {
                ethernet(inner, ctx, out);
            }
            true
        }
        _ => false,
    }
}

/// IP in IP (protocol 4 or 41): the payload is another IP packet.
pub fn ip_in_ip<'a>(data: &'a [u8], ctx: FrameCtx, out: &mut ChunkOut<'a>) {
    if let Some(ctx) = deeper(ctx, out) {
        ip::decode_ip(data, ctx, out);
    }
}
