//! TCP byte streams per direction, in capture order: reordering, retransmissions and overlaps
//! resolved by sequence number, gaps reported, and the bytes handed on in order. What a stream
//! carries is recognised in [`sniff`] (SIP, SIP over WebSocket, TLS records, TURN, other) and
//! cut into SIP messages (or, for TURN, the data it relays) by the [`framers`].
//!
//! Every buffer has a cap: out-of-order data per direction, the partial message per direction,
//! and the number of directions tracked. Reaching one is an anomaly, never unbounded memory.

mod framers;
mod sniff;

use std::collections::{HashMap, VecDeque};

use voipscope_wire::anomaly::{Anomaly, AnomalyKind, Detail};
use voipscope_wire::decode::{
    Flow, SipMessage, StreamCounters, TcpSegment, TCP_FIN, TCP_RST, TCP_SYN,
};

/// Directions tracked at once; idle ones are dropped first when this is reached.
pub const MAX_TCP_DIRECTIONS: usize = 65_536;
/// Out-of-order bytes held per direction before the missing bytes are declared lost.
pub const MAX_OUT_OF_ORDER_BYTES: usize = 1024 * 1024;
/// Out-of-order segments held per direction before the missing bytes are declared lost.
pub const MAX_OUT_OF_ORDER_SEGMENTS: usize = 256;
/// Largest SIP message (or WebSocket message) accepted on a stream.
pub const MAX_SIP_MESSAGE_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Unknown,
    Sip,
    /// SIP that lost its framing (gap, oversized message): skip to the next start line.
    SipResync,
    WebSocket,
    Tls,
    /// TURN over TCP (RFC 8656): STUN messages and ChannelData, back to back.
    Turn,
    Other,
}

/// Bytes received in order and not yet consumed, with the frames that brought them.
#[derive(Default)]
struct StreamBuf {
    data: Vec<u8>,
    head: usize,
    /// Stream offset of `data[head]`.
    pos: u64,
    /// (stream offset just past the segment, frame, time) of each segment still in `data`.
    segs: VecDeque<(u64, u64, i64)>,
}

impl StreamBuf {
    fn bytes(&self) -> &[u8] {
        &self.data[self.head..]
    }

    fn push(&mut self, bytes: &[u8], frame: u64, ts: i64) {
        if self.head > 0 && self.head >= self.data.len() / 2 {
            self.data.drain(..self.head);
            self.head = 0;
        }
        self.data.extend_from_slice(bytes);
        let end = self.pos + self.bytes().len() as u64;
        self.segs.push_back((end, frame, ts));
    }

    /// The frames that carried the next `len` bytes, and the time of the last.
    fn frames_of(&self, len: usize) -> (Vec<u64>, i64) {
        let end = self.pos + len as u64;
        let mut frames = Vec::new();
        let mut ts = 0;
        let mut start = self.pos;
        for &(seg_end, frame, t) in &self.segs {
            if seg_end > start && frames.last() != Some(&frame) {
                frames.push(frame);
            }
            ts = t;
            if seg_end >= end {
                break;
            }
            start = start.max(seg_end);
        }
        (frames, ts)
    }

    fn consume(&mut self, len: usize) {
        let len = len.min(self.bytes().len());
        self.head += len;
        self.pos += len as u64;
        while self
            .segs
            .front()
            .is_some_and(|(end, _, _)| *end <= self.pos)
        {
            self.segs.pop_front();
        }
        if self.head == self.data.len() {
            self.data.clear();
            self.head = 0;
        }
    }

    fn clear(&mut self) {
        let rest = self.bytes().len();
        self.consume(rest);
    }
}

struct Direction {
    next_seq: Option<u32>,
    out_of_order: Vec<(u32, Vec<u8>, u64, i64)>,
    ooo_bytes: usize,
    mode: Mode,
    buf: StreamBuf,
    /// TLS: bytes of the current record still to skip, and a header split across segments.
    tls_skip: usize,
    tls_header: Vec<u8>,
    /// WebSocket: payload of a message whose frames are not all here yet, and where it began.
    ws_message: Vec<u8>,
    ws_frames: Vec<u64>,
    last_ts: i64,
}

