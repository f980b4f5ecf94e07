//! The range-parallel pipeline: the scanner cuts the capture into chunks of whole records,
//! rayon decodes a few chunks ahead, and the in-order stage consumes each chunk's events in
//! capture order (fragments, TCP, SCTP, SIP datagrams, media) as soon as the chunk is decoded;
//! while it waits for one, its thread decodes others.
//!
//! Chunk boundaries depend only on the bytes and `chunk_bytes`; results are merged in chunk
//! order; so the output is the same for any thread count (and any chunk size).

use std::collections::BTreeMap;
use std::io::Read;

use voipscope_reasm::fragments::{FragmentTable, Reassembled};
use voipscope_reasm::sctp::SctpTable;
use voipscope_reasm::sip_frame::{extent, Extent};
use voipscope_reasm::tcp::{StreamOutput, TcpTable};
use voipscope_sip::Preread;
use voipscope_wire::anomaly::{Anomaly, AnomalyKind, Detail, MAX_LISTED_ANOMALIES};
use voipscope_wire::capture::{self, CaptureError, Container, FormatState, Input, RecordIter};
use voipscope_wire::decode::ip::decode_transport;
use voipscope_wire::decode::{
    self, ChunkOut, Counters, Event, EventKind, FrameCtx, MediaKind, MediaPacket, SipMessage,
    StreamCounters,
};
use voipscope_wire::numbers::IpProtocol;

/// Default bytes per chunk: big enough that per-chunk overhead vanishes, small enough that
/// two threads get work from a few megabytes. The decoded events of the chunks in flight
/// (four per thread) are most of the heap besides the analysis itself: 1 MiB chunks hold it
/// near 10 MB where 4 MiB chunks took 33 MB, at no measurable cost in speed.
pub const DEFAULT_CHUNK_BYTES: usize = 1024 * 1024;

#[derive(Clone, Debug)]
pub struct PipelineOptions {
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    pub chunk_bytes: usize,
}

impl Default for PipelineOptions {
    fn default() -> Self {
        PipelineOptions {
            threads: 0,
            chunk_bytes: DEFAULT_CHUNK_BYTES,
        }
    }
}

/// Anomalies: the first ones (by frame) listed, all of them counted by kind.
#[derive(Debug, Default)]
pub struct AnomalyLog {
    listed: Vec<Anomaly>,
    pub counts: BTreeMap<AnomalyKind, u64>,
}

impl AnomalyLog {
    pub fn extend(&mut self, items: impl IntoIterator<Item = Anomaly>) {
        for a in items {
            *self.counts.entry(a.kind).or_insert(0) += 1;
            self.listed.push(a);
        }
        if self.listed.len() > 2 * MAX_LISTED_ANOMALIES {
            self.trim();
        }
    }

    fn trim(&mut self) {
        self.listed.sort();
        self.listed.truncate(MAX_LISTED_ANOMALIES);
    }

    pub fn into_sorted(mut self) -> (Vec<Anomaly>, BTreeMap<AnomalyKind, u64>) {
        self.trim();
        (self.listed, self.counts)
    }
}

/// Everything the capture stage learned, apart from the SIP messages handed to the sink.
#[derive(Debug)]
pub struct CaptureRun {
    pub container: Container,
    pub compressed: bool,
    pub counters: Counters,
    pub streams: StreamCounters,
    pub sip_messages: u64,
    pub sip_by_transport: BTreeMap<decode::SipTransport, u64>,
    pub anomalies: Vec<Anomaly>,
    pub anomaly_counts: BTreeMap<AnomalyKind, u64>,
    pub input_bytes: u64,
}

