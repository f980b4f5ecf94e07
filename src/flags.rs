//! The command line: every subcommand and its flags. A flag several commands share is defined
//! once here (as ripgrep's `flags/` does) and flattened into the commands where it acts, with
//! its help text beside it; nothing here runs an analysis.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use voipscope::sip::status::Lang;
use voipscope::{Options, PipelineOptions};

#[derive(Parser)]
#[command(
    name = "voipscope",
    version,
    about = "Passive VoIP analyzer for pcap/pcapng captures: calls, registrations, RTP quality, and what went wrong"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The capture a command reads.
#[derive(Args)]
pub struct Input {
    /// pcap or pcapng file, optionally gzip-compressed (.gz); `-` reads stdin.
    #[arg(value_name = "CAPTURE")]
    pub capture: String,
}

/// The language of explanations.
#[derive(Args)]
pub struct Language {
    /// Language of explanations: en (English) or de (German).
    #[arg(long, value_enum, default_value = "en")]
    pub lang: LangArg,
}

/// How many threads analyze.
#[derive(Args)]
pub struct Work {
    /// Worker threads; 0, the default, takes one per core. The output is the same for any
    /// value.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Bytes per parallel chunk (tuning and tests; the output does not depend on it).
    #[arg(long, default_value_t = voipscope::pipeline::DEFAULT_CHUNK_BYTES, hide = true)]
    pub chunk_bytes: usize,
}

/// The MOS estimate's jitter buffer, for commands that show or judge MOS.
#[derive(Args)]
pub struct Mos {
    /// Depth of the simulated fixed jitter buffer of the MOS estimate, in ms: packets later
    /// than this count as lost.
    #[arg(long, default_value_t = voipscope::rtp::quality::DEFAULT_JITTER_BUFFER_MS)]
    pub jitter_buffer_ms: f64,
}

/// `--stats`, for commands that analyze a whole capture.
#[derive(Args)]
pub struct Stats {
    /// Print elapsed time, throughput and peak memory to stderr.
    #[arg(long)]
    pub stats: bool,
}

/// A call chosen by number or Call-ID.
#[derive(Args)]
pub struct CallChoice {
    /// Call number (as `calls` lists it) or Call-ID.
    #[arg(long)]
    pub call: String,
}

/// A call chosen by number or Call-ID, or every call.
#[derive(Args)]
pub struct MaybeCall {
    /// Only this call: its number (as `calls` lists it) or Call-ID; registrations by Call-ID.
    /// Default: every call.
    #[arg(long)]
    pub call: Option<String>,
}

