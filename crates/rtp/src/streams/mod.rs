//! The stream table: RTP packets in capture order -> per-stream state (both families of
//! figures, DTMF, series) -> [`RtpStream`] results. A stream is (source, destination, SSRC).
//!
//! Payload names and clock rates come from the media plan (SDP seen so far) when it names the
//! endpoint, else from the static payload table. Streams no SDP announced are kept when the
//! heuristic confirms them (sequence numbers that follow each other), so stray UDP that only
//! looks like RTP does not become a stream.
//!
//! The module's parts: [`state`] (a stream's state and how a packet updates it), [`payload`]
//! (what a payload type is, from the media plan or the static table), [`table`] (the live
//! streams, their index and prefetching, retirement), [`record`] (a finished stream's figures).

mod payload;
mod record;
mod state;
mod table;

pub use record::{ClockSource, Direction, Encryption, PayloadType, RtpStream};
pub use state::StreamKey;
pub use table::{RetiredStream, StreamMeta, StreamTable, MAX_STREAMS};
