//! voipscope: a passive VoIP analyzer. Data flows one way, and each step is a crate of the
//! workspace that depends only on the steps before it:
//!
//! `wire` (capture files, frames, decoding) -> `reasm` (fragments, TCP, SCTP, WebSocket, SIP
//! framing) -> `sdp` and `sip` (messages, calls, registrations) and `rtp` (stream figures) ->
//! `analysis` (pipeline, live state, correlation, diagnosis) -> `report` (every output).
//! `testkit` writes captures for tests and benchmarks.
//!
//! This crate is the `voipscope` command line (`main.rs`, over [`report`] and [`analysis`]) and,
//! for tests, benchmarks and fuzzing, the crates under one name.

pub mod allocator;

pub use voipscope_analysis as analysis;
pub use voipscope_analysis::{correlate, diagnose, pipeline};
pub use voipscope_reasm as reasm;
pub use voipscope_report as report;
pub use voipscope_report::{batch, export};
pub use voipscope_rtp as rtp;
pub use voipscope_sdp as sdp;
pub use voipscope_sip as sip;
pub use voipscope_testkit::{scenario, synth};
pub use voipscope_wire::{anomaly, capture, decode, numbers, timefmt};

pub use voipscope_analysis::pipeline::PipelineOptions;
pub use voipscope_analysis::{
    analyze, analyze_bytes, analyze_into, analyze_with, Analysis, AnalyzeError, CaptureSummary,
    MediaSummary, Options, Record, RecordSink, Summary,
};
pub use voipscope_wire::anomaly::{Anomaly, AnomalyKind};
pub use voipscope_wire::capture::CaptureError;
pub use voipscope_wire::decode::{SipMessage, SipTransport};