/// The language of explanations, as the command line names it.
#[derive(Clone, Copy, ValueEnum)]
pub enum LangArg {
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

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AnalyzeFormat {
    Text,
    /// One JSON document (written at the end).
    Json,
    /// One JSON object per line, each written when its record is finished.
    Jsonl,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LadderFormat {
    Text,
    Svg,
    Mermaid,
}

#[derive(Subcommand)]
pub enum Command {
    /// Summarise a capture: what it holds and what is wrong with it.
    Analyze {
        #[command(flatten)]
        input: Input,
        /// text (a summary), json (one document) or jsonl (one line per record, as it ends).
        #[arg(long, value_enum, default_value = "text")]
        format: AnalyzeFormat,
        #[command(flatten)]
        language: Language,
        /// With jsonl: write each line as soon as its record is finished (a live log).
        #[arg(long)]
        follow: bool,
        #[command(flatten)]
        work: Work,
        #[command(flatten)]
        mos: Mos,
        #[command(flatten)]
        stats: Stats,
    },
    /// List every call and registration: state, final status and why.
    Calls {
        #[command(flatten)]
        input: Input,
        /// text (a table) or json.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        #[command(flatten)]
        language: Language,
        /// Print each call and registration as it ends, in the order they end (a live call
        /// log: `tcpdump -i eth0 -U -w - | voipscope calls --follow -`).
        #[arg(long)]
        follow: bool,
        #[command(flatten)]
        work: Work,
        #[command(flatten)]
        stats: Stats,
    },
    /// Draw the call flow (ladder) of calls or registrations.
    Ladder {
        #[command(flatten)]
        input: Input,
        #[command(flatten)]
        call: MaybeCall,
        /// text (100 columns), svg (one call) or mermaid (a sequenceDiagram).
        #[arg(long, value_enum, default_value = "text")]
        format: LadderFormat,
        /// Write to this file instead of stdout.
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        work: Work,
    },
    /// Say what went wrong and why, most important first, with the frames that show it.
    Explain {
        #[command(flatten)]
        input: Input,
        #[command(flatten)]
        call: MaybeCall,
        /// text or json.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        #[command(flatten)]
        language: Language,
        /// Print each finding as its call (or the capture) is finished, in that order.
        #[arg(long)]
        follow: bool,
        #[command(flatten)]
        work: Work,
        #[command(flatten)]
        mos: Mos,
        #[command(flatten)]
        stats: Stats,
    },
    /// List every RTP stream: tshark's rtp,streams columns, then RFC 3550 figures, MOS, call.
    Rtp {
        #[command(flatten)]
        input: Input,
        /// text (a table) or json.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        #[command(flatten)]
        work: Work,
        #[command(flatten)]
        mos: Mos,
        #[command(flatten)]
        stats: Stats,
    },
    /// Write a report directory: index.html (self-contained), calls/registrations/streams CSV,
    /// analysis.json, ladders/ (SVG, text, Mermaid per call) and plots/ (SVG per stream).
    Report {
        #[command(flatten)]
        input: Input,
        /// Directory to write (created if missing).
        #[arg(short, long)]
        output: PathBuf,
        #[command(flatten)]
        language: Language,
        /// Also write the plots as PNG.
        #[arg(long)]
        png: bool,
        /// Also decode the G.711 audio of the worst calls shown (up to 10, ten minutes a
        /// stream) to WAV under audio/, with a player on the page (a second pass over the
        /// capture; not from stdin).
        #[arg(long)]
        audio: bool,
        /// Do not read the capture a second time for the whole text of the SIP messages
        /// (shown when a ladder arrow is clicked); a report of a huge capture is then written in
        /// half the time.
        #[arg(long)]
        no_messages: bool,
        #[command(flatten)]
        work: Work,
        #[command(flatten)]
        mos: Mos,
        #[command(flatten)]
        stats: Stats,
    },
    /// Write every frame of one call (SIP, retransmissions, fragments and segments, RTP, RTCP,
    /// DTMF, STUN/DTLS on its media path) to a new capture, pcap or pcapng like the input.
    Export {
        #[command(flatten)]
        input: Input,
        #[command(flatten)]
        call: CallChoice,
        /// Capture file to write.
        #[arg(short, long)]
        output: PathBuf,
        #[command(flatten)]
        work: Work,
    },
    /// Listen to one call: its G.711 streams (PCMU, PCMA) decoded to WAV, one file per stream
    /// (call-N-stream-S.wav) and one with both directions (call-N.wav: caller left, callee
    /// right), placed by RTP timestamp (lost packets are silence). Other codecs and SRTP are
    /// named as not decoded.
    Audio {
        #[command(flatten)]
        input: Input,
        #[command(flatten)]
        call: CallChoice,
        /// Directory to write the WAV files to (created if missing).
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
        #[command(flatten)]
        work: Work,
    },
    /// Report many captures (files, directories, glob patterns, .gz) in parallel: one report
    /// directory each under OUT, plus summary.csv and summary.html. Reports newer than their
    /// capture are kept unless --force. Exits 1 if any capture failed.
    Batch {
        /// Capture files, directories or glob patterns.
        #[arg(required = true)]
        paths: Vec<String>,
        /// Directory to write the reports and the summary to.
        #[arg(short, long)]
        output: PathBuf,
        /// Write every report again, even when it is newer than its capture.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        language: Language,
        /// Also write the plots as PNG.
        #[arg(long)]
        png: bool,
        /// Do not read each capture a second time for the whole text of the SIP messages
        /// (shown when a ladder arrow is clicked); the batch then takes about half the time.
        #[arg(long)]
        no_messages: bool,
        #[command(flatten)]
        work: Work,
        #[command(flatten)]
        mos: Mos,
    },
    /// Write many captures (files, directories, glob patterns, .gz) as a Parquet dataset:
    /// tables captures, calls, registrations, streams, findings and messages, partitioned by
    /// capture date and capture (`TABLE/date=YYYY-MM-DD/capture=NAME/part-0.parquet`), with a
    /// manifest; a capture already ingested and unchanged is skipped. Needs the `sql` feature.
    Ingest {
        /// Capture files, directories or glob patterns.
        #[arg(required = true)]
        paths: Vec<String>,
        /// The dataset directory (created if missing).
        #[arg(short, long, value_name = "DATASET")]
        output: PathBuf,
        /// Write every capture again, even when the manifest has it unchanged.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        cluster: Cluster,
        #[command(flatten)]
        work: Work,
        #[command(flatten)]
        mos: Mos,
    },
    /// Run SQL (Apache DataFusion) over a dataset written by `ingest`, or straight over
    /// capture files: `voipscope sql DATASET "SELECT ..."`, `voipscope sql a.pcap b.pcap
    /// "SELECT ..."`. Tables: captures, calls, registrations, streams, findings, messages,
    /// each with `date` and `capture` columns. Needs the `sql` feature.
    Sql {
        /// A dataset directory written by `ingest`, or capture files, directories and glob
        /// patterns; then the query (DataFusion's SQL dialect), quoted as one argument.
        #[arg(required = true, value_name = "SOURCE... QUERY")]
        args: Vec<String>,
        /// text (an aligned table), csv or json (an array of objects).
        #[arg(long, value_enum, default_value = "text")]
        format: SqlFormat,
        #[command(flatten)]
        cluster: Cluster,
        #[command(flatten)]
        work: Work,
        #[command(flatten)]
        mos: Mos,
    },
    /// Run a node of an Apache Ballista cluster for `ingest --cluster` and `sql --cluster`: the
    /// scheduler, or an executor. Needs the `cluster` feature.
    Cluster {
        #[command(subcommand)]
        role: ClusterRole,
    },
    /// Write a synthetic capture of concurrent G.711 calls and its ground truth.
    Synth(SynthFlags),
}

/// `--cluster`, for the commands that can run on a Ballista cluster.
#[derive(Args)]
pub struct Cluster {
    /// Run on the Ballista cluster whose scheduler is at this URL (`df://HOST:PORT`) instead of
    /// in this process. Captures and dataset must be at the same paths on every executor
    /// (shared storage). Needs the `cluster` feature.
    #[arg(long, value_name = "df://HOST:PORT")]
    pub cluster: Option<String>,
}

/// A node of the cluster.
#[derive(Subcommand)]
pub enum ClusterRole {
    /// The scheduler: takes jobs from clients and hands their tasks to executors.
    Scheduler {
        /// The address to listen on.
        #[arg(long, default_value = "0.0.0.0:50050")]
        bind: std::net::SocketAddr,
        /// The host name executors and clients reach this scheduler by (default: the bind
        /// address).
        #[arg(long)]
        external_host: Option<String>,
        /// Seconds without a heartbeat after which an executor is lost and its tasks run
        /// elsewhere; longer than the executors' --heartbeat.
        #[arg(long, default_value_t = 180)]
        executor_timeout: u64,
    },
    /// An executor: runs tasks (one capture each) and keeps their results until fetched.
    Executor {
        /// The scheduler, HOST:PORT.
        #[arg(long, default_value = "localhost:50050")]
        scheduler: String,
        /// The address its services listen on.
        #[arg(long, default_value = "0.0.0.0")]
        bind: String,
        /// The host name the scheduler and clients reach this executor by.
        #[arg(long)]
        external_host: Option<String>,
        /// The Arrow Flight port clients fetch results from.
        #[arg(long, default_value_t = 50051)]
        flight_port: u16,
        /// The gRPC port the scheduler sends tasks to.
        #[arg(long, default_value_t = 50052)]
        grpc_port: u16,
        /// Tasks (captures) run at once; 0, the default, takes one per core.
        #[arg(long, default_value_t = 0)]
        tasks: usize,
        /// Where results wait until fetched (default: a temporary directory).
        #[arg(long)]
        work_dir: Option<String>,
        /// Seconds between heartbeats to the scheduler.
        #[arg(long, default_value_t = 60)]
        heartbeat: u64,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum SqlFormat {
    Text,
    Csv,
    Json,
}

/// How one command runs the analysis: its threads, the MOS estimate's jitter buffer (where it
/// shows or judges MOS) and whether it prints statistics.
pub struct Run {
    pub threads: usize,
    pub chunk_bytes: usize,
    pub jitter_buffer_ms: Option<f64>,
    pub stats: bool,
}

impl Run {
    pub fn new(work: &Work, mos: Option<&Mos>, stats: Option<&Stats>) -> Run {
        Run {
            threads: work.threads,
            chunk_bytes: work.chunk_bytes,
            jitter_buffer_ms: mos.map(|m| m.jitter_buffer_ms),
            stats: stats.is_some_and(|s| s.stats),
        }
    }

    pub fn options(&self) -> Options {
        Options {
            pipeline: PipelineOptions {
                threads: self.threads,
                chunk_bytes: self.chunk_bytes.max(1),
            },
            jitter_buffer_ms: self.jitter_buffer_ms,
            lang: Lang::En,
            without_plot_series: false,
        }
    }
}

/// The `voipscope synth` arguments (see [`voipscope::synth::SynthArgs`]).
#[derive(Args, Debug, Clone)]
pub struct SynthFlags {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_argument_has_help() {
        use clap::CommandFactory;
        let cli = Cli::command();
        for sub in cli.get_subcommands() {
            for arg in sub.get_arguments() {
                if arg.is_hide_set() || arg.get_id() == "help" {
                    continue;
                }
                assert!(
                    arg.get_help().is_some(),
                    "{} --{} has no help text",
                    sub.get_name(),
                    arg.get_id()
                );
            }
        }
        cli.debug_assert();
    }
}