/// The in-order stage: everything that needs state across frames.
struct InOrder<'s> {
    frags: FragmentTable,
    tcp: TcpTable,
    sctp: SctpTable,
    out: StreamOutput,
    counters: Counters,
    anomalies: AnomalyLog,
    sip_messages: u64,
    sip_by_transport: BTreeMap<decode::SipTransport, u64>,
    last_frame: u64,
    /// Where the walked buffer starts in the input (streamed input is walked in pieces), so
    /// anomalies name positions in the file.
    byte_base: u64,
    sink: &'s mut dyn Sink,
}

/// Events between announcing a media packet to the sink ([`Sink::upcoming_media`]) and
/// delivering it: each step enough for a cache miss to complete, few enough for the lines to
/// stay cached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookahead {
    Close = 2,
    Near = 4,
    Far = 10,
}

/// Where the in-order stage hands what it found, in capture order.
pub trait Sink: Send {
    /// A SIP message, in capture order; `preread` when a worker already read it (datagrams).
    fn sip(&mut self, message: SipMessage, preread: Option<Preread>);
    fn media(&mut self, packet: &MediaPacket<'_>);
    /// A media packet of this kind will be delivered after `ahead` more events: the sink may
    /// prefetch what it will read, so that with thousands of live streams the update does not
    /// wait on memory. Each packet is announced once per distance [`Sink::lookahead`] asks
    /// for (farthest first), so a lookup can fetch its index first, then what that points to,
    /// then what that points to in turn.
    fn upcoming_media(&self, _kind: &MediaKind, _ahead: Lookahead) {}
    /// The distances at which [`Sink::upcoming_media`] is worth calling for the next chunk's
    /// events; asked once per chunk, so a sink that does not prefetch costs nothing per packet.
    fn lookahead(&self) -> &'static [Lookahead] {
        &[]
    }
    /// The time of the capture's first frame, before any event: where the outputs' relative
    /// times count from.
    fn first_frame(&mut self, _ts_ns: i64) {}
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
        m.frames = vec![frame];
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
    fn consume<'a>(
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
                let m = frame_datagram(frame, ts, *flow, *transport, data, *cut, carried_by);
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

    fn finish(
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

/// The message a SIP datagram holds: a datagram holds one message, and bytes after its
/// Content-Length are not SIP. `carried_by`: the frames of a reassembled datagram.
fn frame_datagram(
    frame: u64,
    ts: i64,
    flow: decode::Flow,
    transport: decode::SipTransport,
    data: &[u8],
    cut: bool,
    carried_by: Option<&[u64]>,
) -> SipMessage {
    let declared = match extent(data) {
        Extent::Complete { len } => Some(len),
        _ => None,
    };
    let len = declared.unwrap_or(data.len());
    SipMessage {
        frame,
        frames: carried_by.map_or_else(|| vec![frame], <[u64]>::to_vec),
        ts_ns: ts,
        flow,
        transport,
        data: data[..len].to_vec(),
        truncated: cut || declared.is_none(),
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

/// What decoding one range of records produced, and where its walk really ended.
struct RangeOut<'a> {
    out: ChunkOut<'a>,
    /// The range's SIP datagrams, framed and read (most of the cost of SIP) on the worker.
    sip: Vec<(SipMessage, Preread)>,
    start: usize,
    end: usize,
    frames: u64,
    assumed: FormatState,
    final_state: FormatState,
    inherited_time: bool,
}

/// Event vectors handed back after the in-order stage consumed them. A range's events fill
/// megabytes; allocating them afresh for every range made the kernel zero new pages for a
/// quarter of the run (perf: clear_page_erms), so they are reused.
struct EventPool<'a>(std::sync::Mutex<Vec<Vec<decode::Event<'a>>>>);

impl<'a> EventPool<'a> {
    fn take(&self) -> Vec<decode::Event<'a>> {
        self.0
            .lock()
            .ok()
            .and_then(|mut p| p.pop())
            .unwrap_or_default()
    }

    fn give(&self, mut v: Vec<decode::Event<'a>>) {
        v.clear();
        if let Ok(mut p) = self.0.lock() {
            p.push(v);
        }
    }
}

fn decode_range<'a>(
    bytes: &'a [u8],
    start: usize,
    stop: usize,
    at_eof: bool,
    state: &FormatState,
    pool: &EventPool<'a>,
) -> RangeOut<'a> {
    #[cfg(test)]
    if memchr::memmem::find(&bytes[start..stop.min(bytes.len())], tests::PANIC_MARKER).is_some() {
        panic!("a panic a test asked for");
    }
    let mut out = ChunkOut {
        events: pool.take(),
        ..ChunkOut::default()
    };
    let mut records = RecordIter::new(bytes, start, stop, at_eof, state.clone(), 1);
    for frame in &mut records {
        decode::decode_frame(&frame, &mut out);
    }
    out.anomalies.append(&mut records.anomalies);
    let sip = out
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::SipDatagram {
                flow,
                transport,
                data,
                cut,
            } => Some(frame_datagram(
                e.frame, e.ts_ns, flow, transport, data, cut, None,
            )),
            _ => None,
        })
        .map(|m| {
            let preread = Preread::checked(&m);
            (m, preread)
        })
        .collect();
    RangeOut {
        out,
        sip,
        start,
        end: records.position(),
        frames: records.next_frame() - 1,
        assumed: state.clone(),
        final_state: records.state().clone(),
        inherited_time: records.inherited_time,
    }
}

