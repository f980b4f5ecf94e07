//! The `voipscope` command line: parse arguments, call the library, print.

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// glibc's allocator spent a quarter of the SIP stage consolidating free lists (measured with
/// perf on benches/sip.rs); mimalloc does not. Its version 2 (the `v2` feature) holds less
/// memory resident than version 3 for the same heap: on the 300,000-call capture 75 against
/// 82 MiB, in the same time.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc asks for transparent huge pages, so each of its regions the analysis touches is
/// resident (and zeroed) 2 MiB at a time: on the 1 GB benchmark capture that made the
/// resident heap 66-76 MB for 31 MB allocated. Without them it is 37-40 MB, at a cost within
/// this machine's noise (best of 9: 0.485 against 0.502 s, medians equal).
///
/// mimalloc also keeps freed pages 10 ms (arenas 100 ms) before giving them back; with calls
/// finished and freed all the time, the 30,000-call capture held 130 MiB resident for 80 MB
/// allocated. Given back at once it holds about 95 MiB, in the same time. (Version 2, after
/// the heap diet of the streaming release: 57 MiB at once, 63 after 1 ms, 76 after 10 ms;
/// no measurable change in time.)
fn tune_allocator() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and changes only this process's page
    // policy; a kernel without it returns an error, which changes nothing.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    // option 15 is `mi_option_purge_delay` in ms (mimalloc.h, both v2 as built and v3)
    const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // mimalloc's own MIMALLOC_PURGE_DELAY, when set, is left to rule
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: mi_option_set stores an integer option; mimalloc reads it at its next purge.
        unsafe {
            libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
        }
    }
}

use voipscope::sip::status::Lang;
use voipscope::{report, Options, PipelineOptions};

#[derive(Parser)]
#[command(
    name = "voipscope",
    version,
    about = "Passive VoIP analyzer for pcap/pcapng captures"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The language of explanations, as the command line names it.
#[derive(Clone, Copy, ValueEnum)]
enum LangArg {
    En,
    De,
}

impl From<LangArg> for Lang {
    fn from(l: LangArg) -> Lang {
        match l {
            LangArg::En => Lang::En,
            LangArg::De => Lang::De,
        }
    }
}

/// The `voipscope synth` arguments (see [`voipscope::synth::SynthArgs`]).
#[derive(clap::Args, Debug, Clone)]
struct SynthFlags {
    /// Capture to write (classic pcap, Ethernet).
    #[arg(short, long)]
    output: String,
    /// Calls in progress at once.
    #[arg(long, default_value_t = 100)]
    calls: u32,
    /// Stop starting calls once the capture reaches this size (suffix K, M or G).
    #[arg(long, default_value = "10M", value_parser = voipscope::synth::parse_size)]
    size: u64,
    /// Length of each call in seconds.
    #[arg(long, default_value_t = 30.0)]
    call_seconds: f64,
    /// Percentage of RTP packets dropped at random.
    #[arg(long, default_value_t = 0.5)]
    loss_pct: f64,
    /// Largest random extra delay of an RTP packet, in milliseconds (below 20).
    #[arg(long, default_value_t = 5.0)]
    jitter_ms: f64,
    /// Write a scripted teaching capture instead (see `samples/README.md`): basic-call, busy,
    /// cancel, no-answer, register-digest, invite-407, hold-resume, blind-transfer,
    /// codec-mismatch-488, one-way-nat, sip-tcp. The other options do not apply.
    #[arg(long)]
    scenario: Option<String>,
    /// Time over which the first CALLS calls start (default: 10 ms apart).
    #[arg(long)]
    ramp_seconds: Option<f64>,
    /// Start no more than this many calls in all (default: until the capture reaches SIZE).
    /// With it, captures of different concurrency can hold the same calls and packets.
    #[arg(long)]
    total_calls: Option<u64>,
    /// Seed of the random loss and jitter.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where to write the ground truth as JSON (default: OUTPUT.truth.json).
    #[arg(long)]
    truth: Option<String>,
}

