//! Decoding frames from the link layer to the transport payload, classifying each payload, and
//! (in `fragments`, `tcp`, `sctp`, `websocket`) putting back together what the network split.
//!
//! Per-frame decoding is stateless and runs in parallel over chunks; it hands what needs state
//! (IP fragments, TCP segments, SIP datagrams, fragmented SCTP messages) on as [`Event`]s that
//! borrow the frame bytes. The in-order stage (`pipeline`) consumes those events.

pub mod classify;
pub mod hep;
pub mod ip;
pub mod link;
pub mod turn;

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use crate::anomaly::Anomaly;
use crate::capture::RawFrame;
use crate::numbers::{EtherType, IpProtocol, LinkType, PppProtocol};

pub use classify::PayloadClass;

/// Big-endian u16 at `off`, if the bytes are there.
pub(crate) fn be16(b: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_be_bytes(
        b.get(off..off.checked_add(2)?)?.try_into().ok()?,
    ))
}

/// Big-endian u32 at `off`, if the bytes are there.
pub(crate) fn be32(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_be_bytes(
        b.get(off..off.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// One direction of a transport conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Flow {
    pub src: SocketAddr,
    pub dst: SocketAddr,
}

impl Flow {
    /// A hash of the RTP stream key (source, destination, SSRC), for the stream table's
    /// index: computed on the decoding worker, so the in-order stage, which looks each packet
    /// up and prefetches it ahead, never hashes.
    pub fn stream_hash(&self, ssrc: u32) -> u64 {
        use std::hash::BuildHasher;
        rustc_hash::FxBuildHasher.hash_one((self.src, self.dst, ssrc))
    }

    pub fn reversed(self) -> Flow {
        Flow {
            src: self.dst,
            dst: self.src,
        }
    }
}

/// The transport a SIP message came over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SipTransport {
    Udp,
    Tcp,
    Sctp,
    /// WebSocket (RFC 7118) over plain TCP.
    Ws,
}

impl SipTransport {
    /// As written in a Via header: `UDP`, `TCP`, `SCTP`, `WS`.
    pub fn name(self) -> &'static str {
        match self {
            SipTransport::Udp => "UDP",
            SipTransport::Tcp => "TCP",
            SipTransport::Sctp => "SCTP",
            SipTransport::Ws => "WS",
        }
    }
}

impl std::fmt::Display for SipTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a frame stands: its number and time, and how deep in tunnels we are.
#[derive(Clone, Copy, Debug)]
pub struct FrameCtx {
    pub frame: u64,
    pub ts_ns: i64,
    pub depth: u8,
}

/// Tunnels inside tunnels beyond this depth are not followed (a crafted frame could nest forever).
pub const MAX_TUNNEL_DEPTH: u8 = 8;

/// One IP fragment, to be reassembled in capture order.
#[derive(Clone, Debug)]
pub struct FragmentPiece<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub id: u32,
    pub protocol: IpProtocol,
    pub offset: u32,
    pub more: bool,
    pub data: &'a [u8],
    pub depth: u8,
}

/// One TCP segment that carries data or changes the connection (SYN, FIN, RST).
#[derive(Clone, Debug)]
pub struct TcpSegment<'a> {
    pub flow: Flow,
    pub seq: u32,
    pub flags: u8,
    pub data: &'a [u8],
}

pub const TCP_FIN: u8 = 0x01;
pub const TCP_SYN: u8 = 0x02;
pub const TCP_RST: u8 = 0x04;

/// A piece of a fragmented SCTP user message (DATA chunk without both B and E flags).
#[derive(Clone, Debug)]
pub struct SctpPiece<'a> {
    pub flow: Flow,
    pub stream: u16,
    pub tsn: u32,
    pub begin: bool,
    pub end: bool,
    pub data: &'a [u8],
}