/// The state a walk that starts after the leading section header and interface blocks at
/// `pos` would have: what a worker starting in the middle of the file assumes.
fn leading_state(bytes: &[u8], pos: usize, state: &FormatState) -> FormatState {
    let mut walk = RecordIter::new(bytes, pos, bytes.len(), true, state.clone(), 1);
    let _ = walk.next();
    let mut st = walk.state().clone();
    if let FormatState::PcapNg { last_ts_ns, .. } = &mut st {
        *last_ts_ns = voipscope_wire::capture::records::UNKNOWN_TIME;
    }
    st
}

/// Two states that read records the same way (the previous packet's time aside).
fn same_layout(a: &FormatState, b: &FormatState, inherited_time: bool) -> bool {
    match (a, b) {
        (
            FormatState::PcapNg {
                big_endian: ba,
                interfaces: ia,
                last_ts_ns: ta,
            },
            FormatState::PcapNg {
                big_endian: bb,
                interfaces: ib,
                last_ts_ns: tb,
            },
        ) => ba == bb && ia == ib && (!inherited_time || ta == tb),
        _ => a == b,
    }
}

/// Where a walk over the input stands between calls: the next record's offset, the format state
/// there, and how many frames came before.
struct WalkPosition {
    pos: usize,
    state: FormatState,
    frames: u64,
}

