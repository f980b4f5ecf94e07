//! Whole-analysis throughput on synthetic captures (concurrent G.711 calls): 1 and 2 threads,
//! then 100 against 10,000 calls in progress at once (same size, 2 threads), which shows
//! whether live state (streams, dialogs, the media plan) slows the per-packet work down.
//! The 1 GB figures in README.md come from `benches/throughput.py`.

use std::io::BufWriter;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use voipscope::synth::{write_capture, SynthArgs};
use voipscope::{Options, PipelineOptions};

fn synthetic_capture(size: u64, calls: u32) -> std::path::PathBuf {
    synthetic_capture_with(size, calls, 30.0, None)
}

fn synthetic_capture_with(
    size: u64,
    calls: u32,
    call_seconds: f64,
    ramp_seconds: Option<f64>,
) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!(
        "voipscope-bench-{size}-{calls}-{call_seconds}-{}.pcap",
        ramp_seconds.unwrap_or(0.0)
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
            total_calls: None,
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

/// Both captures hold about 10,000 calls (70,000 SIP messages) and 1.2 M RTP packets, so only
/// the number of calls in progress at once differs: 100 calls of 1.25 s talk time one after
/// another, or 10,000 calls started within half a second and all talking at once.
fn concurrent_calls(c: &mut Criterion) {
    let mut group = c.benchmark_group("concurrent_calls_256MiB");
    group.sample_size(10);
    let opts = Options {
        pipeline: PipelineOptions {
            threads: 2,
            ..Default::default()
        },
        without_plot_series: true,
        ..Default::default()
    };
    for (calls, call_seconds, ramp) in [(100u32, 1.25, None), (10_000, 30.0, Some(0.5))] {
        let path = synthetic_capture_with(256 << 20, calls, call_seconds, ramp);
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