/// The RTP header fields the stream analysis needs, read on the decoding worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RtpHeader {
    pub seq: u16,
    pub timestamp: u32,
    pub ssrc: u32,
    pub payload_type: u8,
    pub marker: bool,
    /// Where the payload starts in the datagram, and its length without padding.
    pub payload_offset: u16,
    pub payload_len: u16,
    /// [`Flow::stream_hash`] of the datagram's flow and this SSRC.
    pub stream_hash: u64,
}

impl RtpHeader {
    /// Reads the header with rtp-rs; `None` if the datagram is not RTP after all.
    pub fn read(data: &[u8], flow: &Flow) -> Option<RtpHeader> {
        let r = rtp_rs::RtpReader::new(data).ok()?;
        let offset = r.payload_offset();
        let padding = usize::from(r.padding().unwrap_or(0));
        let len = data.len().checked_sub(offset)?.checked_sub(padding)?;
        Some(RtpHeader {
            seq: r.sequence_number().into(),
            timestamp: r.timestamp(),
            ssrc: r.ssrc(),
            payload_type: r.payload_type(),
            marker: r.mark(),
            payload_offset: u16::try_from(offset).ok()?,
            payload_len: u16::try_from(len).ok()?,
            stream_hash: flow.stream_hash(r.ssrc()),
        })
    }
}

/// What kind of media datagram a [`MediaPacket`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaKind {
    Rtp(RtpHeader),
    Rtcp,
    /// ICE connectivity checks on a media path.
    Stun,
    /// A DTLS-SRTP handshake (or DTLS data, e.g. WebRTC data channels).
    Dtls,
    Zrtp,
    /// A datagram between unprivileged ports that no shape test claimed; the media stage
    /// reads it as T.38 UDPTL where an SDP offered T.38.
    Unclassified,
}

/// A datagram of a media path (RTP, RTCP and their companions), handed to the media stage in
/// capture order.
#[derive(Clone, Copy, Debug)]
pub struct MediaPacket<'a> {
    pub frame: u64,
    pub ts_ns: i64,
    pub flow: Flow,
    pub kind: MediaKind,
    /// The whole UDP payload.
    pub data: &'a [u8],
}

impl MediaPacket<'_> {
    /// The RTP payload (empty for RTCP).
    pub fn payload(&self) -> &[u8] {
        match self.kind {
            MediaKind::Rtp(h) => {
                let start = usize::from(h.payload_offset);
                self.data
                    .get(start..start + usize::from(h.payload_len))
                    .unwrap_or(&[])
            }
            _ => &[],
        }
    }
}

#[derive(Clone, Debug)]
pub enum EventKind<'a> {
    /// RTP or RTCP by shape, on ports that are not well-known.
    Media {
        flow: Flow,
        kind: MediaKind,
        data: &'a [u8],
    },
    /// A whole SIP message in one datagram (UDP, or a complete SCTP DATA chunk).
    SipDatagram {
        flow: Flow,
        transport: SipTransport,
        data: &'a [u8],
        /// The frame was cut by the snap length inside this payload.
        cut: bool,
    },
    Fragment(FragmentPiece<'a>),
    Tcp(TcpSegment<'a>),
    Sctp(SctpPiece<'a>),
}

/// Something the in-order stage must see, in capture order.
#[derive(Clone, Debug)]
pub struct Event<'a> {
    pub frame: u64,
    pub ts_ns: i64,
    pub kind: EventKind<'a>,
}

/// A SIP message as the network delivered it, put back together from fragments, segments or
/// WebSocket frames where needed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SipMessage {
    /// The frame that completed the message (where Wireshark shows it).
    pub frame: u64,
    /// Every frame that carried a part of it, in capture order; inline up to two (a datagram
    /// has one, and was an allocation of its own for it).
    pub frames: smallvec::SmallVec<[u64; 2]>,
    pub ts_ns: i64,
    pub flow: Flow,
    pub transport: SipTransport,
    pub data: Vec<u8>,
    /// The message is incomplete (cut by the snap length, a gap, or the end of the capture).
    pub truncated: bool,
}