/// Decodes the records of `bytes` from `at.pos`: ranges start at guessed record boundaries and
/// are walked and decoded in parallel; before a range is consumed, the walk of the range before
/// it must have ended exactly where it began, with the same format state. When a guess was
/// wrong, the rest is planned again from the true boundary, so the result is always the
/// sequential one. Without `at_eof`, the walk stops before a record cut by the end of `bytes`;
/// the returned position says where to continue once more bytes are there.
fn run_ranges<'a>(
    bytes: &'a [u8],
    at: WalkPosition,
    at_eof: bool,
    chunk_bytes: usize,
    in_flight: usize,
    stage: &mut InOrder<'_>,
    release: &(dyn Fn(usize, usize) + Sync),
) -> WalkPosition {
    let WalkPosition {
        mut pos,
        state: mut st,
        frames: mut frame_base,
    } = at;
    let mut released = 0usize;
    let pool: EventPool<'a> = EventPool(std::sync::Mutex::new(Vec::new()));
    loop {
        let lead = leading_state(bytes, pos, &st);
        let mut plan: Vec<(usize, usize, FormatState)> = Vec::new();
        let mut start = pos;
        let mut cand = pos.saturating_add(chunk_bytes);
        while cand < bytes.len() {
            match voipscope_wire::capture::scan::find_sync(
                &lead,
                bytes,
                cand,
                cand.saturating_add(chunk_bytes),
            ) {
                Some(next) => {
                    let assumed = if start == pos {
                        st.clone()
                    } else {
                        lead.clone()
                    };
                    plan.push((start, next, assumed));
                    start = next;
                    cand = next.saturating_add(chunk_bytes);
                }
                None => cand = cand.saturating_add(chunk_bytes),
            }
        }
        let assumed = if start == pos {
            st.clone()
        } else {
            lead.clone()
        };
        plan.push((start, bytes.len(), assumed));

        let mut expected = (pos, st.clone());
        let mut mismatch = false;
        // each range's result, put there by whichever thread decoded it
        let slots: Vec<Slot<'a>> = plan.iter().map(|_| std::sync::Mutex::new(None)).collect();
        let cancelled = std::sync::atomic::AtomicBool::new(false);
        rayon::scope(|scope| {
            let mut spawned = 0;
            for (k, slot) in slots.iter().enumerate() {
                while spawned < plan.len() && spawned < k + in_flight.max(1) {
                    let (a, b, s) = &plan[spawned];
                    let (slot, pool, cancelled) = (&slots[spawned], &pool, &cancelled);
                    scope.spawn(move |_| {
                        if cancelled.load(std::sync::atomic::Ordering::Relaxed) {
                            return;
                        }
                        // a panic is handed to the consumer, which would otherwise wait for
                        // this range for ever
                        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            decode_range(bytes, *a, *b, at_eof, s, pool)
                        }));
                        if let Ok(mut slot) = slot.lock() {
                            *slot = Some(r);
                        }
                    });
                    spawned += 1;
                }
                let r = match wait_for(slot) {
                    Ok(r) => r,
                    Err(panic) => {
                        cancelled.store(true, std::sync::atomic::Ordering::Relaxed);
                        std::panic::resume_unwind(panic)
                    }
                };
                if r.start != expected.0 || !same_layout(&r.assumed, &expected.1, r.inherited_time)
                {
                    mismatch = true;
                    cancelled.store(true, std::sync::atomic::Ordering::Relaxed);
                    return;
                }
                pool.give(stage.consume(r.out, frame_base, r.sip));
                frame_base += r.frames;
                expected = (r.end, r.final_state);
                // the pages of consumed ranges are not needed again: keep resident memory flat
                let upto = r.end & !0xFFFF;
                if upto > released {
                    release(released, upto);
                    released = upto;
                }
            }
        });
        if !mismatch {
            return WalkPosition {
                pos: expected.0,
                state: expected.1,
                frames: frame_base,
            };
        }
        if expected.0 == pos && !at_eof {
            // no whole record could be read from here yet: wait for more bytes
            return WalkPosition {
                pos,
                state: st,
                frames: frame_base,
            };
        }
        pos = expected.0;
        st = expected.1;
    }
}

/// Where a range's result waits to be consumed.
type Slot<'a> = std::sync::Mutex<Option<std::thread::Result<RangeOut<'a>>>>;

/// A range's result once it is decoded. The thread that consumes ranges decodes others while it
/// waits (the newest first; the other threads take the oldest), so no thread waits while a
/// range is left to decode.
fn wait_for<'a>(slot: &Slot<'a>) -> std::thread::Result<RangeOut<'a>> {
    loop {
        if let Some(r) = slot.lock().ok().and_then(|mut s| s.take()) {
            return r;
        }
        if !matches!(rayon::yield_now(), Some(rayon::Yield::Executed)) {
            std::thread::yield_now();
        }
    }
}

