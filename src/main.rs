//! The `voipscope` command line: parse arguments, call the library, print.

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

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

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Summarise a capture: what it holds and what is wrong with it.
    Analyze {
        /// pcap or pcapng file, optionally gzip-compressed; `-` reads stdin.
        capture: String,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
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
}

impl RunArgs {
    fn options(&self) -> Options {
        Options {
            pipeline: PipelineOptions {
                threads: self.threads,
                chunk_bytes: self.chunk_bytes.max(1),
            },
        }
    }
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Analyze {
            capture,
            format,
            run,
        } => {
            let started = std::time::Instant::now();
            let analysis = match voipscope::analyze(&capture, &run.options()) {
                Ok(a) => a,
                Err(e) => {
                    eprintln!("voipscope: {e}");
                    return ExitCode::from(2);
                }
            };
            let elapsed = started.elapsed().as_secs_f64();
            let text = match format {
                Format::Text => report::text::summary(&analysis),
                Format::Json => report::json(&analysis),
            };
            let _ = std::io::stdout().write_all(text.as_bytes());
            if run.stats {
                let mb = analysis.capture.file_bytes as f64 / 1e6;
                eprintln!(
                    "stats: {:.3} s, {:.1} MB/s, {:.0} packets/s, peak RSS {} KiB",
                    elapsed,
                    mb / elapsed,
                    analysis.capture.frames as f64 / elapsed,
                    peak_rss_kib().unwrap_or(0)
                );
            }
            ExitCode::SUCCESS
        }
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
