//! voipscope: a passive VoIP analyzer. Data flows one way: capture -> decode -> reassembly ->
//! SIP and RTP live state -> records retired as they finish (correlated, diagnosed) -> reports.
//!
//! The library never prints; `main.rs` is a thin command line over [`analysis`] and `report`.

pub mod analysis;
pub mod anomaly;
pub mod batch;
pub mod capture;
pub mod correlate;
pub mod decode;
pub mod diagnose;
pub mod export;
pub mod pipeline;
mod prefetch;
pub mod report;
pub mod rtp;
pub mod scenario;
pub mod sdp;
pub mod sip;
pub mod synth;
pub mod timefmt;

pub use analysis::{
    analyze, analyze_bytes, analyze_into, analyze_with, Analysis, AnalyzeError, CaptureSummary,
    MediaSummary, Options, Record, RecordSink, Summary,
};
pub use anomaly::{Anomaly, AnomalyKind};
pub use capture::CaptureError;
pub use decode::{SipMessage, SipTransport};
pub use pipeline::PipelineOptions;
