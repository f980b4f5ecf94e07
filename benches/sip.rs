//! SIP stage throughput: framed messages -> read (tokenizer, fields, rsip, SDP) -> retransmission
//! detection -> per-Call-ID logs -> calls and registrations. The messages come from a synthetic
//! capture of many short calls, framed by the capture stage once before timing.
//! The target is >= 500 k messages/s; criterion prints it as `thrpt ... elem/s`.

use std::io::BufWriter;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use voipscope::sip::SipTracker;
use voipscope::synth::{write_capture, SynthArgs};
use voipscope::SipMessage;

/// The binary's allocator, so the figure is the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn framed_messages() -> Vec<SipMessage> {
    let path = std::env::temp_dir().join("voipscope-bench-sip.pcap");
    if !path.exists() {
        let args = SynthArgs {
            output: path.to_string_lossy().into_owned(),
            calls: 500,
            size: 32 << 20,
            call_seconds: 1.0,
            loss_pct: 0.0,
            jitter_ms: 0.0,
            scenario: None,
            ramp_seconds: None,
            seed: 11,
            truth: None,
        };
        let file = std::fs::File::create(&path).expect("create bench capture");
        write_capture(&args, BufWriter::new(file)).expect("write bench capture");
    }
    let mut out = Vec::new();
    voipscope::analyze_with(path.to_str().unwrap(), &Default::default(), &mut |m| {
        out.push(m.clone())
    })
    .expect("analyze bench capture");
    out
}

fn sip(c: &mut Criterion) {
    let messages = framed_messages();
    let mut group = c.benchmark_group("sip");
    group.throughput(Throughput::Elements(messages.len() as u64));
    group.sample_size(10);
    group.bench_function("tokenize", |b| {
        b.iter(|| {
            messages
                .iter()
                .filter(|m| voipscope::sip::tokenizer::tokenize(&m.data).is_ok())
                .count()
        })
    });
    group.bench_function("read", |b| {
        b.iter(|| {
            messages
                .iter()
                .filter(|m| voipscope::sip::message::read(m).is_ok())
                .count()
        })
    });
    group.bench_function(
        format!("parse_and_track_{}_messages", messages.len()),
        |b| {
            b.iter(|| {
                // in batches, as the binary does (voipscope::analyze_with)
                let mut tracker = SipTracker::new();
                for batch in messages.chunks(256) {
                    tracker.push_batch(batch);
                }
                let (analysis, _) = tracker.finish(0);
                assert!(!analysis.calls.is_empty());
                analysis.calls.len()
            })
        },
    );
    group.finish();
}

criterion_group!(benches, sip);
criterion_main!(benches);
