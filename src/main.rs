//! The `voipscope` command line: parse arguments, call the library, print.

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// glibc's allocator spent a quarter of the SIP stage consolidating free lists (measured with
/// perf on benches/sip.rs); mimalloc does not.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc asks for transparent huge pages, so each of its regions the analysis touches is
/// resident (and zeroed) 2 MiB at a time: on the 1 GB benchmark capture that made the
/// resident heap 66-76 MB for 31 MB allocated. Without them it is 37-40 MB, at a cost within
/// this machine's noise (best of 9: 0.485 against 0.502 s, medians equal).
fn without_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and changes only this process's page
    // policy; a kernel without it returns an error, which changes nothing.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

use voipscope::report::ladder::{self, Ladder};
use voipscope::sip::status::Lang;
use voipscope::{report, Analysis, Options, PipelineOptions};

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

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
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
        format: Format,
        /// Language of explanations in the text output.
        #[arg(long, value_enum, default_value = "en")]
        lang: Lang,
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
        lang: Lang,
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
        lang: Lang,
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
        lang: Lang,
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
        lang: Lang,
        /// Also write the plots as PNG.
        #[arg(long)]
        png: bool,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Write a synthetic capture of concurrent G.711 calls and its ground truth.
    Synth(voipscope::synth::SynthArgs),
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

/// `plots`: the command draws plots, so the analysis keeps the streams' time series.
fn load(capture: &str, run: &RunArgs, lang: Lang, plots: bool) -> Result<Analysis, ExitCode> {
    let opts = Options {
        lang,
        without_plot_series: !plots,
        ..run.options()
    };
    voipscope::analyze(capture, &opts).map_err(|e| {
        eprintln!("voipscope: {e}");
        ExitCode::from(2)
    })
}

fn write_out(output: Option<&std::path::Path>, text: &str) -> ExitCode {
    let result = match output {
        Some(path) => std::fs::write(path, text),
        None => std::io::stdout().write_all(text.as_bytes()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("voipscope: cannot write output: {e}");
            ExitCode::from(1)
        }
    }
}

/// A call by number (as `calls` prints it) or by Call-ID.
fn find_call<'a>(a: &'a Analysis, wanted: &str) -> Option<&'a voipscope::correlate::CallRecord> {
    wanted
        .parse::<usize>()
        .ok()
        .and_then(|n| a.call_by_number(n))
        .or_else(|| a.calls.iter().find(|c| c.call_id == wanted))
}

