//! SCTP user messages split over several DATA chunks (B ... E flags), put back together per
//! association direction and stream, in TSN order as captured.

use std::collections::HashMap;

use crate::tcp::{StreamOutput, MAX_SIP_MESSAGE_BYTES};
use voipscope_wire::anomaly::{Anomaly, AnomalyKind, Detail};
use voipscope_wire::decode::classify::looks_like_sip_start;
use voipscope_wire::decode::{Flow, SctpPiece, SipMessage, SipTransport};

/// Partial messages held at once; beyond this a new one is not started.
pub const MAX_SCTP_PARTIAL: usize = 4096;

struct Partial {
    next_tsn: u32,
    data: Vec<u8>,
    frames: Vec<u64>,
}

#[derive(Default)]
pub struct SctpTable {
    partial: HashMap<(Flow, u16), Partial>,
}

impl SctpTable {
    pub fn piece(&mut self, p: &SctpPiece<'_>, frame: u64, ts: i64, out: &mut StreamOutput) {
        let key = (p.flow, p.stream);
        if p.begin {
            if self.partial.remove(&key).is_some() {
                out.anomalies.push(Anomaly::new(
                    AnomalyKind::SctpIncomplete,
                    frame,
                    Detail::SctpNeverEnded { flow: p.flow },
                ));
            }
            if self.partial.len() >= MAX_SCTP_PARTIAL {
                return;
            }
            self.partial.insert(
                key,
                Partial {
                    next_tsn: p.tsn.wrapping_add(1),
                    data: p.data.to_vec(),
                    frames: vec![frame],
                },
            );
            return;
        }
        let Some(part) = self.partial.get_mut(&key) else {
            return; // the start was not captured
        };
        if p.tsn != part.next_tsn || part.data.len() + p.data.len() > MAX_SIP_MESSAGE_BYTES {
            self.partial.remove(&key);
            out.anomalies.push(Anomaly::new(
                AnomalyKind::SctpIncomplete,
                frame,
                Detail::SctpFragmentMissing { flow: p.flow },
            ));
            return;
        }
        part.next_tsn = part.next_tsn.wrapping_add(1);
        part.data.extend_from_slice(p.data);
        if part.frames.last() != Some(&frame) {
            part.frames.push(frame);
        }
        if p.end {
            let Some(done) = self.partial.remove(&key) else {
                return;
            };
            if looks_like_sip_start(&done.data) {
                out.messages.push(SipMessage {
                    frame,
                    frames: done.frames.into(),
                    ts_ns: ts,
                    flow: p.flow,
                    transport: SipTransport::Sctp,
                    data: done.data,
                    truncated: false,
                });
            }
        }
    }

    pub fn finish(&mut self, out: &mut StreamOutput) {
        let mut left: Vec<_> = self.partial.drain().collect();
        left.sort_by_key(|(k, _)| *k);
        for ((flow, _), part) in left {
            out.anomalies.push(Anomaly::new(
                AnomalyKind::SctpIncomplete,
                part.frames.first().copied().unwrap_or(0),
                Detail::SctpNeverEnded { flow },
            ));
        }
    }
}
