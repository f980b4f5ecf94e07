//! SIP stage throughput: framed messages -> read (tokenizer, fields, rsip, SDP) -> retransmission
//! detection -> per-Call-ID logs -> calls and registrations. The messages come from a synthetic
//! capture of many short calls, framed by the capture stage once before timing.
//! The target is >= 500 k messages/s; criterion prints it as `thrpt ... elem/s`.
//! `parse_track_and_check_sdp` adds the media stage's strict SDP check (webrtc-sdp), which
//! the binary runs after the SIP stage; it is measured apart so both figures are visible.

use std::io::BufWriter;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use voipscope::sip::{SipAnalysis, SipTracker, Unfiled};
use voipscope::synth::{write_capture, SynthArgs};
use voipscope::SipMessage;

/// The binary's allocator, so the figure is the binary's.
#[global_allocator]
static GLOBAL: voipscope::allocator::Allocator = voipscope::allocator::Allocator;

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
            total_calls: None,
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

/// The analysis is returned, not dropped: freeing it is neither parsing nor tracking, and the
/// binary hands it to the report writers (criterion's `iter_batched` frees it untimed).
fn parse_and_track(batches: Vec<Vec<Unfiled>>, check_sdp: bool) -> SipAnalysis {
    // in batches, as the binary does (voipscope::analyze_with)
    let mut tracker = SipTracker::new();
    for mut batch in batches {
        tracker.push_batch(&mut batch);
    }
    let (mut analysis, _) = tracker.finish();
    if check_sdp {
        voipscope::sdp::validate::check_all(
            analysis
                .calls
                .iter_mut()
                .flat_map(voipscope::sip::Call::descriptions_mut),
        );
        assert!(analysis
            .calls
            .iter()
            .all(|c| c.sdp.iter().all(|e| e.sdp.text.is_none())));
    }
    assert!(!analysis.calls.is_empty());
    analysis
}

/// The messages as the tracker takes them, in batches of 1024, not yet read (made untimed).
fn batches(messages: &[SipMessage]) -> Vec<Vec<Unfiled>> {
    messages
        .chunks(1024)
        .map(|b| b.iter().cloned().map(Unfiled::from).collect())
        .collect()
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
    // The figure: SIP read and tracked into calls and registrations, with the lenient
    // SDP reading the ladders need.
    group.bench_function(
        format!("parse_and_track_{}_messages", messages.len()),
        |b| {
            b.iter_batched(
                || batches(&messages),
                |m| parse_and_track(m, false),
                BatchSize::LargeInput,
            )
        },
    );
    // The same plus the media stage's strict webrtc-sdp check of every distinct description,
    // as the binary runs it.
    group.bench_function(
        format!("parse_track_and_check_sdp_{}_messages", messages.len()),
        |b| {
            b.iter_batched(
                || batches(&messages),
                |m| parse_and_track(m, true),
                BatchSize::LargeInput,
            )
        },
    );
    group.finish();
}

criterion_group!(benches, sip);
criterion_main!(benches);