/// The ladders `--call` asks for: a call by number or Call-ID, or a registration by Call-ID.
fn select_ladders(a: &Analysis, call: Option<&str>) -> Result<Vec<Ladder>, String> {
    let base = a.capture.time_base;
    let Some(wanted) = call else {
        return Ok(a.calls.iter().map(|c| ladder::of_call(c, base)).collect());
    };
    if let Some(c) = find_call(a, wanted) {
        return Ok(vec![ladder::of_call(c, base)]);
    }
    if let Some(r) = a.registrations.iter().find(|r| r.call_id == wanted) {
        return Ok(vec![ladder::of_registration(r, base)]);
    }
    Err(format!(
        "no call {wanted:?} in {} ({} calls; see `voipscope calls`)",
        a.capture.file,
        a.calls.len()
    ))
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
    without_huge_pages();
    let cli = Cli::parse();
    match cli.command {
        Command::Analyze {
            capture,
            format,
            lang,
            run,
        } => {
            let started = std::time::Instant::now();
            let analysis = match load(&capture, &run, lang, false) {
                Ok(a) => a,
                Err(code) => return code,
            };
            let elapsed = started.elapsed().as_secs_f64();
            let text = match format {
                Format::Text => {
                    let mut t = report::text::summary(&analysis);
                    if !analysis.calls.is_empty() || !analysis.registrations.is_empty() {
                        t.push('\n');
                        t.push_str(&report::calls::table(&analysis, lang));
                    }
                    if !analysis.findings.is_empty() {
                        t.push('\n');
                        t.push_str(&report::findings::text(&analysis, None, lang));
                    }
                    t
                }
                Format::Json => {
                    if let Err(e) = report::write_json(&analysis, std::io::stdout().lock()) {
                        eprintln!("voipscope: cannot write output: {e}");
                        return ExitCode::from(1);
                    }
                    String::new()
                }
            };
            let _ = std::io::stdout().write_all(text.as_bytes());
            if run.stats {
                let mb = analysis.capture.file_bytes as f64 / 1e6;
                eprintln!(
                    "stats: {:.3} s, {:.1} MB/s, {:.0} packets/s, peak RSS {} KiB; {} SIP messages ({} not kept), {} streams, anomalies {:?}",
                    elapsed,
                    mb / elapsed,
                    analysis.capture.frames as f64 / elapsed,
                    peak_rss_kib().unwrap_or(0),
                    analysis.sip.messages,
                    analysis.sip.dropped_messages,
                    analysis.streams.len(),
                    analysis.capture.anomaly_counts
                );
            }
            ExitCode::SUCCESS
        }
        Command::Calls {
            capture,
            format,
            lang,
            run,
        } => {
            let a = match load(&capture, &run, lang, false) {
                Ok(a) => a,
                Err(code) => return code,
            };
            let text = match format {
                Format::Text => report::calls::table(&a, lang),
                Format::Json => report::calls_json(&a),
            };
            write_out(None, &text)
        }
        Command::Rtp {
            capture,
            format,
            run,
        } => {
            let a = match load(&capture, &run, Lang::En, false) {
                Ok(a) => a,
                Err(code) => return code,
            };
            let text = match format {
                Format::Text => report::streams::table(&a),
                Format::Json => report::streams::json(&a),
            };
            write_out(None, &text)
        }
        Command::Ladder {
            capture,
            call,
            format,
            output,
            run,
        } => {
            let a = match load(&capture, &run, Lang::En, false) {
                Ok(a) => a,
                Err(code) => return code,
            };
            let ladders = match select_ladders(&a, call.as_deref()) {
                Ok(l) => l,
                Err(e) => {
                    eprintln!("voipscope: {e}");
                    return ExitCode::from(1);
                }
            };
            let text = match format {
                LadderFormat::Text => ladders
                    .iter()
                    .map(ladder::text::render)
                    .collect::<Vec<_>>()
                    .join("\n"),
                LadderFormat::Mermaid => ladders
                    .iter()
                    .map(ladder::mermaid::render)
                    .collect::<Vec<_>>()
                    .join("\n"),
                LadderFormat::Svg => match ladders.as_slice() {
                    [one] => ladder::svg::render(one),
                    [] => {
                        eprintln!("voipscope: {} has no calls", a.capture.file);
                        return ExitCode::from(1);
                    }
                    _ => {
                        eprintln!(
                            "voipscope: {} has {} calls; an SVG holds one, choose it with --call",
                            a.capture.file,
                            ladders.len()
                        );
                        return ExitCode::from(1);
                    }
                },
            };
            write_out(output.as_deref(), &text)
        }
        Command::Report {
            capture,
            output,
            lang,
            png,
            run,
        } => {
            let a = match load(&capture, &run, lang, true) {
                Ok(a) => a,
                Err(code) => return code,
            };
            match report::dir::write_report(&a, &output, lang, png) {
                Ok(files) => {
                    println!(
                        "{}: {} calls, {} registrations, {} streams; {} files in {}",
                        a.capture.file,
                        a.calls.len(),
                        a.registrations.len(),
                        a.streams.len(),
                        files.len(),
                        output.display()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("voipscope: cannot write the report: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Explain {
            capture,
            call,
            format,
            lang,
            run,
        } => {
            let a = match load(&capture, &run, lang, false) {
                Ok(a) => a,
                Err(code) => return code,
            };
            let number = match call.as_deref() {
                None => None,
                Some(wanted) => match find_call(&a, wanted) {
                    Some(c) => Some(c.number),
                    None => {
                        eprintln!(
                            "voipscope: no call {wanted:?} in {} ({} calls; see `voipscope calls`)",
                            a.capture.file,
                            a.calls.len()
                        );
                        return ExitCode::from(1);
                    }
                },
            };
            let text = match format {
                Format::Text => report::findings::text(&a, number, lang),
                Format::Json => {
                    let chosen: Vec<_> = a
                        .findings
                        .iter()
                        .filter(|f| number.is_none() || f.call_number == number)
                        .collect();
                    serde_json::to_string_pretty(&serde_json::json!({ "findings": chosen }))
                        .unwrap_or_default()
                        + "\n"
                }
            };
            write_out(None, &text)
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
            let a = match load(&capture, &run, Lang::En, false) {
                Ok(a) => a,
                Err(code) => return code,
            };
            let Some(c) = find_call(&a, &call) else {
                eprintln!(
                    "voipscope: no call {call:?} in {} ({} calls; see `voipscope calls`)",
                    a.capture.file,
                    a.calls.len()
                );
                return ExitCode::from(1);
            };
            let selection = voipscope::export::select(&a, c);
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
                        c.number,
                        c.call_id,
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
        } => batch(&paths, &output, force, lang, png, &run),
        Command::Synth(args) => match voipscope::synth::run(&args) {
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
