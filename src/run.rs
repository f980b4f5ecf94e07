//! How a command runs: the analysis into a sink, its errors as exit codes (2: the capture,
//! 1: the output), listings held until a chosen call is found, batches with a progress bar,
//! and `--stats`.

use std::io::Write;
use std::process::ExitCode;

use crate::flags::Run;
use voipscope::sip::status::Lang;
use voipscope::{report, Options};

pub(crate) fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `--stats`: time, throughput and peak memory of the run, to stderr.
pub(crate) fn print_stats(
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
pub(crate) fn peak_anon_kib() -> Option<u64> {
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
pub(crate) fn run_into<S: voipscope::RecordSink>(
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
pub(crate) fn streaming_options(run: &Run, lang: Lang, plots: bool) -> Options {
    Options {
        lang,
        without_plot_series: !plots,
        ..run.options()
    }
}

pub(crate) fn stdout() -> std::io::BufWriter<std::io::Stdout> {
    std::io::BufWriter::with_capacity(1 << 16, std::io::stdout())
}

pub(crate) fn follow_is_text() -> ExitCode {
    eprintln!("voipscope: --follow writes text; for JSON as it happens use `analyze --format jsonl --follow`");
    ExitCode::from(2)
}

pub(crate) fn no_such_call(wanted: &str, summary: &voipscope::Summary, calls: usize) -> ExitCode {
    eprintln!(
        "voipscope: no call {wanted:?} in {} ({calls} calls; see `voipscope calls`)",
        summary.capture.file
    );
    ExitCode::from(1)
}

pub(crate) fn stats_if(run: &Run, started: std::time::Instant, s: &voipscope::Summary) {
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
pub(crate) fn listing(
    capture: &str,
    run: &Run,
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

pub(crate) fn write_out(output: Option<&std::path::Path>, bytes: &[u8]) -> ExitCode {
    let result = match output {
        Some(path) => std::fs::write(path, bytes),
        None => std::io::stdout().write_all(bytes),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            match output {
                Some(path) => eprintln!("voipscope: cannot write {}: {e}", path.display()),
                None => eprintln!("voipscope: cannot write to standard output: {e}"),
            }
            ExitCode::from(1)
        }
    }
}

pub(crate) fn batch(
    paths: &[String],
    output: &std::path::Path,
    settings: voipscope::batch::BatchSettings,
    run: &Run,
) -> ExitCode {
    let lang = settings.lang;
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
    let items = match voipscope::batch::run(&captures, output, settings, &options, &progress) {
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
