//! Datagrams on media paths that are neither RTP nor RTCP: ICE connectivity checks (STUN),
//! DTLS-SRTP handshakes, ZRTP key agreement and T.38 fax over UDPTL. They are counted per
//! flow, so a call can show them and encrypted media can be explained without an SDP.
//!
//! STUN, DTLS and ZRTP are recognised by their headers wherever they appear. UDPTL has no
//! header a shape test could trust, so it is only counted on an endpoint an SDP offered for
//! T.38 (`m=image ... udptl t38`).

use std::net::SocketAddr;

use rustc_hash::FxHashMap;
use serde::Serialize;

use voipscope_sdp::plan::MediaPlan;
use voipscope_wire::decode::{Flow, MediaKind, MediaPacket};

/// Live flows at most; packets of further flows are counted in
/// [`FlowTable::dropped_packets`].
pub const MAX_FLOWS: usize = 100_000;

/// What a non-RTP media flow carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlowKind {
    Stun,
    Dtls,
    Zrtp,
    T38Udptl,
}

/// One direction of non-RTP media between two endpoints.
#[derive(Clone, Debug, PartialEq)]
pub struct MediaFlow {
    /// 1-based, in order of the first packet.
    pub number: usize,
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub kind: FlowKind,
    pub packets: u64,
    pub bytes: u64,
    pub first_frame: u64,
    pub last_frame: u64,
    pub start_ns: i64,
    pub end_ns: i64,
    /// The call it is tied to (set by `correlate`).
    pub call_id: Option<String>,
    pub call_number: Option<usize>,
}

#[derive(Clone, Debug)]
struct FlowState {
    number: usize,
    flow: Flow,
    kind: FlowKind,
    packets: u64,
    bytes: u64,
    first_frame: u64,
    last_frame: u64,
    first_ns: i64,
    last_ns: i64,
}

/// The live non-RTP media flows of a capture, fed in capture order; flows leave when the
/// analysis retires them ([`FlowTable::retire`]).
#[derive(Debug, Default)]
pub struct FlowTable {
    index: FxHashMap<(Flow, FlowKind), u32>,
    flows: Vec<FlowState>,
    meta: Vec<super::streams::StreamMeta>,
    numbered: usize,
    pub dropped_packets: u64,
}

/// True if `p` reads as a UDPTL packet (ITU-T T.38 annex A): a sequence number, then the
/// primary IFP packet as a length-prefixed field that fits in what is left.
pub fn looks_like_udptl(p: &[u8]) -> bool {
    let Some(&len0) = p.get(2) else {
        return false;
    };
    let (len, at) = if len0 & 0x80 == 0 {
        (usize::from(len0), 3)
    } else if len0 & 0xC0 == 0x80 {
        match p.get(3) {
            Some(&len1) => (usize::from(len0 & 0x3F) << 8 | usize::from(len1), 4),
            None => return false,
        }
    } else {
        return false;
    };
    len > 0 && at + len <= p.len()
}

impl FlowTable {
    /// One datagram the decoders did not read as RTP or RTCP; `active` is the analysis'
    /// activity clock.
    pub fn push(&mut self, p: &MediaPacket<'_>, plan: &MediaPlan, active: i64) {
        let kind = match p.kind {
            MediaKind::Stun => FlowKind::Stun,
            MediaKind::Dtls => FlowKind::Dtls,
            MediaKind::Zrtp => FlowKind::Zrtp,
            MediaKind::Unclassified => {
                let t38 = plan
                    .for_flow(&p.flow.src, &p.flow.dst)
                    .is_some_and(|e| e.udptl);
                if !(t38 && looks_like_udptl(p.data)) {
                    return;
                }
                FlowKind::T38Udptl
            }
            MediaKind::Rtp(_) | MediaKind::Rtcp => return,
        };
        let key = (p.flow, kind);
        let idx = match self.index.get(&key) {
            Some(&i) => i as usize,
            None => {
                if self.flows.len() >= MAX_FLOWS {
                    self.dropped_packets += 1;
                    return;
                }
                self.index.insert(key, self.flows.len() as u32);
                self.numbered += 1;
                self.meta.push(super::streams::StreamMeta {
                    last_active: active,
                    owner: 0,
                    fresh: true,
                    to_number: false,
                });
                self.flows.push(FlowState {
                    number: self.numbered,
                    flow: p.flow,
                    kind,
                    packets: 0,
                    bytes: 0,
                    first_frame: p.frame,
                    last_frame: p.frame,
                    first_ns: p.ts_ns,
                    last_ns: p.ts_ns,
                });
                self.flows.len() - 1
            }
        };
        self.meta[idx].last_active = active;
        let f = &mut self.flows[idx];
        f.packets += 1;
        f.bytes += p.data.len() as u64;
        f.last_frame = p.frame;
        f.last_ns = f.last_ns.max(p.ts_ns);
    }

    /// What the analysis keeps of each live flow, by position.
    pub fn metas(&self) -> &[super::streams::StreamMeta] {
        &self.meta
    }

    pub fn meta_mut(&mut self, pos: usize) -> &mut super::streams::StreamMeta {
        &mut self.meta[pos]
    }

    /// The addresses and first packet time of the live flow at `pos`.
    pub fn flow_of(&self, pos: usize) -> (Flow, i64) {
        (self.flows[pos].flow, self.flows[pos].first_ns)
    }

    pub fn len(&self) -> usize {
        self.flows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }

