//! The analysis: the range-parallel capture stage ([`pipeline`]) runs with the live analysis
//! as its sink ([`engine`]), which finishes what is over on its own thread ([`finish`]): calls
//! built, streams tied to their calls ([`correlate`]), findings made ([`diagnose`]), and the
//! records handed to a [`RecordSink`] as each is finished. [`analyze`] collects them into an
//! [`Analysis`] held in memory, for small captures, tests and the commands that need
//! everything at once.
//!
//! Data flows one way: capture -> packets -> live Call-IDs and streams -> retired records ->
//! correlation and findings -> the sink. The crate holds no output format: records are typed
//! data (nanoseconds, addresses, enums), and the `report` crate decides how they read.
//!
//! Invariant: memory is bounded by live state. Every live table (Call-IDs, streams, flows,
//! the media plan, reassembly) has a cap that finishes the longest idle early; finished work
//! is written, never dropped; and the output does not depend on the number of threads.

mod collect;
pub mod correlate;
pub mod diagnose;
pub mod engine;
mod finish;
pub mod pipeline;
pub mod record;
mod summary;

use crate::pipeline::PipelineOptions;
pub use collect::Collect;
pub use record::{CallBundle, Record, RecordSink, RegistrationBundle, StreamBundle, Summary};
pub use summary::{CaptureSummary, MediaSummary};
use voipscope_rtp as rtp;
use voipscope_sip as sip;
use voipscope_wire::anomaly::Anomaly;
use voipscope_wire::capture::{self, CaptureError};
use voipscope_wire::decode::SipMessage;

/// What `analyze` was asked to do.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub pipeline: PipelineOptions,
    /// Depth of the simulated jitter buffer for the quality estimate (default 60 ms).
    pub jitter_buffer_ms: Option<f64>,
    /// Language of the findings' texts.
    pub lang: sip::status::Lang,
    /// Skip the per-stream time series only plots read (18 MB of the 1 GB benchmark
    /// capture's heap, 3,600 streams): commands that draw no plot set this.
    pub without_plot_series: bool,
}

impl Options {
    pub fn jitter_buffer_ms(&self) -> f64 {
        self.jitter_buffer_ms
            .unwrap_or(rtp::quality::DEFAULT_JITTER_BUFFER_MS)
    }
}

/// Everything voipscope found in one capture, held in memory.
#[derive(Clone, Debug, PartialEq)]
pub struct Analysis {
    pub capture: CaptureSummary,
    pub sip: sip::SipStats,
    pub calls: Vec<correlate::CallRecord>,
    pub registrations: Vec<sip::Registration>,
    pub other_sip: sip::OtherSip,
    pub media: MediaSummary,
    pub streams: Vec<rtp::RtpStream>,
    /// STUN, DTLS, ZRTP and T.38 (UDPTL) flows on media paths.
    pub media_flows: Vec<rtp::flows::MediaFlow>,
    /// What went wrong and why, most important first (see `diagnose`).
    pub findings: Vec<diagnose::Finding>,
    pub anomalies: Vec<Anomaly>,
}

impl Analysis {
    /// The call numbered `number` (1-based, as `calls` prints it). Calls are numbered in
    /// order, so this is an index; the search behind it only guards that order.
    pub fn call_by_number(&self, number: usize) -> Option<&correlate::CallRecord> {
        let at = number.checked_sub(1).and_then(|i| self.calls.get(i));
        at.filter(|c| c.number == number)
            .or_else(|| self.calls.iter().find(|c| c.number == number))
    }
}

/// Analyzes one capture file (`-` for stdin), handing each record to `sink` as it is
/// finished, and each framed SIP message to `on_sip` in capture order as it is found.
pub fn analyze_into(
    path: &str,
    opts: &Options,
    sink: &mut (dyn RecordSink + Send),
    on_sip: &mut (dyn FnMut(&SipMessage) + Send),
) -> Result<(), AnalyzeError> {
    let input = capture::open_input(path)?;
    run(path, input, opts, sink, on_sip)
}

/// Why an analysis stopped: the capture could not be read, or the sink could not write.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    #[error(transparent)]
    Capture(#[from] CaptureError),
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
}

/// Analyzes one capture file (`-` for stdin), also handing each framed SIP message to `on_sip`
/// in capture order as it is found.
pub fn analyze_with(
    path: &str,
    opts: &Options,
    on_sip: &mut (dyn FnMut(&SipMessage) + Send),
) -> Result<Analysis, CaptureError> {
    let input = capture::open_input(path)?;
    collect(path, input, opts, on_sip)
}