impl From<SynthFlags> for voipscope::synth::SynthArgs {
    fn from(f: SynthFlags) -> Self {
        voipscope::synth::SynthArgs {
            output: f.output,
            calls: f.calls,
            size: f.size,
            call_seconds: f.call_seconds,
            loss_pct: f.loss_pct,
            jitter_ms: f.jitter_ms,
            scenario: f.scenario,
            ramp_seconds: f.ramp_seconds,
            total_calls: f.total_calls,
            seed: f.seed,
            truth: f.truth,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum AnalyzeFormat {
    Text,
    /// One JSON document (written at the end).
    Json,
    /// One JSON object per line, each written when its record is finished.
    Jsonl,
}

#[derive(Clone, Copy, ValueEnum)]
enum LadderFormat {
    Text,
    Svg,
    Mermaid,
}

#[derive(Subcommand)]
enum Command {
    /// Summarise a capture: what it holds and what is wrong with it.
    Analyze {
        /// pcap or pcapng file, optionally gzip-compressed; `-` reads stdin.
        capture: String,
        #[arg(long, value_enum, default_value = "text")]
        format: AnalyzeFormat,
        /// Language of explanations in the text output.
        #[arg(long, value_enum, default_value = "en")]
        lang: LangArg,
        /// With jsonl: write each line as soon as its record is finished (a live log).
        #[arg(long)]
        follow: bool,
        #[command(flatten)]
        run: RunArgs,
    },
    /// List every call and registration: state, final status and why.
    Calls {
        capture: String,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Language of explanations.
        #[arg(long, value_enum, default_value = "en")]
        lang: LangArg,
        /// Print each call and registration as it ends, in the order they end (a live call
        /// log: `tcpdump -i eth0 -w - | voipscope calls --follow -`).
        #[arg(long)]
        follow: bool,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Draw the call flow (ladder) of calls or registrations.
    Ladder {
        capture: String,
        /// Call number (as in `calls`) or Call-ID; registrations by Call-ID. Default: every call.
        #[arg(long)]
        call: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: LadderFormat,
        /// Write to this file instead of stdout.
        #[arg(short, long)]
        output: Option<std::path::PathBuf>,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Say what went wrong and why, most important first, with the frames that show it.
    Explain {
        capture: String,
        /// Only this call: number (as in `calls`) or Call-ID.
        #[arg(long)]
        call: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        #[arg(long, value_enum, default_value = "en")]
        lang: LangArg,
        /// Print each finding as its call (or the capture) is finished, in that order.
        #[arg(long)]
        follow: bool,
        #[command(flatten)]
        run: RunArgs,
    },
    /// List every RTP stream: tshark's rtp,streams columns, then RFC 3550 figures, MOS, call.
    Rtp {
        capture: String,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Write a report directory: index.html (self-contained), calls/registrations/streams CSV,
    /// analysis.json, ladders/ (SVG, text, Mermaid per call) and plots/ (SVG per stream).
    Report {
        capture: String,
        /// Directory to write (created if missing).
        #[arg(short, long)]
        output: std::path::PathBuf,
        /// Language of explanations.
        #[arg(long, value_enum, default_value = "en")]
        lang: LangArg,
        /// Also write the plots as PNG.
        #[arg(long)]
        png: bool,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Write every frame of one call (SIP, retransmissions, fragments and segments, RTP, RTCP,
    /// DTMF, STUN/DTLS on its media path) to a new capture, pcap or pcapng like the input.
    Export {
        capture: String,
        /// Call number (as in `calls`) or Call-ID.
        #[arg(long)]
        call: String,
        #[arg(short, long)]
        output: std::path::PathBuf,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Report many captures (files, directories, glob patterns, .gz) in parallel: one report
    /// directory each under OUT, plus summary.csv and summary.html. Reports newer than their
    /// capture are kept unless --force. Exits 1 if any capture failed.
    Batch {
        #[arg(required = true)]
        paths: Vec<String>,
        #[arg(short, long)]
        output: std::path::PathBuf,
        /// Write every report again, even when it is newer than its capture.
        #[arg(long)]
        force: bool,
        #[arg(long, value_enum, default_value = "en")]
        lang: LangArg,
        /// Also write the plots as PNG.
        #[arg(long)]
        png: bool,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Write a synthetic capture of concurrent G.711 calls and its ground truth.
    Synth(SynthFlags),
}

#[derive(clap::Args)]
struct RunArgs {
    /// Worker threads (default: one per core). The output is the same for any value.
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Bytes per parallel chunk (tuning and tests; the output does not depend on it).
    #[arg(long, default_value_t = voipscope::pipeline::DEFAULT_CHUNK_BYTES, hide = true)]
    chunk_bytes: usize,
    /// Print elapsed time, throughput and peak memory to stderr.
    #[arg(long)]
    stats: bool,
    /// Depth of the simulated fixed jitter buffer for the MOS estimate, in ms.
    #[arg(long, default_value_t = voipscope::rtp::quality::DEFAULT_JITTER_BUFFER_MS)]
    jitter_buffer_ms: f64,
}

impl RunArgs {
    fn options(&self) -> Options {
        Options {
            pipeline: PipelineOptions {
                threads: self.threads,
                chunk_bytes: self.chunk_bytes.max(1),
            },
            jitter_buffer_ms: Some(self.jitter_buffer_ms),
            lang: Lang::En,
            without_plot_series: false,
        }
    }
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `--stats`: time, throughput and peak memory of the run, to stderr.
fn print_stats(
    started: std::time::Instant,
    capture: &voipscope::CaptureSummary,
    sip: &voipscope::sip::SipStats,
    streams: usize,
) {
    let elapsed = started.elapsed().as_secs_f64();
    let mb = capture.file_bytes as f64 / 1e6;
    eprintln!(
        "stats: {:.3} s, {:.1} MB/s, {:.0} packets/s, peak RSS {} KiB, heap {} KiB; {} SIP messages ({} not kept), {} streams, anomalies {:?}",
        elapsed,
        mb / elapsed,
        capture.frames as f64 / elapsed,
        peak_rss_kib().unwrap_or(0),
        peak_anon_kib().unwrap_or(0),
        sip.messages,
        sip.dropped_messages,
        streams,
        capture.anomaly_counts
    );
}

/// The peak of the anonymous (heap) part of the resident memory, as far as the kernel says:
/// RssAnon now, which for a run that ends here is close to its peak.
fn peak_anon_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("RssAnon:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A sink that keeps the summary after passing everything on.
struct Keep<S> {
    inner: S,
    summary: Option<voipscope::Summary>,
}

impl<S> Keep<S> {
    fn new(inner: S) -> Keep<S> {
        Keep {
            inner,
            summary: None,
        }
    }
}

impl<S: voipscope::RecordSink> voipscope::RecordSink for Keep<S> {
    fn start(&mut self, base: voipscope::timefmt::TimeBase) -> std::io::Result<()> {
        self.inner.start(base)
    }
    fn record(&mut self, record: voipscope::Record) -> std::io::Result<()> {
        self.inner.record(record)
    }
    fn finish(&mut self, summary: voipscope::Summary) -> std::io::Result<()> {
        self.summary = Some(summary.clone());
        self.inner.finish(summary)
    }
}

/// Runs the analysis of `capture` into `sink` and gives the sink back with the summary; on
/// failure, says why on stderr and gives the exit code (2: the capture, 1: the output).
fn run_into<S: voipscope::RecordSink>(
    capture: &str,
    opts: &Options,
    sink: S,
) -> Result<(S, voipscope::Summary), ExitCode> {
    let mut keep = Keep::new(sink);
    if let Err(e) = voipscope::analyze_into(capture, opts, &mut keep, &mut |_| {}) {
        if let voipscope::AnalyzeError::Output(io) = &e {
            // a reader that stopped reading (`| head`) has what it wanted
            if io.kind() == std::io::ErrorKind::BrokenPipe {
                return Err(ExitCode::SUCCESS);
            }
        }
        eprintln!("voipscope: {e}");
        return Err(ExitCode::from(match e {
            voipscope::AnalyzeError::Capture(_) => 2,
            voipscope::AnalyzeError::Output(_) => 1,
        }));
    }
    match keep.summary {
        Some(summary) => Ok((keep.inner, summary)),
        None => {
            eprintln!("voipscope: the analysis ended without a summary");
            Err(ExitCode::from(2))
        }
    }
}

/// The options of a command that writes records as they come: no plot series unless it
/// draws plots.
fn streaming_options(run: &RunArgs, lang: Lang, plots: bool) -> Options {
    Options {
        lang,
        without_plot_series: !plots,
        ..run.options()
    }
}

fn stdout() -> std::io::BufWriter<std::io::Stdout> {
    std::io::BufWriter::with_capacity(1 << 16, std::io::stdout())
}

fn follow_is_text() -> ExitCode {
    eprintln!("voipscope: --follow writes text; for JSON as it happens use `analyze --format jsonl --follow`");
    ExitCode::from(2)
}

fn no_such_call(wanted: &str, summary: &voipscope::Summary, calls: usize) -> ExitCode {
    eprintln!(
        "voipscope: no call {wanted:?} in {} ({calls} calls; see `voipscope calls`)",
        summary.capture.file
    );
    ExitCode::from(1)
}

fn stats_if(run: &RunArgs, started: std::time::Instant, s: &voipscope::Summary) {
    if run.stats {
        print_stats(started, &s.capture, &s.sip, s.media.streams);
    }
}

/// Where a listing goes: stdout, or held until the end (so that a call that is not there
/// gives an error alone).
enum Out {
    Stdout(std::io::BufWriter<std::io::Stdout>),
    Held(Vec<u8>),
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Out::Stdout(w) => w.write(buf),
            Out::Held(v) => v.write(buf),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match self {
            Out::Stdout(w) => w.write_all(buf),
            Out::Held(v) => v.write_all(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Out::Stdout(w) => w.flush(),
            Out::Held(_) => Ok(()),
        }
    }
}

/// A text listing (`text`: which, and whether it follows) or else a JSON document of
/// `capture`, to stdout.
fn listing(
    capture: &str,
    run: &RunArgs,
    lang: Lang,
    text: Option<(report::listing::Listing, bool)>,
    json: report::document::Shape,
    wanted: Option<&report::listing::Wanted>,
) -> ExitCode {
    let started = std::time::Instant::now();
    let opts = streaming_options(run, lang, false);
    let follow = matches!(text, Some((_, true)));
    let mut out = if wanted.is_some() && !follow {
        Out::Held(Vec::new())
    } else {
        Out::Stdout(stdout())
    };
    let (found, calls, summary) = match text {
        Some((listing, follow)) => {
            let sink = report::listing::Text::new(&mut out, listing, lang, follow, capture);
            match run_into(capture, &opts, sink) {
                Ok((t, s)) => (t.found, t.calls(), s),
                Err(code) => return code,
            }
        }
        None => {
            let sink = report::document::Document::new(&mut out, json);
            match run_into(capture, &opts, sink) {
                Ok((d, s)) => (d.found, d.call_count, s),
                Err(code) => return code,
            }
        }
    };
    stats_if(run, started, &summary);
    if let Some(w) = wanted {
        if !found {
            return no_such_call(w.as_str(), &summary, calls);
        }
    }
    if let Out::Held(bytes) = out {
        return write_out(None, &bytes);
    }
    ExitCode::SUCCESS
}

fn write_out(output: Option<&std::path::Path>, bytes: &[u8]) -> ExitCode {
    let result = match output {
        Some(path) => std::fs::write(path, bytes),
        None => std::io::stdout().write_all(bytes),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("voipscope: cannot write output: {e}");
            ExitCode::from(1)
        }
    }
}

fn batch(
    paths: &[String],
    output: &std::path::Path,
    force: bool,
    lang: Lang,
    png: bool,
    run: &RunArgs,
) -> ExitCode {
    use std::io::IsTerminal;
    let captures = match voipscope::batch::find_captures(paths) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("voipscope: {e}");
            return ExitCode::from(2);
        }
    };
    let bar = indicatif::ProgressBar::new(captures.len() as u64);
    if std::io::stderr().is_terminal() {
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {elapsed} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
    } else {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    // files run in parallel; each file's own pipeline gets one thread so the cores are shared
    // between files rather than oversubscribed
    let mut options = Options {
        lang,
        ..run.options()
    };
    if run.threads == 0 {
        options.pipeline.threads = 1;
    }
    let progress = |item: &voipscope::batch::BatchItem| {
        bar.set_message(item.report.clone());
        bar.inc(1);
    };
    let items =
        match voipscope::batch::run(&captures, output, force, lang, png, &options, &progress) {
            Ok(items) => items,
            Err(e) => {
                bar.finish_and_clear();
                eprintln!("voipscope: cannot write to {}: {e}", output.display());
                return ExitCode::from(2);
            }
        };
    bar.finish_and_clear();
    use voipscope::batch::Outcome;
    let written = items
        .iter()
        .filter(|i| i.outcome == Outcome::Written)
        .count();
    let skipped = items
        .iter()
        .filter(|i| i.outcome == Outcome::Skipped)
        .count();
    let failed: Vec<_> = items
        .iter()
        .filter_map(|i| match &i.outcome {
            Outcome::Failed(e) => Some((i, e)),
            _ => None,
        })
        .collect();
    println!(
        "{} captures: {written} reports written, {skipped} up to date, {} failed; summary in {}",
        items.len(),
        failed.len(),
        output.join("summary.html").display()
    );
    for (_, e) in &failed {
        // the error names the capture
        eprintln!("failed: {e}");
    }
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn main() -> ExitCode {
    tune_allocator();
    let cli = Cli::parse();
    match cli.command {
        Command::Analyze {
            capture,
            format: AnalyzeFormat::Jsonl,
            lang,
            follow,
            run,
        } => {
            let started = std::time::Instant::now();
            let opts = streaming_options(&run, lang.into(), false);
            let sink = report::jsonl::JsonLines::new(stdout(), follow);
            match run_into(&capture, &opts, sink) {
                Ok((_, summary)) => {
                    stats_if(&run, started, &summary);
                    ExitCode::SUCCESS
                }
                Err(code) => code,
            }
        }
        Command::Analyze {
            capture,
            format,
            lang,
            follow,
            run,
        } => {
            use report::document::Shape;
            if follow {
                eprintln!("voipscope: analyze --follow writes JSON lines: add --format jsonl (for text as it happens: `calls --follow`, `explain --follow`)");
                return ExitCode::from(2);
            }
            use report::listing::Listing;
            let text = (format == AnalyzeFormat::Text).then_some((Listing::Analyze, false));
            listing(&capture, &run, lang.into(), text, Shape::Whole, None)
        }
        Command::Calls {
            capture,
            format,
            lang,
            follow,
            run,
        } => {
            use report::document::Shape;
            use report::listing::Listing;
            let text = match format {
                Format::Text => Some((Listing::Calls, follow)),
                Format::Json if follow => return follow_is_text(),
                Format::Json => None,
            };
            listing(&capture, &run, lang.into(), text, Shape::Calls, None)
        }
        Command::Rtp {
            capture,
            format,
            run,
        } => {
            use report::document::Shape;
            use report::listing::Listing;
            let text = matches!(format, Format::Text).then_some((Listing::Streams, false));
            listing(&capture, &run, Lang::En, text, Shape::Streams, None)
        }
        Command::Explain {
            capture,
            call,
            format,
            lang,
            follow,
            run,
        } => {
            use report::document::Shape;
            use report::listing::{Listing, Wanted};
            let wanted = call.as_deref().map(Wanted::parse);
            let text = match format {
                Format::Text => Some((Listing::Findings(wanted.clone()), follow)),
                Format::Json if follow => return follow_is_text(),
                Format::Json => None,
            };
            let shape = Shape::Findings(wanted.clone());
            listing(&capture, &run, lang.into(), text, shape, wanted.as_ref())
        }
        Command::Ladder {
            capture,
            call,
            format,
            output,
            run,
        } => {
            use report::ladder::{Form, Ladders};
            let wanted = call.as_deref().map(report::listing::Wanted::parse);
            let form = match format {
                LadderFormat::Text => Form::Text,
                LadderFormat::Svg => Form::Svg,
                LadderFormat::Mermaid => Form::Mermaid,
            };
            // held until the end: a ladder that is not there gives an error and no file
            let mut held = Vec::new();
            let sink = Ladders::new(&mut held, form, wanted.clone());
            let opts = streaming_options(&run, Lang::En, false);
            let (ladders, summary) = match run_into(&capture, &opts, sink) {
                Ok(done) => done,
                Err(code) => return code,
            };
            let file = &summary.capture.file;
            if let Some(w) = &wanted {
                if !ladders.found {
                    return no_such_call(w.as_str(), &summary, ladders.calls);
                }
            } else if form == Form::Svg && ladders.calls != 1 {
                if ladders.calls == 0 {
                    eprintln!("voipscope: {file} has no calls");
                } else {
                    eprintln!(
                        "voipscope: {file} has {} calls; an SVG holds one, choose it with --call",
                        ladders.calls
                    );
                }
                return ExitCode::from(1);
            }
            drop(ladders);
            write_out(output.as_deref(), &held)
        }
        Command::Report {
            capture,
            output,
            lang,
            png,
            run,
        } => {
            let dir = match report::dir::ReportDir::create(&output, lang.into(), png) {
                Ok(d) => d,
                Err(e) => {
                    eprintln!(
                        "voipscope: cannot write the report to {}: {e}",
                        output.display()
                    );
                    return ExitCode::from(1);
                }
            };
            let started = std::time::Instant::now();
            let opts = streaming_options(&run, lang.into(), true);
            let (dir, summary) = match run_into(&capture, &opts, dir) {
                Ok(done) => done,
                Err(code) => return code,
            };
            stats_if(&run, started, &summary);
            println!(
                "{}: {} calls, {} registrations, {} streams; {} files in {}",
                summary.capture.file,
                dir.call_count,
                dir.registration_count,
                dir.stream_count,
                dir.files,
                output.display()
            );
            ExitCode::SUCCESS
        }
        Command::Export {
            capture,
            call,
            output,
            run,
        } => {
            if capture == "-" {
                eprintln!("voipscope: export reads the capture twice; give a file, not stdin");
                return ExitCode::from(2);
            }
            let wanted = report::listing::Wanted::parse(&call);
            let opts = streaming_options(&run, Lang::En, false);
            let (found, summary) =
                match run_into(&capture, &opts, voipscope::export::FindCall::new(wanted)) {
                    Ok(done) => done,
                    Err(code) => return code,
                };
            let Some(bundle) = &found.bundle else {
                return no_such_call(&call, &summary, found.calls);
            };
            let selection = voipscope::export::select_bundle(bundle);
            let file = match std::fs::File::create(&output) {
                Ok(f) => std::io::BufWriter::new(f),
                Err(e) => {
                    eprintln!("voipscope: cannot create {}: {e}", output.display());
                    return ExitCode::from(1);
                }
            };
            match voipscope::export::export(&capture, &selection, file) {
                Ok(done) => {
                    println!(
                        "call {} ({}): {} frames written to {} ({})",
                        bundle.call.number,
                        bundle.call.call_id,
                        done.frames,
                        output.display(),
                        done.container.name()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("voipscope: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Batch {
            paths,
            output,
            force,
            lang,
            png,
            run,
        } => batch(&paths, &output, force, lang.into(), png, &run),
        Command::Synth(flags) => match voipscope::synth::run(&flags.into()) {
            Ok(summary) => {
                println!("{summary}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("voipscope synth: {e}");
                ExitCode::from(2)
            }
        },
    }
}
