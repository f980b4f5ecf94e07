//! Bytes on disk to packets: capture files (pcap, pcapng, gzip, streams) read into frames, and
//! frames decoded from the link layer to the transport payload, each payload classified. Also
//! the vocabulary every later stage shares: flows, framed SIP messages, media packets,
//! anomalies, capture time.
//!
//! Invariant: nothing here trusts a length or panics on what a capture holds. Every accessor
//! returns `None` (or an anomaly) when the bytes are not there; a frame that cannot be decoded
//! is counted by why, and the next one is read.

pub mod anomaly;
pub mod capture;
pub mod decode;
pub mod find;
pub mod numbers;
pub mod prefetch;
pub mod text;
pub mod timefmt;
