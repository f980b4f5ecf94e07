//! Whole-analysis throughput on synthetic captures (concurrent G.711 calls): 1 and 2 threads,
//! then 100 against 10,000 calls in progress at once (the same calls, 2 threads), which shows
//! whether live state (streams, dialogs, the media plan) slows the per-packet work down.
//! The 1 GB figures in README.md come from `benches/throughput.py`.

use std::io::BufWriter;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use voipscope::synth::{write_capture, SynthArgs};
use voipscope::{Options, PipelineOptions};

fn synthetic_capture(size: u64, calls: u32) -> std::path::PathBuf {
    synthetic_capture_with(size, calls, 30.0, None, None)
}

fn synthetic_capture_with(
    size: u64,
    calls: u32,
    call_seconds: f64,
    ramp_seconds: Option<f64>,
    total_calls: Option<u64>,
) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!(
        "voipscope-bench-{size}-{calls}-{call_seconds}-{}-{}.pcap",
        ramp_seconds.unwrap_or(0.0),
        total_calls.unwrap_or(0)
    ));
    if !path.exists() {
        let args = SynthArgs {
            output: path.to_string_lossy().into_owned(),
            calls,
            size,
            call_seconds,
            loss_pct: 0.5,
            jitter_ms: 5.0,
            scenario: None,
            ramp_seconds,
            total_calls,
            seed: 7,
            truth: None,
        };
        let file = std::fs::File::create(&path).expect("create bench capture");
        write_capture(&args, BufWriter::new(file)).expect("write bench capture");
    }
    path
}

fn pipeline(c: &mut Criterion) {
    let path = synthetic_capture(64 << 20, 200);
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let mut group = c.benchmark_group("analyze_64MiB");
    group.throughput(Throughput::Bytes(bytes));
    group.sample_size(10);
    for threads in [1usize, 2] {
        let opts = Options {
            pipeline: PipelineOptions {
                threads,
                ..Default::default()
            },
            // as `voipscope analyze`, which draws no plot
            without_plot_series: true,
            ..Default::default()
        };
        group.bench_with_input(BenchmarkId::new("threads", threads), &opts, |b, opts| {
            b.iter(|| voipscope::analyze(path.to_str().unwrap(), opts).expect("analyze"));
        });
    }
    group.finish();
}

/// Both captures hold the same 10,000 calls (70,000 SIP messages, 1.09 M RTP packets, 281 MB,
/// 1.1 s of talk each), so only the number of calls in progress at once differs: 100 at a
/// time, one starting as another ends, or all 10,000 started within half a second. The
/// second is also a burst: its SIP comes in three waves (setup, answer, hang-up).
fn concurrent_calls(c: &mut Criterion) {
    let mut group = c.benchmark_group("concurrent_calls");
    group.sample_size(10);
    let opts = Options {
        pipeline: PipelineOptions {
            threads: 2,
            ..Default::default()
        },
        without_plot_series: true,
        ..Default::default()
    };
    for (calls, ramp) in [(100u32, None), (10_000, Some(0.5))] {
        let path = synthetic_capture_with(2 << 30, calls, 1.1, ramp, Some(10_000));
        let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        group.throughput(Throughput::Bytes(bytes));
        group.bench_with_input(BenchmarkId::new("calls", calls), &opts, |b, opts| {
            b.iter(|| voipscope::analyze(path.to_str().unwrap(), opts).expect("analyze"));
        });
    }
    group.finish();
}

criterion_group!(benches, pipeline, concurrent_calls);
criterion_main!(benches);