/// Reads until `buf` holds `want` bytes or the input ends (then returns true).
pub fn read_full(
    reader: &mut dyn Read,
    buf: &mut Vec<u8>,
    want: usize,
    name: &str,
) -> Result<bool, CaptureError> {
    let mut eof = false;
    while buf.len() < want {
        let start = buf.len();
        buf.resize(want, 0);
        match reader.read(&mut buf[start..]) {
            Ok(0) => {
                buf.truncate(start);
                eof = true;
                break;
            }
            Ok(n) => buf.truncate(start + n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => buf.truncate(start),
            Err(e) => {
                buf.truncate(start);
                return Err(CaptureError::Io(name.to_string(), e));
            }
        }
    }
    Ok(eof)
}

impl PipelineOptions {
    /// The worker threads to use.
    pub fn thread_count(&self) -> usize {
        if self.threads == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            self.threads
        }
    }

    /// A pool of [`PipelineOptions::thread_count`] workers.
    pub fn pool(&self, name: &str) -> Result<rayon::ThreadPool, CaptureError> {
        rayon::ThreadPoolBuilder::new()
            .num_threads(self.thread_count())
            .build()
            .map_err(|e| CaptureError::Io(name.to_string(), std::io::Error::other(e)))
    }
}

/// Runs the capture stage over one input on `pool`, handing every SIP message to `sink` in
/// capture order.
pub fn run(
    name: &str,
    input: Input,
    opts: &PipelineOptions,
    pool: &rayon::ThreadPool,
    sink: &mut dyn Sink,
) -> Result<CaptureRun, CaptureError> {
    let threads = pool.current_num_threads();
    // ranges decoding or decoded ahead of the one consumed: enough that no thread waits for
    // work, few enough that their events stay small (a range's events and read SIP messages
    // fill a few megabytes). Twice the threads ran as fast as four times on the 1 GB RTP and
    // the 300,000-call captures, with 5-8 MiB less heap on the latter.
    let in_flight = threads * 2;
    let mut stage = InOrder {
        frags: FragmentTable::default(),
        tcp: TcpTable::default(),
        sctp: SctpTable::default(),
        out: StreamOutput::default(),
        counters: Counters::default(),
        anomalies: AnomalyLog::default(),
        sip_messages: 0,
        sip_by_transport: BTreeMap::new(),
        last_frame: 0,
        byte_base: 0,
        sink,
    };
    let (container, compressed, input_bytes) = match input {
        Input::Empty => return Err(CaptureError::Empty(name.to_string())),
        Input::Mapped(map) => {
            let bytes: &[u8] = &map;
            let (state, header_len) = capture::read_file_header(name, bytes)?;
            let container = state.container();
            let release = |from: usize, to: usize| {
                // SAFETY: a read-only file mapping; dropping its pages only means they are read
                // again from the page cache if touched (they are not).
                #[cfg(unix)]
                unsafe {
                    let _ = map.unchecked_advise_range(
                        memmap2::UncheckedAdvice::DontNeed,
                        from,
                        to - from,
                    );
                }
            };
            let start = WalkPosition {
                pos: header_len,
                state,
                frames: 0,
            };
            pool.install(|| {
                run_ranges(
                    bytes,
                    start,
                    true,
                    opts.chunk_bytes,
                    in_flight,
                    &mut stage,
                    &release,
                )
            });
            (container, false, bytes.len() as u64)
        }
        Input::Stream { reader, gzip } => {
            let mut feed = capture::feed::Feed::spawn(reader, name);
            let mut buf = Vec::new();
            let mut total = 0u64;
            // bytes of the input before `buf`'s first one
            let mut drained = 0u64;
            feed.fill(&mut buf, 32, 32)?;
            // whether `buf` holds bytes the walk has not seen (else it waits for more)
            let mut unread = true;
            // why a gzip stream ended before its end, reported after the last frame
            let mut damage: Option<Detail> = None;
            let (state, header_len): (FormatState, usize) = capture::read_file_header(name, &buf)?;
            let container = state.container();
            let mut at = WalkPosition {
                pos: header_len,
                state,
                frames: 0,
            };
            let mut want = (opts.chunk_bytes.saturating_mul(in_flight)).clamp(1 << 16, 64 << 20);
            loop {
                // what has arrived, and at least one byte more than the walk has seen: a live
                // pipe is analyzed as it comes (the output does not depend on where reads end)
                let more = buf.len() + usize::from(!unread);
                let eof = match feed.fill(&mut buf, more, want) {
                    Ok(eof) => eof,
                    // a cut .gz (a capture copied while being written, a download cut short)
                    // still holds every record before the cut
                    Err(CaptureError::Io(_, e)) if gzip => {
                        damage = Some(Detail::GzipCut {
                            after: drained + buf.len() as u64,
                            error: e.to_string(),
                        });
                        true
                    }
                    Err(e) => return Err(e),
                };
                unread = false;
                let from = at.pos;
                at = pool.install(|| {
                    run_ranges(
                        &buf,
                        at,
                        eof,
                        opts.chunk_bytes,
                        in_flight,
                        &mut stage,
                        &|_, _| {},
                    )
                });
                total += (at.pos - from) as u64;
                if eof {
                    if let Some(why) = damage.take() {
                        stage.anomalies.extend([Anomaly::new(
                            AnomalyKind::GzipDamaged,
                            at.frames + 1,
                            why,
                        )]);
                    }
                    break;
                }
                if at.pos == from && buf.len() >= want {
                    // one record larger than the buffer: make room (records are capped)
                    want = want
                        .saturating_mul(2)
                        .min(4 * voipscope_wire::capture::MAX_PCAPNG_BLOCK as usize);
                }
                buf.drain(..at.pos);
                drained += at.pos as u64;
                stage.byte_base = drained;
                at.pos = 0;
            }
            (container, gzip, total)
        }
    };
    let (counters, streams, sip_messages, sip_by_transport, anomalies) = stage.finish();
    let (anomalies, anomaly_counts) = anomalies.into_sorted();
    Ok(CaptureRun {
        container,
        compressed,
        counters,
        streams,
        sip_messages,
        sip_by_transport,
        anomalies,
        anomaly_counts,
        input_bytes,
    })
}

