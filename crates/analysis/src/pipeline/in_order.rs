//! The in-order stage: everything that needs state across frames, fed each decoded range's
//! events in capture order. It puts fragments, TCP and SCTP back together, frames SIP out of
//! datagrams and streams, and hands SIP messages and media packets to the sink.

use std::collections::BTreeMap;

use voipscope_reasm::fragments::{FragmentTable, Reassembled};
use voipscope_reasm::sctp::SctpTable;
use voipscope_reasm::sip_frame::datagram;

use super::Sink;
use voipscope_reasm::tcp::{StreamOutput, TcpTable};
use voipscope_sip::Preread;
use voipscope_wire::anomaly::{Anomaly, AnomalyKind, AnomalyLog, Detail};
use voipscope_wire::decode::ip::decode_transport;
use voipscope_wire::decode::{
    self, ChunkOut, Counters, Event, EventKind, FrameCtx, MediaPacket, SipMessage, StreamCounters,
};
use voipscope_wire::numbers::IpProtocol;

/// The in-order stage: everything that needs state across frames.
pub(super) struct InOrder<'s> {
    pub(super) frags: FragmentTable,
    pub(super) tcp: TcpTable,
    pub(super) sctp: SctpTable,
    pub(super) out: StreamOutput,
    pub(super) counters: Counters,
    pub(super) anomalies: AnomalyLog,
    pub(super) sip_messages: u64,
    pub(super) sip_by_transport: BTreeMap<decode::SipTransport, u64>,
    pub(super) last_frame: u64,
    /// Where the walked buffer starts in the input (streamed input is walked in pieces), so
    /// anomalies name positions in the file.
    pub(super) byte_base: u64,
    pub(super) sink: &'s mut dyn Sink,
}

