//! What a TCP stream carries, told from its first bytes (SIP, SIP over WebSocket, TLS, TURN,
//! or none of these), and the dispatch of its in-order bytes to the framer of that kind.

use super::framers::{frame_sip, frame_turn, frame_websocket, resync_sip};
use super::{Direction, Mode, StreamOutput};
use crate::websocket::{parse_frame, upgrade_header_len, WsParse};
use voipscope_wire::anomaly::{Anomaly, AnomalyKind, Detail};
use voipscope_wire::decode::classify::{
    looks_like_sip_start, may_start_request_line, MAX_START_LINE,
};
use voipscope_wire::decode::{turn, Flow};

/// Bytes looked at before deciding a stream carries none of what we analyze.
const SNIFF_BYTES: usize = 4096;

pub(super) fn count_tls(dir: &mut Direction, mut bytes: &[u8], out: &mut StreamOutput) {
    while !bytes.is_empty() {
        if dir.tls_skip > 0 {
            let n = dir.tls_skip.min(bytes.len());
            dir.tls_skip -= n;
            bytes = &bytes[n..];
            continue;
        }
        let need = 5 - dir.tls_header.len();
        let n = need.min(bytes.len());
        dir.tls_header.extend_from_slice(&bytes[..n]);
        bytes = &bytes[n..];
        if dir.tls_header.len() == 5 {
            let h = std::mem::take(&mut dir.tls_header);
            if !is_tls_header(&h) {
                dir.mode = Mode::Other;
                return;
            }
            out.counters.tls_records += 1;
            dir.tls_skip = usize::from(u16::from_be_bytes([h[3], h[4]]));
        }
    }
}

fn is_tls_header(h: &[u8]) -> bool {
    h.len() >= 5
        && (20..=24).contains(&h[0])
        && h[1] == 3
        && h[2] <= 4
        && u16::from_be_bytes([h[3], h[4]]) <= 16384 + 2048
}

/// Runs the stream's recogniser and framer over the buffered bytes.
pub(super) fn process(flow: Flow, dir: &mut Direction, frame: u64, out: &mut StreamOutput) {
    loop {
        match dir.mode {
            Mode::Unknown => {
                if !recognise(flow, dir, frame, out) {
                    return;
                }
            }
            Mode::Sip => {
                if !frame_sip(flow, dir, frame, out) {
                    return;
                }
            }
            Mode::SipResync => {
                if !resync_sip(dir) {
                    return;
                }
            }
            Mode::WebSocket => {
                if !frame_websocket(flow, dir, frame, out) {
                    return;
                }
            }
            Mode::Turn => {
                if !frame_turn(flow, dir, frame, out) {
                    return;
                }
            }
            Mode::Tls => {
                let bytes = dir.buf.bytes().to_vec();
                dir.buf.clear();
                count_tls(dir, &bytes, out);
                return;
            }
            Mode::Other => {
                dir.buf.clear();
                return;
            }
        }
    }
}

/// Decides what a stream carries from its first bytes. Returns true when the mode changed.
fn recognise(flow: Flow, dir: &mut Direction, frame: u64, out: &mut StreamOutput) -> bool {
    let data = dir.buf.bytes();
    if flow.src.port() == turn::TURN_PORT || flow.dst.port() == turn::TURN_PORT {
        match turn::stream_message_len(data) {
            Some(Some(_)) => {
                dir.mode = Mode::Turn;
                return true;
            }
            Some(None) => return false,
            None => {}
        }
    }
    let lead = data
        .iter()
        .take_while(|b| matches!(b, b'\r' | b'\n'))
        .count();
    let data = &data[lead..];
    if data.is_empty() {
        return false;
    }
    if data.len() >= 5 && is_tls_header(data) {
        dir.mode = Mode::Tls;
        return true;
    }
    if looks_like_sip_start(data) {
        dir.mode = Mode::Sip;
        return true;
    }
    if let Some(len) = upgrade_header_len(data) {
        dir.buf.consume(lead + len);
        dir.mode = Mode::WebSocket;
        return true;
    }
    if let WsParse::Frame { payload, .. } = parse_frame(data) {
        if looks_like_sip_start(&payload) {
            dir.mode = Mode::WebSocket;
            return true;
        }
    }
    // SIP captured from the middle of a stream: look for a start line after a line break
    let window = &data[..data.len().min(SNIFF_BYTES)];
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'\n', &window[from..]) {
        let at = from + i + 1;
        if looks_like_sip_start(&data[at..]) {
            out.anomalies.push(Anomaly::new(
                AnomalyKind::SipFraming,
                frame,
                Detail::SkippedBeforeFirstSip {
                    flow,
                    bytes: lead + at,
                },
            ));
            dir.buf.consume(lead + at);
            dir.mode = Mode::Sip;
            return true;
        }
        from = at;
    }
    let undecided = (data.len() < SNIFF_BYTES
        && (memchr::memchr(b'\n', data).is_none()
            || data.starts_with(b"GET ")
            || data.starts_with(b"HTTP/")))
        || (data.len() < MAX_START_LINE && may_start_request_line(data));
    if undecided {
        return false;
    }
    dir.mode = Mode::Other;
    dir.buf.clear();
    false
}
