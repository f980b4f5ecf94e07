//! IPv4 and IPv6 (with extension headers, through etherparse's lax slicer) and the transports
//! above them: UDP, TCP, SCTP, and the tunnels that ride on IP (GRE, IP-in-IP) or UDP (GTP-U,
//! VXLAN) or carry packets on UDP (TURN relays, HEP agents). Fragments and TCP segments are
//! handed on as events for the in-order stage.

use std::net::{IpAddr, SocketAddr};

use etherparse::{Ipv6ExtensionSlice, LaxIpSlice};

use crate::numbers::IpProtocol;

use super::classify::{classify_udp, not_media_port, PayloadClass};
use super::{
    be16, be32, hep, link, turn, ChunkOut, EventKind, Flow, FragmentPiece, FrameCtx, MediaKind,
    RtpHeader, SctpPiece, SipTransport, TcpSegment, Undecoded,
};

/// Decodes an IP packet (version from the first nibble).
pub fn decode_ip<'a>(data: &'a [u8], ctx: FrameCtx, out: &mut ChunkOut<'a>) {
    let (slice, _ext_err) = match LaxIpSlice::from_slice(data) {
        Ok(s) => s,
        Err(etherparse::err::ip::LaxHeaderSliceError::Len(_)) => {
            return out.counters.undecoded(Undecoded::Truncated("ip header"))
        }
        Err(_) => return out.counters.undecoded(Undecoded::Malformed("ip header")),
    };
    let payload = slice.payload();
    let protocol = IpProtocol(payload.ip_number.0);
    let (src, dst) = (slice.source_addr(), slice.destination_addr());
    if payload.fragmented {
        let (id, offset, more) = match &slice {
            LaxIpSlice::Ipv4(v4) => {
                let h = v4.header();
                (
                    u32::from(h.identification()),
                    u32::from(h.fragments_offset().byte_offset()),
                    h.more_fragments(),
                )
            }
            LaxIpSlice::Ipv6(v6) => {
                let frag = v6.extensions().clone().into_iter().find_map(|e| match e {
                    Ipv6ExtensionSlice::Fragment(f) => Some(f),
                    _ => None,
                });
                let Some(f) = frag else {
                    return out
                        .counters
                        .undecoded(Undecoded::Malformed("ipv6 fragment header"));
                };
                (
                    f.identification(),
                    u32::from(f.fragment_offset().byte_offset()),
                    f.more_fragments(),
                )
            }
        };
        out.counters.ip_fragments += 1;
        out.event(
            ctx,
            EventKind::Fragment(FragmentPiece {
                src,
                dst,
                id,
                protocol,
                offset,
                more,
                data: payload.payload,
                depth: ctx.depth,
            }),
        );
        return;
    }
    decode_transport(
        protocol,
        src,
        dst,
        payload.payload,
        payload.incomplete,
        ctx,
        out,
    );
}

/// Decodes what an IP packet (or a reassembled datagram) carries. `cut` says the bytes end
/// before the IP length said they would (snap length).
pub fn decode_transport<'a>(
    protocol: IpProtocol,
    src: IpAddr,
    dst: IpAddr,
    data: &'a [u8],
    cut: bool,
    ctx: FrameCtx,
    out: &mut ChunkOut<'a>,
) {
    match protocol {
        IpProtocol::UDP => udp(src, dst, data, cut, ctx, out),
        IpProtocol::TCP => tcp(src, dst, data, ctx, out),
        IpProtocol::SCTP => sctp(src, dst, data, ctx, out),
        IpProtocol::GRE => link::gre(data, ctx, out),
        IpProtocol::IPIP | IpProtocol::IPV6 => link::ip_in_ip(data, ctx, out),
        p => out.counters.undecoded(Undecoded::IpProtocol(p)),
    }
}

