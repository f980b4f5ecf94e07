//! RTP and RTCP analysis: per-stream figures in both families of ../shared/RTP-ANALYSIS.md
//! (`wireshark`, identical to Wireshark's RTP analysis, and `rfc3550`), a quality estimate,
//! RFC 4733 digits, RTCP reports and bounded time series for plots.
//!
//! Invariant: the `wireshark` figures are computed as Wireshark 4.0 computes them, so they
//! equal tshark's on every capture (tests compare them); per-packet work reads only the
//! stream's hot state, and memory is bounded by the live streams, never by their packets.

pub mod clock;
pub mod dtmf;
pub mod flows;
mod index;
pub mod quality;
pub mod rfc3550;
pub mod rtcp;
pub mod series;
pub mod streams;
pub mod wireshark;

pub use streams::{ClockSource, Direction, Encryption, RtpStream, StreamTable};