/// Analyzes a capture held in memory (uncompressed pcap or pcapng); `name` stands for the file
/// name in the output. Used by the fuzz targets and the damage tests.
pub fn analyze_bytes(
    name: &str,
    data: Vec<u8>,
    opts: &Options,
    on_sip: &mut (dyn FnMut(&SipMessage) + Send),
) -> Result<Analysis, CaptureError> {
    if data.is_empty() {
        return Err(CaptureError::Empty(name.to_string()));
    }
    let input = capture::Input::Stream {
        reader: Box::new(std::io::Cursor::new(data)),
        gzip: false,
    };
    collect(name, input, opts, on_sip)
}

/// Analyzes one capture file (`-` for stdin) into memory.
pub fn analyze(path: &str, opts: &Options) -> Result<Analysis, CaptureError> {
    analyze_with(path, opts, &mut |_| {})
}

fn collect(
    path: &str,
    input: capture::Input,
    opts: &Options,
    on_sip: &mut (dyn FnMut(&SipMessage) + Send),
) -> Result<Analysis, CaptureError> {
    let mut sink = Collect::default();
    match run(path, input, opts, &mut sink, on_sip) {
        Ok(()) => {}
        Err(AnalyzeError::Capture(e)) => return Err(e),
        // collecting into memory writes nothing
        Err(AnalyzeError::Output(e)) => return Err(CaptureError::Io(path.to_string(), e)),
    }
    sink.into_analysis()
        .ok_or_else(|| CaptureError::Io(path.to_string(), std::io::Error::other("no summary")))
}

fn run(
    path: &str,
    input: capture::Input,
    opts: &Options,
    sink: &mut (dyn RecordSink + Send),
    on_sip: &mut (dyn FnMut(&SipMessage) + Send),
) -> Result<(), AnalyzeError> {
    let pool = opts.pipeline.pool(path, "decode")?;
    // the finisher has workers of its own: with one thread, the in-order stage would hold the
    // only worker while it waits for the finisher to take a batch
    let finish_pool = opts.pipeline.pool(path, "finish")?;
    std::thread::scope(|scope| {
        // one sweep's batch waits while the finisher works on the last: a retired call's
        // messages are held until written, and each batch in flight held as much as a tenth
        // of the heap (30,000-call capture: 4 in flight 93 MiB, 1 in flight 82 MiB resident,
        // the same time)
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let pool = &pool;
        let finish_pool = &finish_pool;
        // records wait for the writer in few hand-overs (each of finish::RECORDS_TOGETHER)
        let (to_writer, from_finisher) = std::sync::mpsc::sync_channel(4);
        let named = |name: &str| std::thread::Builder::new().name(name.to_string());
        let writer = named("vs-writer")
            .spawn_scoped(scope, move || finish::write(sink, from_finisher))
            .map_err(|e| CaptureError::Io(path.to_string(), e))?;
        let finisher = named("vs-finisher")
            .spawn_scoped(scope, move || {
                finish::Finisher::new(to_writer, finish_pool, opts.lang).run(rx)
            })
            .map_err(|e| CaptureError::Io(path.to_string(), e))?;
        let mut engine = engine::Engine::new(
            tx.clone(),
            opts.jitter_buffer_ms(),
            !opts.without_plot_series,
            on_sip,
        );
        let run = pipeline::run(path, input, &opts.pipeline, pool, &mut engine);
        // in the analysis' own pool: its parallel parts must not wait on the global pool, whose
        // workers may all be waiting on analyses (a batch reads each capture twice for its
        // report's message texts, the second analysis started from the first's writer)
        let end = pool.install(|| engine.finish());
        let result = match run {
            Ok(run) => {
                let all_rtp = run.counters.rtp_packets;
                let (capture, anomalies) = summary::summarize(path, run, end.anomalies, end.base);
                let media = MediaSummary {
                    rtcp_packets: end.rtcp_packets,
                    rtcp_unreadable: end.rtcp_unreadable,
                    sdp_endpoints_dropped: end.sdp_endpoints_dropped,
                    dropped_flow_packets: end.dropped_flow_packets,
                    ..MediaSummary::default()
                };
                let _ = tx.send(finish::ToFinisher::End(Box::new(finish::Ending {
                    capture,
                    sip: end.sip,
                    media,
                    anomalies,
                    all_rtp,
                })));
                Ok(())
            }
            Err(e) => Err(e),
        };
        drop(tx);
        if let Err(panic) = finisher.join() {
            std::panic::resume_unwind(panic);
        }
        let written = match writer.join() {
            Ok(w) => w,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        result?;
        written?;
        Ok(())
    })
}