fn udp<'a>(
    src: IpAddr,
    dst: IpAddr,
    data: &'a [u8],
    cut: bool,
    ctx: FrameCtx,
    out: &mut ChunkOut<'a>,
) {
    let (Some(sport), Some(dport), Some(len)) = (be16(data, 0), be16(data, 2), be16(data, 4))
    else {
        return out.counters.undecoded(Undecoded::Truncated("udp header"));
    };
    let len = len as usize;
    if len < 8 && len != 0 {
        return out.counters.undecoded(Undecoded::Malformed("udp header"));
    }
    // Length 0 is used by jumbograms; otherwise never read past what the header says nor past
    // what was captured.
    let end = if len == 0 {
        data.len()
    } else {
        len.min(data.len())
    };
    let cut = cut || (len != 0 && len > data.len());
    let payload = &data[8.min(end)..end];
    if (sport == 2152 || dport == 2152) && link::gtp_u(payload, ctx, out) {
        return;
    }
    if (dport == 4789 || dport == 8472) && link::vxlan(payload, ctx, out) {
        return;
    }
    let flow = Flow {
        src: SocketAddr::new(src, sport),
        dst: SocketAddr::new(dst, dport),
    };
    if sport == hep::HEP_PORT || dport == hep::HEP_PORT {
        match hep::read(payload) {
            Some(hep::Hep::Packet(e)) => {
                out.counters.hep_packets += 1;
                return encapsulated(e, cut, ctx, out);
            }
            Some(hep::Hep::Unreadable) => {
                return out.counters.undecoded(Undecoded::Malformed("hep"));
            }
            None => {}
        }
    }
    if sport == turn::TURN_PORT || dport == turn::TURN_PORT {
        if let Some(turn::Turn::Relayed(data)) = turn::datagram(payload) {
            out.counters.turn_packets += 1;
            return udp_payload(flow, data, cut, ctx, out);
        }
    }
    udp_payload(flow, payload, cut, ctx, out);
}

/// Data a TURN relay carried on a TCP stream, read as the UDP payload it stands for.
pub fn turn_relayed<'a>(flow: Flow, data: &'a [u8], ctx: FrameCtx, out: &mut ChunkOut<'a>) {
    out.counters.turn_packets += 1;
    udp_payload(flow, data, false, ctx, out);
}

/// The packet a HEP message carries, as if captured where the agent saw it: UDP payloads as
/// any UDP payload, a TCP or SCTP payload (agents send whole SIP messages) as a SIP datagram.
fn encapsulated<'a>(e: hep::Encapsulated<'a>, cut: bool, ctx: FrameCtx, out: &mut ChunkOut<'a>) {
    let transport = match IpProtocol(e.protocol) {
        IpProtocol::UDP => return udp_payload(e.flow, e.payload, cut, ctx, out),
        IpProtocol::TCP => SipTransport::Tcp,
        IpProtocol::SCTP => SipTransport::Sctp,
        _ => return out.counters.undecoded(Undecoded::Malformed("hep")),
    };
    if classify_udp(e.flow.src.port(), e.flow.dst.port(), e.payload) == PayloadClass::Sip {
        out.event(
            ctx,
            EventKind::SipDatagram {
                flow: e.flow,
                transport,
                data: e.payload,
                cut,
            },
        );
    } else {
        out.counters.other_udp += 1;
    }
}

/// What a UDP datagram (or the data a TURN relay or HEP agent carried) holds, by its shape.
fn udp_payload<'a>(
    flow: Flow,
    payload: &'a [u8],
    cut: bool,
    ctx: FrameCtx,
    out: &mut ChunkOut<'a>,
) {
    let (sport, dport) = (flow.src.port(), flow.dst.port());
    let c = &mut out.counters;
    let class = classify_udp(sport, dport, payload);
    match class {
        PayloadClass::Sip => out.event(
            ctx,
            EventKind::SipDatagram {
                flow,
                transport: SipTransport::Udp,
                data: payload,
                cut,
            },
        ),
        PayloadClass::SipKeepalive => c.sip_keepalives += 1,
        PayloadClass::Rtp => match RtpHeader::read(payload, &flow) {
            Some(h) => {
                c.rtp_packets += 1;
                out.event(
                    ctx,
                    EventKind::Media {
                        flow,
                        kind: MediaKind::Rtp(h),
                        data: payload,
                    },
                );
            }
            None => c.other_udp += 1,
        },
        PayloadClass::Rtcp => {
            c.rtcp_packets += 1;
            out.event(
                ctx,
                EventKind::Media {
                    flow,
                    kind: MediaKind::Rtcp,
                    data: payload,
                },
            );
        }
        PayloadClass::Stun | PayloadClass::Dtls | PayloadClass::Zrtp => {
            let kind = match class {
                PayloadClass::Stun => {
                    c.stun_packets += 1;
                    MediaKind::Stun
                }
                PayloadClass::Dtls => {
                    c.dtls_packets += 1;
                    MediaKind::Dtls
                }
                _ => {
                    c.zrtp_packets += 1;
                    MediaKind::Zrtp
                }
            };
            out.event(
                ctx,
                EventKind::Media {
                    flow,
                    kind,
                    data: payload,
                },
            );
        }
        PayloadClass::Other => {
            c.other_udp += 1;
            // media ports are unprivileged; T.38 (UDPTL) is only told apart with the SDP
            if sport >= 1024
                && dport >= 1024
                && !not_media_port(sport)
                && !not_media_port(dport)
                && payload.len() >= 3
            {
                out.event(
                    ctx,
                    EventKind::Media {
                        flow,
                        kind: MediaKind::Unclassified,
                        data: payload,
                    },
                );
            }
        }
    }
}

