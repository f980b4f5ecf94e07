//! Ranges: the capture cut into chunks of whole records, each walked and decoded on a worker
//! (its SIP datagrams framed and read there too), a few ahead of the one the in-order stage
//! consumes; where a guessed chunk boundary was wrong, the rest is planned again from the true
//! one, so the result is always the sequential one.

use voipscope_reasm::sip_frame::datagram;

use super::in_order::InOrder;
use voipscope_sip::Preread;
use voipscope_wire::capture::{FormatState, RecordIter};
use voipscope_wire::decode::{self, ChunkOut, EventKind, SipMessage};

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
    // counted first: grown as they came, the large entries were copied at every doubling
    let datagrams = out
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::SipDatagram { .. }))
        .count();
    let mut sip = Vec::with_capacity(datagrams);
    sip.extend(
        out.events
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::SipDatagram {
                    flow,
                    transport,
                    data,
                    cut,
                } => Some(datagram(e.frame, e.ts_ns, flow, transport, data, cut, None)),
                _ => None,
            })
            .map(|m| {
                let preread = Preread::checked(&m);
                (m, preread)
            }),
    );
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
pub(super) struct WalkPosition {
    pub(super) pos: usize,
    pub(super) state: FormatState,
    pub(super) frames: u64,
}

/// Cuts the capture into ranges as they are needed, each starting where [`find_sync`] finds
/// records after `chunk_bytes` more bytes. Finding a start reads the first pages of a range:
/// cutting the whole capture up front made the kernel map nearly all of it at once (a kernel
/// that maps large folios whole showed the full 2.3 GB of a busy day as resident at the start).
///
/// [`find_sync`]: voipscope_wire::capture::scan::find_sync
struct Plan<'p> {
    bytes: &'p [u8],
    /// The state a range after the first assumes.
    lead: &'p FormatState,
    /// The state the first range starts in (taken by it).
    first: Option<FormatState>,
    start: usize,
    cand: usize,
    chunk_bytes: usize,
    done: bool,
}

impl<'p> Plan<'p> {
    /// The ranges from `start`: the first assumes `first`, those after it `lead`.
    fn new(
        bytes: &'p [u8],
        lead: &'p FormatState,
        first: FormatState,
        start: usize,
        chunk_bytes: usize,
    ) -> Plan<'p> {
        Plan {
            bytes,
            lead,
            first: Some(first),
            start,
            cand: start.saturating_add(chunk_bytes),
            chunk_bytes,
            done: false,
        }
    }

    /// The next range: start, end and the state assumed at its start.
    fn next(&mut self) -> Option<(usize, usize, FormatState)> {
        if self.done {
            return None;
        }
        while self.cand < self.bytes.len() {
            match voipscope_wire::capture::scan::find_sync(
                self.lead,
                self.bytes,
                self.cand,
                self.cand.saturating_add(self.chunk_bytes),
            ) {
                Some(next) => {
                    let range = (self.start, next, self.assumed());
                    self.start = next;
                    self.cand = next.saturating_add(self.chunk_bytes);
                    return Some(range);
                }
                None => self.cand = self.cand.saturating_add(self.chunk_bytes),
            }
        }
        self.done = true;
        Some((self.start, self.bytes.len(), self.assumed()))
    }

    fn assumed(&mut self) -> FormatState {
        self.first.take().unwrap_or_else(|| self.lead.clone())
    }
}

/// Decodes the records of `bytes` from `at.pos`: ranges start at guessed record boundaries and
/// are walked and decoded in parallel; before a range is consumed, the walk of the range before
/// it must have ended exactly where it began, with the same format state. When a guess was
/// wrong, the rest is planned again from the true boundary, so the result is always the
/// sequential one. Without `at_eof`, the walk stops before a record cut by the end of `bytes`;
/// the returned position says where to continue once more bytes are there.
pub(super) fn run_ranges<'a>(
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
        let mut plan = Plan::new(bytes, &lead, st.clone(), pos, chunk_bytes);
        let mut expected = (pos, st.clone());
        let mut mismatch = false;
        // the results of the ranges in flight, each in slot `index % ring`: a range's slot is
        // taken again only after its result was consumed
        let ring = in_flight.max(1);
        let slots: Vec<Slot<'a>> = (0..ring).map(|_| std::sync::Mutex::new(None)).collect();
        let cancelled = std::sync::atomic::AtomicBool::new(false);
        rayon::scope(|scope| {
            let mut spawned = 0;
            let mut k = 0;
            loop {
                while spawned < k + ring {
                    let Some((a, b, s)) = plan.next() else {
                        break;
                    };
                    let (slot, pool, cancelled) = (&slots[spawned % ring], &pool, &cancelled);
                    scope.spawn(move |_| {
                        if cancelled.load(std::sync::atomic::Ordering::Relaxed) {
                            return;
                        }
                        // a panic is handed to the consumer, which would otherwise wait for
                        // this range for ever
                        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            decode_range(bytes, a, b, at_eof, &s, pool)
                        }));
                        if let Ok(mut slot) = slot.lock() {
                            *slot = Some(r);
                        }
                    });
                    spawned += 1;
                }
                if k == spawned {
                    break;
                }
                let slot = &slots[k % ring];
                k += 1;
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
            pipeline: crate::pipeline::PipelineOptions {
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

    /// Ranges are cut one at a time, each reading only the bytes near its start, and together
    /// they cover the capture without gap or overlap.
    #[test]
    fn ranges_are_cut_as_they_are_needed_and_cover_the_capture() {
        let sample = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../samples/basic-call.pcap"
        ))
        .expect("sample capture");
        let (state, header_len) =
            voipscope_wire::capture::read_file_header("basic-call.pcap", &sample).unwrap();
        let lead = super::leading_state(&sample, header_len, &state);
        let chunk_bytes = 2048;
        let mut plan = super::Plan::new(&sample, &lead, state.clone(), header_len, chunk_bytes);
        let mut end = header_len;
        let mut ranges = 0;
        while let Some((a, b, _)) = plan.next() {
            assert_eq!(a, end, "a gap or an overlap");
            // the next range's start is looked for no further than one chunk past this one's end
            assert!(plan.done || plan.cand <= b + chunk_bytes);
            assert!(b - a >= chunk_bytes || b == sample.len());
            end = b;
            ranges += 1;
        }
        assert_eq!(end, sample.len());
        assert!(ranges > 5, "{ranges} ranges");
    }
}