/// What the in-order stage counts beside the per-frame counters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamCounters {
    pub tls_records: u64,
    pub websocket_messages: u64,
    pub tcp_retransmissions: u64,
    pub tcp_gaps: u64,
    pub reassembled_datagrams: u64,
    pub sip_keepalives: u64,
}

/// Why a frame (or a packet inside a tunnel) carries nothing we analyze.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Undecoded {
    LinkType(LinkType),
    EtherType(EtherType),
    Llc,
    PppProtocol(PppProtocol),
    IpProtocol(IpProtocol),
    GreProtocol(EtherType),
    Truncated(&'static str),
    Malformed(&'static str),
    TunnelTooDeep,
}

impl Undecoded {
    /// The key used in the JSON `undecoded` object.
    pub fn label(self) -> String {
        match self {
            Undecoded::LinkType(LinkType(l)) => format!("link type {l}"),
            Undecoded::EtherType(EtherType::ARP) => "arp".into(),
            Undecoded::EtherType(EtherType::RARP) => "rarp".into(),
            Undecoded::EtherType(EtherType::LLDP) => "lldp".into(),
            Undecoded::EtherType(EtherType::PPPOE_DISCOVERY) => "pppoe discovery".into(),
            Undecoded::EtherType(EtherType::EAPOL) => "eapol".into(),
            Undecoded::EtherType(EtherType::SLOW_PROTOCOLS) => "slow protocols (lacp)".into(),
            Undecoded::EtherType(EtherType(e)) => format!("ethertype {e:#06x}"),
            Undecoded::Llc => "802.3 llc (stp, cdp, ...)".into(),
            Undecoded::PppProtocol(PppProtocol(p)) => format!("ppp protocol {p:#06x}"),
            Undecoded::IpProtocol(IpProtocol::ICMP) => "icmp".into(),
            Undecoded::IpProtocol(IpProtocol::IGMP) => "igmp".into(),
            Undecoded::IpProtocol(IpProtocol::ICMPV6) => "icmpv6".into(),
            Undecoded::IpProtocol(IpProtocol::ESP) => "esp".into(),
            Undecoded::IpProtocol(IpProtocol::OSPF) => "ospf".into(),
            Undecoded::IpProtocol(IpProtocol::VRRP) => "vrrp".into(),
            Undecoded::IpProtocol(IpProtocol(p)) => format!("ip protocol {p}"),
            Undecoded::GreProtocol(EtherType(p)) => format!("gre protocol {p:#06x}"),
            Undecoded::Truncated(layer) => format!("truncated {layer}"),
            Undecoded::Malformed(layer) => format!("malformed {layer}"),
            Undecoded::TunnelTooDeep => "tunnels nested too deep".into(),
        }
    }
}

/// Counts of what was seen; adding two gives the counts of both.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub frames: u64,
    pub bytes: u64,
    pub snaplen_cut_frames: u64,
    pub first_ts_ns: Option<i64>,
    pub last_ts_ns: Option<i64>,
    pub link_types: Vec<LinkType>,
    pub rtp_packets: u64,
    pub rtcp_packets: u64,
    pub stun_packets: u64,
    pub dtls_packets: u64,
    pub zrtp_packets: u64,
    /// TURN messages whose relayed data was analyzed (ChannelData, Send and Data indications).
    pub turn_packets: u64,
    /// HEP messages whose packet was analyzed.
    pub hep_packets: u64,
    pub sip_keepalives: u64,
    pub other_udp: u64,
    pub tcp_segments: u64,
    pub sctp_chunks: u64,
    pub ip_fragments: u64,
    pub undecoded: BTreeMap<Undecoded, u64>,
    /// Frames stamped earlier than the frame before them.
    pub time_backwards: u64,
    /// The first frame (number, time) these counters saw in capture order, and the time of
    /// the last: where one range's times meet the next.
    pub order_first: Option<(u64, i64)>,
    pub order_last_ts: Option<i64>,
}