impl Direction {
    fn new(ts: i64) -> Self {
        Direction {
            next_seq: None,
            out_of_order: Vec::new(),
            ooo_bytes: 0,
            mode: Mode::Unknown,
            buf: StreamBuf::default(),
            tls_skip: 0,
            tls_header: Vec::new(),
            ws_message: Vec::new(),
            ws_frames: Vec::new(),
            last_ts: ts,
        }
    }
}

/// Data a TURN relay carried on a TCP stream, to be read as a UDP payload of the stream's
/// addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelayedData {
    pub flow: Flow,
    /// The frame that completed the TURN message, and its time.
    pub frame: u64,
    pub ts_ns: i64,
    pub data: Vec<u8>,
}

/// What the stream stage produces as it goes.
#[derive(Default)]
pub struct StreamOutput {
    pub messages: Vec<SipMessage>,
    pub relayed: Vec<RelayedData>,
    pub anomalies: Vec<Anomaly>,
    pub counters: StreamCounters,
}

#[derive(Default)]
pub struct TcpTable {
    dirs: HashMap<Flow, Direction>,
}

fn seq_diff(a: u32, b: u32) -> i32 {
    a.wrapping_sub(b) as i32
}

impl TcpTable {
    /// Takes one segment in capture order.
    pub fn segment(&mut self, seg: &TcpSegment<'_>, frame: u64, ts: i64, out: &mut StreamOutput) {
        if !self.dirs.contains_key(&seg.flow) && self.dirs.len() >= MAX_TCP_DIRECTIONS {
            self.evict_idle(ts, out);
            if self.dirs.len() >= MAX_TCP_DIRECTIONS {
                out.anomalies.push(Anomaly::new(
                    AnomalyKind::TcpCapReached,
                    frame,
                    Detail::TcpDirectionsFull {
                        flow: seg.flow,
                        max: MAX_TCP_DIRECTIONS,
                    },
                ));
                return;
            }
        }
        let flow = seg.flow;
        let dir = self.dirs.entry(flow).or_insert_with(|| Direction::new(ts));
        dir.last_ts = ts;
        if seg.flags & TCP_SYN != 0 {
            let isn = seg.seq.wrapping_add(1);
            if dir.next_seq.is_some_and(|n| n != isn) {
                // a new connection on the same addresses: finish the old one first
                finish_direction(flow, dir, frame, out);
                *dir = Direction::new(ts);
            }
            dir.next_seq = Some(isn);
        }
        if !seg.data.is_empty() {
            let next = *dir.next_seq.get_or_insert(seg.seq);
            let d = seq_diff(seg.seq, next);
            if d == 0 {
                accept(flow, dir, seg.data, frame, ts, out);
                drain_in_order(flow, dir, out);
            } else if d < 0 {
                let overlap = d.unsigned_abs() as usize;
                if overlap >= seg.data.len() {
                    out.counters.tcp_retransmissions += 1;
                } else {
                    accept(flow, dir, &seg.data[overlap..], frame, ts, out);
                    drain_in_order(flow, dir, out);
                }
            } else {
                if !dir.out_of_order.iter().any(|(s, _, _, _)| *s == seg.seq) {
                    dir.ooo_bytes += seg.data.len();
                    dir.out_of_order
                        .push((seg.seq, seg.data.to_vec(), frame, ts));
                }
                if dir.ooo_bytes > MAX_OUT_OF_ORDER_BYTES
                    || dir.out_of_order.len() > MAX_OUT_OF_ORDER_SEGMENTS
                {
                    skip_gap(flow, dir, out);
                }
            }
        }
        if seg.flags & (TCP_FIN | TCP_RST) != 0 {
            if let Some(mut dir) = self.dirs.remove(&flow) {
                finish_direction(flow, &mut dir, frame, out);
            }
        }
    }

    fn evict_idle(&mut self, now: i64, out: &mut StreamOutput) {
        let mut idle: Vec<(i64, Flow)> = self.dirs.iter().map(|(f, d)| (d.last_ts, *f)).collect();
        idle.sort();
        for (_, flow) in idle.into_iter().take(MAX_TCP_DIRECTIONS / 8) {
            if let Some(mut dir) = self.dirs.remove(&flow) {
                if now - dir.last_ts < 60_000_000_000 {
                    // still busy: keep it
                    self.dirs.insert(flow, dir);
                    continue;
                }
                finish_direction(flow, &mut dir, 0, out);
            }
        }
    }