fn tcp<'a>(src: IpAddr, dst: IpAddr, data: &'a [u8], ctx: FrameCtx, out: &mut ChunkOut<'a>) {
    let (Some(sport), Some(dport), Some(seq), Some(&off_byte), Some(&flags)) = (
        be16(data, 0),
        be16(data, 2),
        be32(data, 4),
        data.get(12),
        data.get(13),
    ) else {
        return out.counters.undecoded(Undecoded::Truncated("tcp header"));
    };
    let header_len = usize::from(off_byte >> 4) * 4;
    if header_len < 20 {
        return out.counters.undecoded(Undecoded::Malformed("tcp header"));
    }
    let Some(payload) = data.get(header_len..) else {
        return out.counters.undecoded(Undecoded::Truncated("tcp header"));
    };
    out.counters.tcp_segments += 1;
    let flags = flags & 0x07;
    if payload.is_empty() && flags == 0 {
        return; // a bare acknowledgment changes nothing we track
    }
    out.event(
        ctx,
        EventKind::Tcp(TcpSegment {
            flow: Flow {
                src: SocketAddr::new(src, sport),
                dst: SocketAddr::new(dst, dport),
            },
            seq,
            flags,
            data: payload,
        }),
    );
}

/// SCTP (RFC 9260): every DATA chunk; a whole user message is classified at once, a fragment
/// goes to the in-order stage.
fn sctp<'a>(src: IpAddr, dst: IpAddr, data: &'a [u8], ctx: FrameCtx, out: &mut ChunkOut<'a>) {
    let (Some(sport), Some(dport)) = (be16(data, 0), be16(data, 2)) else {
        return out.counters.undecoded(Undecoded::Truncated("sctp header"));
    };
    let flow = Flow {
        src: SocketAddr::new(src, sport),
        dst: SocketAddr::new(dst, dport),
    };
    let mut off = 12;
    while let (Some(&kind), Some(&flags), Some(len)) =
        (data.get(off), data.get(off + 1), be16(data, off + 2))
    {
        let len = len as usize;
        if len < 4 {
            out.counters.undecoded(Undecoded::Malformed("sctp chunk"));
            return;
        }
        let chunk = &data[off..(off + len).min(data.len())];
        out.counters.sctp_chunks += 1;
        if kind == 0 && chunk.len() >= 16 {
            let tsn = be32(chunk, 4).unwrap_or(0);
            let stream = be16(chunk, 8).unwrap_or(0);
            let user = &chunk[16..];
            let (begin, end) = (flags & 0x02 != 0, flags & 0x01 != 0);
            if begin && end {
                match classify_udp(sport, dport, user) {
                    PayloadClass::Sip => out.event(
                        ctx,
                        EventKind::SipDatagram {
                            flow,
                            transport: SipTransport::Sctp,
                            data: user,
                            cut: chunk.len() < len,
                        },
                    ),
                    _ => out.counters.other_udp += 1,
                }
            } else {
                out.event(
                    ctx,
                    EventKind::Sctp(SctpPiece {
                        flow,
                        stream,
                        tsn,
                        begin,
                        end,
                        data: user,
                    }),
                );
            }
        }
        off += (len + 3) & !3;
    }
}