#[cfg(test)]
mod tests {
    /// A range holding these bytes panics while it is decoded.
    pub(super) const PANIC_MARKER: &[u8] = b"voipscope: panic while decoding this range";

    /// A panic in one range's decoding reaches the caller: the in-order stage waits for each
    /// range's result, and must not wait for ever for one that will not come.
    #[test]
    fn a_panic_while_decoding_a_range_reaches_the_caller() {
        let sample = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../samples/basic-call.pcap"
        ))
        .expect("sample capture");
        // after the 50th record, one whose bytes make its range panic
        let mut at = 24;
        for _ in 0..50 {
            let caplen = u32::from_le_bytes(sample[at + 8..at + 12].try_into().unwrap());
            at += 16 + caplen as usize;
        }
        let mut capture = sample[..at].to_vec();
        let len = PANIC_MARKER.len() as u32;
        capture.extend_from_slice(&sample[at..at + 8]);
        capture.extend_from_slice(&len.to_le_bytes());
        capture.extend_from_slice(&len.to_le_bytes());
        capture.extend_from_slice(PANIC_MARKER);
        capture.extend_from_slice(&sample[at..]);
        let opts = crate::Options {
            pipeline: super::PipelineOptions {
                threads: 2,
                chunk_bytes: 4096,
            },
            ..Default::default()
        };
        let run = std::thread::spawn(move || {
            crate::analyze_bytes("panics.pcap", capture, &opts, &mut |_| {}).is_ok()
        });
        let started = std::time::Instant::now();
        while !run.is_finished() {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(60),
                "the analysis still waits for the range that panicked"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(run.join().is_err(), "the panic did not reach the caller");
    }
}
