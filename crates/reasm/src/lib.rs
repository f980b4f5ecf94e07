//! What the network split, put back together in capture order: IP fragments, TCP byte streams
//! (with gaps and retransmissions), SCTP user messages and WebSocket frames, and the SIP
//! messages cut from them by their Content-Length.
//!
//! Invariant: every buffer has a cap and every state a timeout; what passes a cap is counted
//! and reported, never kept. Stream bytes are never trusted to frame: a message that does not
//! frame is skipped to the next start line, and a gap is a gap, not data.

pub mod fragments;
pub mod sctp;
pub mod sip_frame;
pub mod tcp;
pub mod websocket;