impl Counters {
    pub fn undecoded(&mut self, why: Undecoded) {
        *self.undecoded.entry(why).or_insert(0) += 1;
    }

    pub fn see_time(&mut self, ts: i64) {
        self.first_ts_ns = Some(self.first_ts_ns.map_or(ts, |f| f.min(ts)));
        self.last_ts_ns = Some(self.last_ts_ns.map_or(ts, |l| l.max(ts)));
    }

    pub fn add(&mut self, o: &Counters) {
        self.time_backwards += o.time_backwards;
        if o.order_last_ts.is_some() {
            self.order_first = self.order_first.or(o.order_first);
            self.order_last_ts = o.order_last_ts;
        }
        self.frames += o.frames;
        self.bytes += o.bytes;
        self.snaplen_cut_frames += o.snaplen_cut_frames;
        if let Some(t) = o.first_ts_ns {
            self.see_time(t);
        }
        if let Some(t) = o.last_ts_ns {
            self.see_time(t);
        }
        for l in &o.link_types {
            if !self.link_types.contains(l) {
                self.link_types.push(*l);
            }
        }
        self.rtp_packets += o.rtp_packets;
        self.rtcp_packets += o.rtcp_packets;
        self.stun_packets += o.stun_packets;
        self.dtls_packets += o.dtls_packets;
        self.zrtp_packets += o.zrtp_packets;
        self.turn_packets += o.turn_packets;
        self.hep_packets += o.hep_packets;
        self.sip_keepalives += o.sip_keepalives;
        self.other_udp += o.other_udp;
        self.tcp_segments += o.tcp_segments;
        self.sctp_chunks += o.sctp_chunks;
        self.ip_fragments += o.ip_fragments;
        for (k, v) in &o.undecoded {
            *self.undecoded.entry(*k).or_insert(0) += v;
        }
    }
}

/// What decoding one chunk (or one reassembled datagram) produced.
#[derive(Debug, Default)]
pub struct ChunkOut<'a> {
    pub counters: Counters,
    pub events: Vec<Event<'a>>,
    pub anomalies: Vec<Anomaly>,
}

impl<'a> ChunkOut<'a> {
    fn event(&mut self, ctx: FrameCtx, kind: EventKind<'a>) {
        self.events.push(Event {
            frame: ctx.frame,
            ts_ns: ctx.ts_ns,
            kind,
        });
    }
}

/// The anomaly of a frame stamped `back_ns` before the frame preceding it.
pub fn time_backwards(frame: u64, back_ns: i64) -> crate::anomaly::Anomaly {
    crate::anomaly::Anomaly::new(
        crate::anomaly::AnomalyKind::TimeBackwards,
        frame,
        crate::anomaly::Detail::TimeBackwards { back_ns },
    )
}

/// Decodes one frame into counters and events.
pub fn decode_frame<'a>(frame: &RawFrame<'a>, out: &mut ChunkOut<'a>) {
    let c = &mut out.counters;
    c.frames += 1;
    c.bytes += frame.data.len() as u64;
    if (frame.data.len() as u64) < u64::from(frame.orig_len) {
        c.snaplen_cut_frames += 1;
    }
    c.see_time(frame.ts_ns);
    match c.order_last_ts {
        Some(prev) if frame.ts_ns < prev => {
            c.time_backwards += 1;
            out.anomalies
                .push(time_backwards(frame.number, prev - frame.ts_ns));
        }
        Some(_) => {}
        None => out.counters.order_first = Some((frame.number, frame.ts_ns)),
    }
    let c = &mut out.counters;
    c.order_last_ts = Some(frame.ts_ns);
    if c.link_types.last() != Some(&frame.link) && !c.link_types.contains(&frame.link) {
        c.link_types.push(frame.link);
    }
    let ctx = FrameCtx {
        frame: frame.number,
        ts_ns: frame.ts_ns,
        depth: 0,
    };
    link::decode_link(frame.link, frame.data, ctx, out);
}
