//! Per-call capture export: every frame of one call (its SIP, retransmissions and the IP
//! fragments or TCP segments that carried it included, its RTP and RTCP, DTMF events, and the
//! STUN/DTLS on its media path) written to a new pcap or pcapng file with the original
//! timestamps and link types, in the container the input used.
//!
//! The analysis says which frames carried the call's SIP and which address pairs and times its
//! media used; a second pass over the capture decodes each frame again and keeps those.

use std::io::Write;
use std::net::SocketAddr;
use voipscope_wire::numbers::LinkType;

use rustc_hash::{FxHashMap, FxHashSet};

use voipscope_analysis::correlate::CallRecord;
use voipscope_analysis::Analysis;
use voipscope_wire::capture::records::{RawFrame, RecordIter};
use voipscope_wire::capture::{self, CaptureError, Container, FormatState};
use voipscope_wire::decode::SipTransport;
use voipscope_wire::decode::{self, ChunkOut, EventKind};

/// Media a little before the call's first message or after its last still belongs to it
/// (early media, packets in flight after the BYE).
const MEDIA_MARGIN_NS: i64 = 2_000_000_000;

/// What to keep from the capture for one call.
#[derive(Debug, Default)]
pub struct Selection {
    pub sip_frames: FxHashSet<u64>,
    /// Address pairs (either direction) of the call's RTP, RTCP and companion flows.
    pub media: FxHashSet<(SocketAddr, SocketAddr)>,
    /// TCP connections that carried the call's SIP: every segment of them up to the call's
    /// last message is kept, so the stream reassembles without gaps from its start (a
    /// WebSocket cannot be read without its HTTP upgrade); other SIP on the same connection
    /// before and during the call is then exported too.
    pub sip_connections: FxHashSet<(SocketAddr, SocketAddr)>,
    pub sip_end_ns: i64,
    pub start_ns: i64,
    pub end_ns: i64,
}

fn pair(a: SocketAddr, b: SocketAddr) -> (SocketAddr, SocketAddr) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

fn next_port(a: SocketAddr) -> SocketAddr {
    SocketAddr::new(a.ip(), a.port().wrapping_add(1))
}

/// Keeps the call asked for (by number or Call-ID) from records as they are finished.
#[derive(Debug)]
pub struct FindCall {
    wanted: crate::listing::Wanted,
    pub bundle: Option<voipscope_analysis::CallBundle>,
    pub calls: usize,
}

impl FindCall {
    pub fn new(wanted: crate::listing::Wanted) -> FindCall {
        FindCall {
            wanted,
            bundle: None,
            calls: 0,
        }
    }
}

impl voipscope_analysis::RecordSink for FindCall {
    fn record(&mut self, record: voipscope_analysis::Record) -> std::io::Result<()> {
        if let voipscope_analysis::Record::Call(b) = record {
            self.calls += 1;
            if self.bundle.is_none() && self.wanted.is(Some(b.call.number), Some(&b.call.call_id)) {
                self.bundle = Some(*b);
            }
        }
        Ok(())
    }

    fn finish(&mut self, _: voipscope_analysis::Summary) -> std::io::Result<()> {
        Ok(())
    }
}

/// The frames and media paths of a call with its streams and flows.
pub fn select_bundle(b: &voipscope_analysis::CallBundle) -> Selection {
    let streams: Vec<&voipscope_rtp::RtpStream> = b.streams.iter().collect();
    let flows: Vec<&voipscope_rtp::flows::MediaFlow> = b.flows.iter().collect();
    selection(&b.call, &streams, &flows)
}

/// The frames and media paths of `call` in an analysis held in memory.
pub fn select(a: &Analysis, call: &CallRecord) -> Selection {
    let streams: Vec<&voipscope_rtp::RtpStream> = call
        .media
        .streams
        .iter()
        .filter_map(|&n| n.checked_sub(1).and_then(|i| a.streams.get(i)))
        .collect();
    let flows: Vec<&voipscope_rtp::flows::MediaFlow> = call
        .media
        .flows
        .iter()
        .filter_map(|&n| n.checked_sub(1).and_then(|i| a.media_flows.get(i)))
        .collect();
    selection(call, &streams, &flows)
}

