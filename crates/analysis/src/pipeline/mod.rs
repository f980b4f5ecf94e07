//! The range-parallel pipeline: the scanner cuts the capture into chunks of whole records,
//! rayon decodes a few chunks ahead ([`ranges`]), and the in-order stage ([`in_order`])
//! consumes each chunk's events in capture order (fragments, TCP, SCTP, SIP datagrams, media)
//! as soon as the chunk is decoded; while it waits for one, its thread decodes others. This
//! file holds the options, the sink the stage hands its results to, and the input loop
//! (a mapped file, or a stream read in pieces).
//!
//! Chunk boundaries depend only on the bytes and `chunk_bytes`; results are merged in chunk
//! order; so the output is the same for any thread count (and any chunk size).

mod in_order;
mod ranges;

use std::collections::BTreeMap;

use in_order::InOrder;
use ranges::{run_ranges, WalkPosition};
use voipscope_reasm::fragments::FragmentTable;
use voipscope_reasm::sctp::SctpTable;
use voipscope_reasm::tcp::{StreamOutput, TcpTable};
use voipscope_sip::Preread;
use voipscope_wire::anomaly::{Anomaly, AnomalyKind, AnomalyLog, Detail};
use voipscope_wire::capture::{self, CaptureError, Container, FormatState, Input};
use voipscope_wire::decode::{self, Counters, MediaKind, MediaPacket, SipMessage, StreamCounters};

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

impl PipelineOptions {
    /// The worker threads to use.
    pub fn thread_count(&self) -> usize {
        if self.threads == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            self.threads
        }
    }

    /// A pool of [`PipelineOptions::thread_count`] workers, named `vs-{role}-{i}` (so that
    /// `top -H`, perf and `/proc/<pid>/task` tell the stages apart); `name` is the input's,
    /// for the error.
    pub fn pool(&self, name: &str, role: &'static str) -> Result<rayon::ThreadPool, CaptureError> {
        rayon::ThreadPoolBuilder::new()
            .num_threads(self.thread_count())
            .thread_name(move |i| format!("vs-{role}-{i}"))
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
            // every byte the input gave, the file header and an unread tail included, as the
            // size of a mapped file counts them
            let read = drained + buf.len() as u64;
            (container, gzip, read)
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
