//! Framers: cut a recognised stream's in-order bytes into what it carries. SIP by its
//! Content-Length (skipping to the next start line when the framing is lost), WebSocket frames
//! into SIP messages, TURN messages into the data they relay. Each returns true when the
//! stream's mode changed, so the dispatch looks again.

use super::{Direction, Mode, RelayedData, StreamOutput, MAX_SIP_MESSAGE_BYTES};
use crate::sip_frame::{extent, Extent};
use crate::websocket::{parse_frame, WsParse};
use voipscope_wire::anomaly::{Anomaly, AnomalyKind, Detail};
use voipscope_wire::decode::classify::{looks_like_sip_start, MAX_START_LINE};
use voipscope_wire::decode::{turn, Flow, SipMessage, SipTransport};

/// Cuts complete TURN messages off the buffer and hands on the data they relay. Returns true
/// when the mode changed (bytes that are no TURN message: the stream is left alone).
pub(super) fn frame_turn(
    flow: Flow,
    dir: &mut Direction,
    frame: u64,
    out: &mut StreamOutput,
) -> bool {
    loop {
        let data = dir.buf.bytes();
        let len = match turn::stream_message_len(data) {
            Some(Some(len)) => len,
            Some(None) => return false,
            None => {
                out.anomalies.push(Anomaly::new(
                    AnomalyKind::SipFraming,
                    frame,
                    Detail::NotTurn { flow },
                ));
                dir.mode = Mode::Other;
                return true;
            }
        };
        if data.len() < len {
            return false;
        }
        if let Some(turn::Turn::Relayed(inner)) = turn::stream_message(&data[..len]) {
            let (frames, ts) = dir.buf.frames_of(len);
            out.relayed.push(RelayedData {
                flow,
                frame: frames.last().copied().unwrap_or(frame),
                ts_ns: ts,
                data: inner.to_vec(),
            });
        }
        dir.buf.consume(len);
    }
}

/// Cuts complete SIP messages off the buffer. Returns true when the mode changed.
pub(super) fn frame_sip(
    flow: Flow,
    dir: &mut Direction,
    frame: u64,
    out: &mut StreamOutput,
) -> bool {
    loop {
        let data = dir.buf.bytes();
        let lead = data
            .iter()
            .take_while(|b| matches!(b, b'\r' | b'\n'))
            .count();
        if lead > 0 {
            if lead >= 2 {
                out.counters.sip_keepalives += 1;
            }
            dir.buf.consume(lead);
            continue;
        }
        if data.is_empty() {
            return false;
        }
        if !looks_like_sip_start(data) {
            if memchr::memchr(b'\n', data).is_none() && data.len() < MAX_START_LINE {
                return false; // the start line is not complete yet
            }
            out.anomalies.push(Anomaly::new(
                AnomalyKind::SipFraming,
                frame,
                Detail::NotSipStart { flow },
            ));
            dir.mode = Mode::SipResync;
            return true;
        }
        match extent(data) {
            Extent::Complete { len } => {
                let (frames, ts) = dir.buf.frames_of(len);
                out.messages.push(SipMessage {
                    frame: frames.last().copied().unwrap_or(frame),
                    frames: frames.into(),
                    ts_ns: ts,
                    flow,
                    transport: SipTransport::Tcp,
                    data: data[..len].to_vec(),
                    truncated: false,
                });
                dir.buf.consume(len);
            }
            Extent::NeedHeaders | Extent::NeedBody { .. } => {
                let wanted = match extent(data) {
                    Extent::NeedBody { len, .. } => len,
                    _ => data.len(),
                };
                if wanted > MAX_SIP_MESSAGE_BYTES {
                    out.anomalies.push(Anomaly::new(
                        AnomalyKind::SipOversized,
                        frame,
                        Detail::SipOversized {
                            flow,
                            max: MAX_SIP_MESSAGE_BYTES,
                        },
                    ));
                    dir.buf.consume(1);
                    dir.mode = Mode::SipResync;
                    return true;
                }
                return false;
            }
        }
    }
}

/// Skips bytes until a line that starts a SIP message. Returns true when found.
pub(super) fn resync_sip(dir: &mut Direction) -> bool {
    let data = dir.buf.bytes();
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'\n', &data[from..]) {
        let at = from + i + 1;
        let rest = &data[at..];
        if rest.len() < 12 || (memchr::memchr(b'\n', rest).is_none() && rest.len() < MAX_START_LINE)
        {
            // cannot tell yet: keep from this line on
            dir.buf.consume(from + i);
            return false;
        }
        if looks_like_sip_start(rest) {
            dir.buf.consume(at);
            dir.mode = Mode::Sip;
            return true;
        }
        from = at;
    }
    // no line break at all: keep only a tail that might start one
    let keep = data.len().min(2048);
    let drop = data.len() - keep;
    dir.buf.consume(drop);
    false
}

/// Cuts WebSocket frames off the buffer and SIP messages out of them.
pub(super) fn frame_websocket(
    flow: Flow,
    dir: &mut Direction,
    frame: u64,
    out: &mut StreamOutput,
) -> bool {
    loop {
        let data = dir.buf.bytes();
        if data.is_empty() {
            return false;
        }
        match parse_frame(data) {
            WsParse::NeedMore => return false,
            WsParse::Invalid(why) => {
                out.anomalies.push(Anomaly::new(
                    AnomalyKind::WebSocketMalformed,
                    frame,
                    Detail::WebSocketInvalid { flow, why },
                ));
                dir.mode = Mode::Other;
                dir.buf.clear();
                return true;
            }
            WsParse::Frame {
                fin,
                opcode,
                payload,
                len,
            } => {
                let (frames, ts) = dir.buf.frames_of(len);
                dir.buf.consume(len);
                if !matches!(opcode, 0..=2) {
                    continue; // close, ping, pong
                }
                for f in frames {
                    if dir.ws_frames.last() != Some(&f) {
                        dir.ws_frames.push(f);
                    }
                }
                dir.ws_message.extend_from_slice(&payload);
                if dir.ws_message.len() > MAX_SIP_MESSAGE_BYTES {
                    out.anomalies.push(Anomaly::new(
                        AnomalyKind::SipOversized,
                        frame,
                        Detail::WebSocketOversized { flow },
                    ));
                    dir.ws_message.clear();
                    dir.ws_frames.clear();
                    continue;
                }
                if !fin {
                    continue;
                }
                out.counters.websocket_messages += 1;
                let message = std::mem::take(&mut dir.ws_message);
                let frames = std::mem::take(&mut dir.ws_frames);
                if looks_like_sip_start(&message) {
                    let truncated = !matches!(extent(&message), Extent::Complete { .. });
                    out.messages.push(SipMessage {
                        frame: frames.last().copied().unwrap_or(frame),
                        frames: frames.into(),
                        ts_ns: ts,
                        flow,
                        transport: SipTransport::Ws,
                        data: message,
                        truncated,
                    });
                }
            }
        }
    }
}