fn selection(
    call: &CallRecord,
    streams: &[&voipscope_rtp::RtpStream],
    flows: &[&voipscope_rtp::flows::MediaFlow],
) -> Selection {
    let mut sel = Selection {
        start_ns: call.start_ns - MEDIA_MARGIN_NS,
        end_ns: call.end_ns + MEDIA_MARGIN_NS,
        ..Default::default()
    };
    sel.sip_end_ns = i64::MIN;
    for m in &call.messages {
        sel.sip_frames.insert(m.frame);
        sel.sip_frames.extend(m.frames.iter().copied());
        if !matches!(m.transport, SipTransport::Udp | SipTransport::Sctp) {
            sel.sip_connections.insert(pair(m.src, m.dst));
            sel.sip_end_ns = sel.sip_end_ns.max(m.ts_ns);
        }
    }
    for s in streams {
        sel.media.insert(pair(s.src, s.dst));
        // RTCP on the next port up (RFC 3550), unless it is multiplexed on the same ports
        sel.media.insert(pair(next_port(s.src), next_port(s.dst)));
        sel.end_ns = sel.end_ns.max(s.end_ns + MEDIA_MARGIN_NS);
        sel.start_ns = sel.start_ns.min(s.start_ns - MEDIA_MARGIN_NS);
    }
    for f in flows {
        sel.media.insert(pair(f.src, f.dst));
    }
    sel
}

/// Whether a decoded frame belongs to the selection.
fn wanted(sel: &Selection, frame: &RawFrame<'_>) -> bool {
    if sel.sip_frames.contains(&frame.number) {
        return true;
    }
    let in_media_time = (sel.start_ns..=sel.end_ns).contains(&frame.ts_ns);
    let in_sip_time =
        !sel.sip_connections.is_empty() && frame.ts_ns <= sel.sip_end_ns + MEDIA_MARGIN_NS;
    if !in_media_time && !in_sip_time {
        return false;
    }
    let mut out = ChunkOut {
        counters: Default::default(),
        events: Vec::new(),
        anomalies: Vec::new(),
    };
    decode::decode_frame(frame, &mut out);
    out.events.iter().any(|e| match &e.kind {
        EventKind::Media { flow, .. } => {
            in_media_time && sel.media.contains(&pair(flow.src, flow.dst))
        }
        EventKind::Tcp(seg) => {
            in_sip_time
                && sel
                    .sip_connections
                    .contains(&pair(seg.flow.src, seg.flow.dst))
        }
        _ => false,
    })
}

/// A kept frame, copied out of the capture.
struct Kept {
    ts_ns: i64,
    link: LinkType,
    orig_len: u32,
    data: Vec<u8>,
}