    /// Takes the flow at `pos` out of the table. The last flow moves to `pos`, so retire
    /// several from the highest position down.
    pub fn retire(&mut self, pos: usize) -> MediaFlow {
        let last = self.flows.len() - 1;
        let f = self.flows.swap_remove(pos);
        self.meta.swap_remove(pos);
        self.index.remove(&(f.flow, f.kind));
        if pos != last {
            let moved = &self.flows[pos];
            self.index.insert((moved.flow, moved.kind), pos as u32);
        }
        MediaFlow {
            number: f.number,
            src: f.flow.src,
            dst: f.flow.dst,
            kind: f.kind,
            packets: f.packets,
            bytes: f.bytes,
            first_frame: f.first_frame,
            last_frame: f.last_frame,
            start_ns: f.first_ns,
            end_ns: f.last_ns,
            call_id: None,
            call_number: None,
        }
    }

    /// Retires every live flow, in order of their first packet.
    pub fn finish(mut self) -> Vec<MediaFlow> {
        let mut flows: Vec<MediaFlow> = (0..self.flows.len())
            .rev()
            .map(|pos| self.retire(pos))
            .collect();
        flows.sort_by_key(|f| f.number);
        flows
    }
}

/// Marks as SRTP the streams whose two addresses also carried a DTLS or ZRTP handshake (in
/// either direction): keys negotiated on the media path itself leave no trace in the SDP of a
/// capture that misses it, or of WebRTC gateways that keep it apart.
pub fn mark_encrypted(flows: &[MediaFlow], streams: &mut [super::RtpStream]) {
    use super::streams::Encryption;
    let mut handshakes: FxHashMap<(SocketAddr, SocketAddr), Encryption> = FxHashMap::default();
    for f in flows {
        let evidence = match f.kind {
            FlowKind::Dtls => Encryption::Dtls,
            FlowKind::Zrtp => Encryption::Zrtp,
            _ => continue,
        };
        let pair = if f.src <= f.dst {
            (f.src, f.dst)
        } else {
            (f.dst, f.src)
        };
        handshakes.entry(pair).or_insert(evidence);
    }
    if handshakes.is_empty() {
        return;
    }
    for s in streams.iter_mut().filter(|s| !s.encrypted) {
        let pair = if s.src <= s.dst {
            (s.src, s.dst)
        } else {
            (s.dst, s.src)
        };
        if let Some(&evidence) = handshakes.get(&pair) {
            s.encrypted = true;
            s.encryption_evidence = Some(evidence);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use voipscope_sdp as sdp;

    fn packet(kind: MediaKind, data: &[u8], frame: u64) -> MediaPacket<'_> {
        MediaPacket {
            frame,
            ts_ns: frame as i64 * 20_000_000,
            flow: Flow {
                src: "10.0.0.1:4000".parse().unwrap(),
                dst: "10.0.0.2:6000".parse().unwrap(),
            },
            kind,
            data,
        }
    }

    /// T30_INDICATOR "no-signal" as a real gateway sends it: seq 0, length 1, IFP 0x00.
    const UDPTL_NO_SIGNAL: &[u8] = &[0x00, 0x00, 0x01, 0x00, 0x00, 0x00];

    #[test]
    fn udptl_counts_only_where_sdp_offered_t38() {
        let mut table = FlowTable::default();
        let plan = MediaPlan::default();
        table.push(
            &packet(MediaKind::Unclassified, UDPTL_NO_SIGNAL, 1),
            &plan,
            0,
        );
        assert!(table.flows.is_empty(), "no SDP named the endpoint");

        let mut plan = MediaPlan::default();
        let offer = sdp::parse(
            b"v=0\r\nc=IN IP4 10.0.0.2\r\nm=image 6000 udptl t38\r\na=T38FaxVersion:0\r\n",
        )
        .unwrap();
        plan.learn(&offer, 0);
        table.push(
            &packet(MediaKind::Unclassified, UDPTL_NO_SIGNAL, 2),
            &plan,
            0,
        );
        table.push(
            &packet(MediaKind::Unclassified, &[0x00, 0x01, 0x7F], 3),
            &plan,
            0,
        );
        let flows = table.finish();
        assert_eq!(flows.len(), 1);
        assert_eq!((flows[0].kind, flows[0].packets), (FlowKind::T38Udptl, 1));
        assert_eq!(flows[0].first_frame, 2);
    }

    #[test]
    fn stun_and_dtls_are_counted_per_direction() {
        let mut table = FlowTable::default();
        let plan = MediaPlan::default();
        for frame in 1..=3 {
            table.push(&packet(MediaKind::Stun, &[0; 20], frame), &plan, 0);
        }
        table.push(&packet(MediaKind::Dtls, &[22; 13], 4), &plan, 0);
        let flows = table.finish();
        assert_eq!(flows.len(), 2);
        assert_eq!((flows[0].kind, flows[0].packets), (FlowKind::Stun, 3));
        assert_eq!((flows[0].first_frame, flows[0].last_frame), (1, 3));
        assert_eq!(flows[1].kind, FlowKind::Dtls);
    }

    #[test]
    fn udptl_shape() {
        assert!(looks_like_udptl(UDPTL_NO_SIGNAL));
        assert!(looks_like_udptl(&[0, 9, 0x80, 2, 0xC0, 0x01]));
        assert!(!looks_like_udptl(&[0, 9, 0x80, 9, 0xC0]));
        assert!(!looks_like_udptl(&[0, 9, 0x00]));
        assert!(!looks_like_udptl(&[0, 9]));
    }
}