impl InOrder<'_> {
    fn deliver(&mut self) {
        self.anomalies.extend(self.out.anomalies.drain(..));
        for m in self.out.messages.drain(..) {
            self.sip_messages += 1;
            *self.sip_by_transport.entry(m.transport).or_insert(0) += 1;
            self.sink.sip(m, None);
        }
        if !self.out.relayed.is_empty() {
            for r in std::mem::take(&mut self.out.relayed) {
                self.relayed(r);
            }
        }
    }

    /// What a TURN relay carried on a TCP stream, decoded as the datagram it stands for.
    fn relayed(&mut self, r: voipscope_reasm::tcp::RelayedData) {
        let mut sub = ChunkOut::default();
        let ctx = FrameCtx {
            frame: r.frame,
            ts_ns: r.ts_ns,
            depth: 0,
        };
        decode::ip::turn_relayed(r.flow, &r.data, ctx, &mut sub);
        self.counters.add(&sub.counters);
        self.anomalies.extend(sub.anomalies);
        for ev in sub.events {
            self.event(ev.frame, ev.ts_ns, &ev.kind, None);
        }
    }

    /// A datagram's message, framed and read by the worker that decoded it (which numbered
    /// its frame from the range's start).
    fn preread_sip(&mut self, frame: u64, mut m: SipMessage, mut preread: Preread, cut: bool) {
        m.frame = frame;
        m.frames = smallvec::smallvec![frame];
        preread.renumber(frame);
        if let Some(a) = truncation_anomaly(&m, cut) {
            self.out.anomalies.push(a);
        }
        self.sip_messages += 1;
        *self.sip_by_transport.entry(m.transport).or_insert(0) += 1;
        self.sink.sip(m, Some(preread));
        self.deliver();
    }

    /// Takes one chunk's results; its frames were numbered from 1 and follow `frame_base`.
    /// Gives back the emptied event vector for reuse.
    /// `sip`: the chunk's SIP datagrams, framed and read by the worker, in order.
    pub(super) fn consume<'a>(
        &mut self,
        mut chunk: ChunkOut<'a>,
        frame_base: u64,
        sip: Vec<(SipMessage, Preread)>,
    ) -> Vec<decode::Event<'a>> {
        let mut sip = sip.into_iter();
        if self.counters.order_first.is_none() {
            if let Some((_, ts)) = chunk.counters.order_first {
                self.sink.first_frame(ts);
            }
        }
        // where this range's first frame meets the previous range's last
        if let (Some(prev), Some((frame, ts))) =
            (self.counters.order_last_ts, chunk.counters.order_first)
        {
            if ts < prev {
                self.counters.time_backwards += 1;
                self.anomalies
                    .extend([decode::time_backwards(frame + frame_base, prev - ts)]);
            }
        }
        self.counters.add(&chunk.counters);
        let byte_base = self.byte_base;
        self.anomalies
            .extend(chunk.anomalies.into_iter().map(|mut a| {
                a.frame += frame_base;
                a.detail.shift_file_offset(byte_base);
                a
            }));
        let distances = self.sink.lookahead();
        for i in 0..chunk.events.len() {
            for &ahead in distances {
                if let Some(Event {
                    kind: EventKind::Media { kind, .. },
                    ..
                }) = chunk.events.get(i + ahead as usize)
                {
                    self.sink.upcoming_media(kind, ahead);
                }
            }
            let ev = &chunk.events[i];
            let frame = ev.frame + frame_base;
            self.last_frame = frame;
            if let EventKind::SipDatagram { cut, .. } = ev.kind {
                if let Some((m, preread)) = sip.next() {
                    self.preread_sip(frame, m, preread, cut);
                    continue;
                }
            }
            self.event(frame, ev.ts_ns, &ev.kind, None);
        }
        chunk.events.clear();
        chunk.events
    }

    /// `carried_by`: the frames of a reassembled datagram the event came from.
    fn event(&mut self, frame: u64, ts: i64, kind: &EventKind<'_>, carried_by: Option<&[u64]>) {
        match kind {
            EventKind::Media { flow, kind, data } => {
                self.sink.media(&MediaPacket {
                    frame,
                    ts_ns: ts,
                    flow: *flow,
                    kind: *kind,
                    data,
                });
                return;
            }
            EventKind::SipDatagram {
                flow,
                transport,
                data,
                cut,
            } => {
                let m = datagram(frame, ts, *flow, *transport, data, *cut, carried_by);
                if let Some(a) = truncation_anomaly(&m, *cut) {
                    self.out.anomalies.push(a);
                }
                self.out.messages.push(m);
            }
            EventKind::Fragment(piece) => {
                if let Some(r) = self.frags.add(piece, frame, ts, &mut self.out.anomalies) {
                    self.out.counters.reassembled_datagrams += 1;
                    self.reassembled(r, frame, ts);
                }
            }
            EventKind::Tcp(seg) => self.tcp.segment(seg, frame, ts, &mut self.out),
            EventKind::Sctp(piece) => self.sctp.piece(piece, frame, ts, &mut self.out),
        }
        self.deliver();
    }

    fn reassembled(&mut self, r: Reassembled, frame: u64, ts: i64) {
        let mut sub = ChunkOut::default();
        let ctx = FrameCtx {
            frame,
            ts_ns: ts,
            depth: r.depth,
        };
        let (protocol, data) = skip_ipv6_extensions(r.protocol, &r.data);
        decode_transport(protocol, r.src, r.dst, data, false, ctx, &mut sub);
        self.counters.add(&sub.counters);
        self.anomalies.extend(sub.anomalies);
        for ev in sub.events {
            self.event(ev.frame, ev.ts_ns, &ev.kind, Some(&r.frames));
        }
    }

    pub(super) fn finish(
        mut self,
    ) -> (
        Counters,
        StreamCounters,
        u64,
        BTreeMap<decode::SipTransport, u64>,
        AnomalyLog,
    ) {
        self.frags.finish(&mut self.out.anomalies);
        self.tcp.finish(self.last_frame, &mut self.out);
        self.sctp.finish(&mut self.out);
        self.deliver();
        self.out.counters.sip_keepalives += self.counters.sip_keepalives;
        (
            self.counters,
            self.out.counters,
            self.sip_messages,
            self.sip_by_transport,
            self.anomalies,
        )
    }
}

/// What to report of a datagram's message cut short (`cut`: by the snap length).
fn truncation_anomaly(m: &SipMessage, cut: bool) -> Option<Anomaly> {
    m.truncated.then(|| {
        Anomaly::new(
            AnomalyKind::SipTruncated,
            m.frame,
            Detail::SipDatagramCut {
                flow: m.flow,
                by_snap_length: cut,
            },
        )
    })
}

/// The fragmentable part of an IPv6 datagram may start with more extension headers.
fn skip_ipv6_extensions(mut protocol: IpProtocol, mut data: &[u8]) -> (IpProtocol, &[u8]) {
    for _ in 0..8 {
        if !matches!(
            protocol,
            IpProtocol::IPV6_HOP_BY_HOP | IpProtocol::IPV6_ROUTING | IpProtocol::IPV6_DEST_OPTIONS
        ) {
            break;
        }
        let (Some(&next), Some(&units)) = (data.first(), data.get(1)) else {
            break;
        };
        let len = (usize::from(units) + 1) * 8;
        let Some(rest) = data.get(len..) else { break };
        protocol = IpProtocol(next);
        data = rest;
    }
    (protocol, data)
}