/// Calls `each` with every frame of the capture at `path`, in order; gzip is read as a stream.
pub(crate) fn for_each_frame(
    path: &str,
    each: &mut dyn FnMut(&RawFrame<'_>),
) -> Result<FormatState, CaptureError> {
    match capture::open::open_input(path)? {
        capture::open::Input::Empty => Err(CaptureError::Empty(path.to_string())),
        capture::open::Input::Mapped(map) => {
            let (state, header_len) = capture::read_file_header(path, &map)?;
            let first = state.clone();
            let mut it = RecordIter::new(&map, header_len, map.len(), true, state, 1);
            for f in it.by_ref() {
                each(&f);
            }
            Ok(first)
        }
        capture::open::Input::Stream { mut reader, .. } => {
            let mut buf = Vec::new();
            voipscope_wire::capture::open::read_full(reader.as_mut(), &mut buf, 64, path)?;
            let (state, header_len) = capture::read_file_header(path, &buf)?;
            let first = state.clone();
            let (mut pos, mut state, mut next) = (header_len, state, 1u64);
            let mut want = 8 << 20;
            loop {
                let eof = voipscope_wire::capture::open::read_full(
                    reader.as_mut(),
                    &mut buf,
                    want,
                    path,
                )?;
                let from = pos;
                let mut it = RecordIter::new(&buf, pos, buf.len(), eof, state, next);
                for f in it.by_ref() {
                    each(&f);
                }
                (pos, state, next) = (it.position(), it.state().clone(), it.next_frame());
                if eof {
                    break;
                }
                if pos == from && buf.len() >= want {
                    want = want
                        .saturating_mul(2)
                        .min(4 * capture::MAX_PCAPNG_BLOCK as usize);
                }
                buf.drain(..pos);
                pos = 0;
            }
            Ok(first)
        }
    }
}

/// What an export wrote.
#[derive(Debug, PartialEq, Eq)]
pub struct Exported {
    pub frames: u64,
    pub container: Container,
}

/// Writes the frames of `sel` from the capture at `path` to `out`, as pcap or pcapng like the
/// input.
pub fn export<W: Write>(path: &str, sel: &Selection, out: W) -> Result<Exported, ExportError> {
    let mut kept: Vec<Kept> = Vec::new();
    let first = for_each_frame(path, &mut |f| {
        if wanted(sel, f) {
            kept.push(Kept {
                ts_ns: f.ts_ns,
                link: f.link,
                orig_len: f.orig_len,
                data: f.data.to_vec(),
            });
        }
    })?;
    let container = first.container();
    match first {
        FormatState::Pcap {
            nanos,
            snaplen,
            link,
            ..
        } => write_pcap(out, &kept, link, nanos, snaplen)?,
        FormatState::PcapNg { .. } => write_pcapng(out, &kept)?,
    }
    Ok(Exported {
        frames: kept.len() as u64,
        container,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Capture(#[from] CaptureError),
    #[error("cannot write the export: {0}")]
    Write(#[from] std::io::Error),
}

fn write_pcap<W: Write>(
    mut w: W,
    frames: &[Kept],
    link: LinkType,
    nanos: bool,
    snaplen: u32,
) -> std::io::Result<()> {
    voipscope_wire::capture::write::pcap_header(&mut w, link.0, nanos, snaplen)?;
    for f in frames {
        voipscope_wire::capture::write::pcap_record(&mut w, f.ts_ns, nanos, &f.data, f.orig_len)?;
    }
    w.flush()
}

fn block<W: Write>(w: &mut W, kind: u32, body: &[u8]) -> std::io::Result<()> {
    let pad = (4 - body.len() % 4) % 4;
    let len = (12 + body.len() + pad) as u32;
    w.write_all(&kind.to_le_bytes())?;
    w.write_all(&len.to_le_bytes())?;
    w.write_all(body)?;
    w.write_all(&[0u8; 3][..pad])?;
    w.write_all(&len.to_le_bytes())
}

/// pcapng with one interface per link type, timestamps in nanoseconds (`if_tsresol` 9).
fn write_pcapng<W: Write>(mut w: W, frames: &[Kept]) -> std::io::Result<()> {
    let mut shb = Vec::new();
    shb.extend(0x1a2b_3c4du32.to_le_bytes());
    shb.extend(1u16.to_le_bytes());
    shb.extend(0u16.to_le_bytes());
    shb.extend((-1i64).to_le_bytes());
    block(&mut w, 0x0A0D_0D0A, &shb)?;
    let mut interfaces: FxHashMap<LinkType, u32> = FxHashMap::default();
    let mut order: Vec<LinkType> = Vec::new();
    for f in frames {
        if let std::collections::hash_map::Entry::Vacant(e) = interfaces.entry(f.link) {
            e.insert(order.len() as u32);
            order.push(f.link);
        }
    }
    for link in &order {
        let mut idb = Vec::new();
        idb.extend(link.0.to_le_bytes());
        idb.extend(0u16.to_le_bytes());
        idb.extend(0u32.to_le_bytes()); // snaplen: no limit
                                        // if_tsresol = 9 (nanoseconds), then opt_endofopt
        idb.extend(9u16.to_le_bytes());
        idb.extend(1u16.to_le_bytes());
        idb.extend([9u8, 0, 0, 0]);
        idb.extend([0u8; 4]);
        block(&mut w, 1, &idb)?;
    }
    for f in frames {
        let ts = f.ts_ns as u64;
        let mut epb = Vec::with_capacity(20 + f.data.len());
        epb.extend(interfaces[&f.link].to_le_bytes());
        epb.extend(((ts >> 32) as u32).to_le_bytes());
        epb.extend((ts as u32).to_le_bytes());
        epb.extend((f.data.len() as u32).to_le_bytes());
        epb.extend(f.orig_len.max(f.data.len() as u32).to_le_bytes());
        epb.extend(&f.data);
        let pad = (4 - f.data.len() % 4) % 4;
        epb.extend(&[0u8; 3][..pad]);
        block(&mut w, 6, &epb)?;
    }
    w.flush()
}