    /// At the end of the capture: deliver what waits behind gaps and report partial messages.
    pub fn finish(&mut self, last_frame: u64, out: &mut StreamOutput) {
        let mut flows: Vec<Flow> = self.dirs.keys().copied().collect();
        flows.sort();
        for flow in flows {
            if let Some(mut dir) = self.dirs.remove(&flow) {
                finish_direction(flow, &mut dir, last_frame, out);
            }
        }
    }
}

fn finish_direction(flow: Flow, dir: &mut Direction, frame: u64, out: &mut StreamOutput) {
    while !dir.out_of_order.is_empty() {
        skip_gap(flow, dir, out);
    }
    if matches!(dir.mode, Mode::Sip | Mode::WebSocket) && !dir.buf.bytes().is_empty() {
        let rest = dir.buf.bytes();
        let only_crlf = rest.iter().all(|b| matches!(b, b'\r' | b'\n'));
        if !only_crlf {
            let (frames, _) = dir.buf.frames_of(rest.len());
            out.anomalies.push(Anomaly::new(
                AnomalyKind::SipTruncated,
                frames.first().copied().unwrap_or(frame),
                Detail::StreamEndedMidMessage {
                    flow,
                    bytes: rest.len(),
                },
            ));
        }
        dir.buf.clear();
    }
}

/// Declares the bytes before the lowest waiting segment lost and continues from there.
fn skip_gap(flow: Flow, dir: &mut Direction, out: &mut StreamOutput) {
    let Some(next) = dir.next_seq else { return };
    let Some(lowest) = dir
        .out_of_order
        .iter()
        .min_by_key(|(s, _, _, _)| seq_diff(*s, next))
        .map(|(s, _, f, _)| (*s, *f))
    else {
        return;
    };
    let missing = seq_diff(lowest.0, next);
    if missing > 0 {
        out.counters.tcp_gaps += 1;
        out.anomalies.push(Anomaly::new(
            AnomalyKind::TcpGap,
            lowest.1,
            Detail::TcpGap {
                flow,
                missing: missing.unsigned_abs(),
            },
        ));
        lose_sync(dir);
        dir.next_seq = Some(lowest.0);
    }
    drain_in_order(flow, dir, out);
}

/// After lost bytes, whatever was being framed cannot be trusted.
fn lose_sync(dir: &mut Direction) {
    dir.buf.clear();
    dir.ws_message.clear();
    dir.ws_frames.clear();
    dir.tls_header.clear();
    dir.tls_skip = 0;
    dir.mode = match dir.mode {
        Mode::Sip | Mode::SipResync => Mode::SipResync,
        Mode::Unknown => Mode::Unknown,
        // TLS, WebSocket and TURN resume at the next record, frame or message start we can
        // recognise
        Mode::Tls | Mode::WebSocket | Mode::Turn => Mode::Unknown,
        Mode::Other => Mode::Other,
    };
}

fn drain_in_order(flow: Flow, dir: &mut Direction, out: &mut StreamOutput) {
    loop {
        let Some(next) = dir.next_seq else { return };
        let Some(i) = dir.out_of_order.iter().position(|(s, d, _, _)| {
            seq_diff(*s, next) <= 0 && seq_diff(s.wrapping_add(d.len() as u32), next) > 0
                || seq_diff(*s, next) <= 0 && d.is_empty()
        }) else {
            // discard fully old segments
            let before = dir.out_of_order.len();
            dir.out_of_order
                .retain(|(s, d, _, _)| seq_diff(s.wrapping_add(d.len() as u32), next) > 0);
            if dir.out_of_order.len() != before {
                dir.ooo_bytes = dir.out_of_order.iter().map(|(_, d, _, _)| d.len()).sum();
            }
            return;
        };
        let (s, d, frame, ts) = dir.out_of_order.swap_remove(i);
        dir.ooo_bytes -= d.len();
        let skip = seq_diff(next, s).max(0) as usize;
        if skip < d.len() {
            accept(flow, dir, &d[skip..], frame, ts, out);
        }
    }
}

