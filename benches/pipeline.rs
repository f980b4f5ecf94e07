//! Capture-stage throughput on a synthetic capture (concurrent G.711 calls), 1 and 2 threads.
//! The 1 GB figures in README.md come from `benches/throughput.py`.

use std::io::BufWriter;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use voipscope::synth::{write_capture, SynthArgs};
use voipscope::{Options, PipelineOptions};

fn synthetic_capture(size: u64) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("voipscope-bench-{size}.pcap"));
    if !path.exists() {
        let args = SynthArgs {
            output: path.to_string_lossy().into_owned(),
            calls: 200,
            size,
            call_seconds: 30.0,
            loss_pct: 0.5,
            jitter_ms: 5.0,
            seed: 7,
            truth: None,
        };
        let file = std::fs::File::create(&path).expect("create bench capture");
        write_capture(&args, BufWriter::new(file)).expect("write bench capture");
    }
    path
}

fn pipeline(c: &mut Criterion) {
    let path = synthetic_capture(64 << 20);
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
            ..Default::default()
        };
        group.bench_with_input(BenchmarkId::new("threads", threads), &opts, |b, opts| {
            b.iter(|| voipscope::analyze(path.to_str().unwrap(), opts).expect("analyze"));
        });
    }
    group.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