/// Takes in-order bytes into the stream.
fn accept(
    flow: Flow,
    dir: &mut Direction,
    bytes: &[u8],
    frame: u64,
    ts: i64,
    out: &mut StreamOutput,
) {
    dir.next_seq = dir.next_seq.map(|n| n.wrapping_add(bytes.len() as u32));
    match dir.mode {
        Mode::Other => {}
        Mode::Tls => sniff::count_tls(dir, bytes, out),
        _ => {
            dir.buf.push(bytes, frame, ts);
            sniff::process(flow, dir, frame, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(flow: Flow, seq: u32, flags: u8, data: &[u8]) -> TcpSegment<'_> {
        TcpSegment {
            flow,
            seq,
            flags,
            data,
        }
    }

    fn flow() -> Flow {
        Flow {
            src: "10.0.0.1:5060".parse().unwrap(),
            dst: "10.0.0.2:5060".parse().unwrap(),
        }
    }

    const MSG: &[u8] = b"INVITE sip:b@x SIP/2.0\r\nCall-ID: 1\r\nContent-Length: 4\r\n\r\nv=0\n";

    #[test]
    fn one_message_over_three_segments_out_of_order_with_retransmission() {
        let mut t = TcpTable::default();
        let mut out = StreamOutput::default();
        let f = flow();
        t.segment(&seg(f, 99, TCP_SYN, b""), 1, 0, &mut out);
        t.segment(&seg(f, 100, 0, &MSG[..10]), 2, 1, &mut out);
        t.segment(&seg(f, 130, 0, &MSG[30..]), 3, 2, &mut out);
        t.segment(&seg(f, 100, 0, &MSG[..10]), 4, 3, &mut out);
        assert!(out.messages.is_empty());
        t.segment(&seg(f, 110, 0, &MSG[10..30]), 5, 4, &mut out);
        assert_eq!(out.messages.len(), 1);
        assert_eq!(out.messages[0].data, MSG);
        assert_eq!(out.messages[0].frames.to_vec(), vec![2, 5, 3]);
        assert_eq!(out.counters.tcp_retransmissions, 1);
    }

    #[test]
    fn several_messages_in_one_segment() {
        let mut t = TcpTable::default();
        let mut out = StreamOutput::default();
        let mut both = MSG.to_vec();
        both.extend_from_slice(b"\r\n\r\n");
        both.extend_from_slice(MSG);
        t.segment(&seg(flow(), 5, 0, &both), 7, 0, &mut out);
        assert_eq!(out.messages.len(), 2);
        assert!(out
            .messages
            .iter()
            .all(|m| m.frames.to_vec() == vec![7] && m.data == MSG));
        assert_eq!(out.counters.sip_keepalives, 1);
    }

    #[test]
    fn gap_is_reported_and_framing_resumes() {
        let mut t = TcpTable::default();
        let mut out = StreamOutput::default();
        let f = flow();
        t.segment(&seg(f, 1000, 0, &MSG[..20]), 1, 0, &mut out);
        let second_at = 1000 + MSG.len() as u32;
        t.segment(&seg(f, second_at, 0, MSG), 2, 1, &mut out);
        t.finish(2, &mut out);
        assert_eq!(out.messages.len(), 1, "{:?}", out.anomalies);
        assert_eq!(out.messages[0].frames.to_vec(), vec![2]);
        assert!(out.anomalies.iter().any(|a| a.kind == AnomalyKind::TcpGap));
    }

    #[test]
    fn tls_records_are_counted_across_segments() {
        let mut t = TcpTable::default();
        let mut out = StreamOutput::default();
        let f = flow();
        let mut rec = vec![23, 3, 3, 0, 10];
        rec.extend([0u8; 10]);
        rec.extend([23, 3, 3, 0, 2, 9, 9]);
        t.segment(&seg(f, 1, 0, &rec[..7]), 1, 0, &mut out);
        t.segment(&seg(f, 8, 0, &rec[7..]), 2, 0, &mut out);
        assert_eq!(out.counters.tls_records, 2);
    }
}
