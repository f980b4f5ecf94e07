//! SIP analysis: framed messages in capture order -> messages read -> retransmissions marked ->
//! messages grouped by Call-ID -> calls, registrations and other traffic, with the status code
//! catalog to explain outcomes.
//!
//! The tracker keeps one log per Call-ID (capped) and decides what each Call-ID was only at the
//! end, so a capture that starts mid-dialog or sees messages out of order is still classified
//! from everything it holds.

pub mod calls;
pub mod fields;
pub mod message;
pub mod other;
pub mod registrations;
pub mod status;
pub mod tokenizer;
pub mod transaction;

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use serde::Serialize;

use crate::anomaly::{Anomaly, AnomalyKind};
use crate::decode::SipMessage;
pub use calls::{Call, CallState};
pub use message::{Message, MessageKind};
pub use other::OtherSip;
pub use registrations::{Registration, RegistrationState};

/// Messages kept per Call-ID; beyond this they are counted, not kept.
pub const MAX_MESSAGES_PER_CALL_ID: usize = 5_000;
/// Call-IDs kept; messages of further Call-IDs are counted, not kept.
pub const MAX_CALL_IDS: usize = 200_000;

/// One message of a Call-ID's log, in capture order.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Boxed: a message is large, and logs grow by pushing.
    pub msg: Box<Message>,
    pub retransmission: bool,
    /// The same packet captured twice (see [`transaction`]).
    pub duplicate: bool,
}

impl Entry {
    /// Retransmissions and duplicates repeat a message; they never count as new ones.
    pub fn is_repeat(&self) -> bool {
        self.retransmission || self.duplicate
    }
}

/// Everything seen with one Call-ID.
#[derive(Clone, Debug)]
pub struct CallIdLog {
    pub call_id: String,
    pub entries: Vec<Entry>,
    /// Messages beyond [`MAX_MESSAGES_PER_CALL_ID`].
    pub dropped: u64,
}

impl CallIdLog {
    pub fn has_request(&self, method: &str) -> bool {
        self.entries.iter().any(|e| e.msg.method() == Some(method))
    }
}

/// Counts over all SIP messages of the capture.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SipStats {
    pub messages: u64,
    /// Requests by method and responses by status code, retransmissions included (as tshark).
    pub requests: BTreeMap<String, u64>,
    pub responses: BTreeMap<String, u64>,
    pub retransmissions: u64,
    /// Byte-identical copies of a message on the same hop within 10 ms: the capture saw the
    /// packet twice. tshark counts these as resent; we do not (README, "Where we differ").
    pub duplicates: u64,
    /// Start line not SIP: the message was not analyzed.
    pub unreadable: u64,
    /// Messages cut short (snap length, gap, end of capture) or with a short body.
    pub incomplete: u64,
    /// Mandatory headers missing, by header.
    pub missing_headers: BTreeMap<String, u64>,
    /// Values rsip's typed parsers rejected and our readers supplied, by header.
    pub rsip_rejected: BTreeMap<String, u64>,
    pub call_ids: u64,
    /// Live transactions forgotten because their table was full; repeats of them are then
    /// counted as new messages.
    pub forgotten_transactions: u64,
    /// Messages not kept because a cap was reached (see README, limits).
    pub dropped_messages: u64,
}

/// The SIP part of an analysis.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SipAnalysis {
    pub stats: SipStats,
    pub calls: Vec<Call>,
    pub registrations: Vec<Registration>,
    pub other: OtherSip,
}

/// Takes SIP messages in capture order; [`SipTracker::finish`] gives the analysis.
#[derive(Debug, Default)]
pub struct SipTracker {
    stats: SipStats,
    retransmissions: transaction::RetransmissionDetector,
    response_counts: BTreeMap<u16, u64>,
    index: FxHashMap<compact_str::CompactString, usize>,
    logs: Vec<CallIdLog>,
    anomalies: Vec<Anomaly>,
    call_id_cap_reported: bool,
    /// The last batch, read and not yet filed.
    pending: Vec<Preread>,
}

type ReadResult = Result<Box<Message>, message::ReadError>;

/// A message read and not yet filed: its frame, the message (or why it could not be read) and
/// a hash of its bytes. Datagrams are read where they were framed, on the capture stage's
/// worker that decoded them ([`Preread::checked`]), so the in-order stage only files them;
/// other messages are read in the tracker's batches.
#[derive(Debug)]
pub struct Preread {
    frame: u64,
    read: ReadResult,
    fingerprint: u64,
}

impl Preread {
    fn new(framed: &SipMessage) -> Preread {
        Preread {
            frame: framed.frame,
            // boxed here, so the copy into the heap happens on the reading thread too
            read: message::read(framed).map(Box::new),
            fingerprint: transaction::fingerprint(&framed.data),
        }
    }

    /// Reads the message and strictly checks its SDP ([`crate::sdp::validate`]) at once:
    /// the check costs several times our own reading, so it belongs on the worker too.
    pub fn checked(framed: &SipMessage) -> Preread {
        let mut p = Preread::new(framed);
        if let Ok(msg) = &mut p.read {
            if let Some(sdp) = &mut msg.sdp {
                crate::sdp::validate::check_all([&mut **sdp]);
            }
        }
        p
    }

    /// Workers number frames from their range's start; the in-order stage knows the true
    /// number. The message came in one frame.
    pub fn renumber(&mut self, frame: u64) {
        self.frame = frame;
        if let Ok(msg) = &mut self.read {
            msg.frame = frame;
            msg.frames = smallvec::smallvec![frame];
        }
    }

    /// The session description the message carries, if it was read.
    pub fn sdp(&self) -> Option<&crate::sdp::SessionDescription> {
        self.read.as_ref().ok().and_then(|m| m.sdp.as_deref())
    }
}

/// A message waiting to be filed: framed only, or already read.
#[derive(Debug)]
pub enum Unfiled {
    Framed(SipMessage),
    Read(Preread),
}

impl From<SipMessage> for Unfiled {
    fn from(m: SipMessage) -> Unfiled {
        Unfiled::Framed(m)
    }
}

/// Reads the framed messages of a batch on the worker threads.
fn read_batch(batch: Vec<Unfiled>) -> Vec<Preread> {
    use rayon::prelude::*;
    batch
        .into_par_iter()
        .with_min_len(32)
        .map(|u| match u {
            Unfiled::Framed(m) => Preread::new(&m),
            Unfiled::Read(p) => p,
        })
        .collect()
}

impl SipTracker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads and files one framed message.
    pub fn push(&mut self, framed: &SipMessage) {
        self.file_pending();
        self.file(Preread::new(framed));
    }

    /// Reads a batch of messages in parallel (reading is most of the cost) while the previous
    /// batch is filed, in capture order, so the result is the same as pushing them one by one.
    /// The batch is emptied; the last one is filed by [`SipTracker::finish`].
    pub fn push_batch(&mut self, batch: &mut Vec<Unfiled>) {
        let pending = std::mem::take(&mut self.pending);
        let batch = std::mem::take(batch);
        let (read, ()) = rayon::join(
            || read_batch(batch),
            || {
                for p in pending {
                    self.file(p);
                }
            },
        );
        self.pending = read;
    }

    fn file_pending(&mut self) {
        for p in std::mem::take(&mut self.pending) {
            self.file(p);
        }
    }

    fn file(
        &mut self,
        Preread {
            frame,
            read,
            fingerprint,
        }: Preread,
    ) {
        self.stats.messages += 1;
        match read {
            Ok(msg) => self.push_message(msg, fingerprint),
            Err(e) => {
                self.stats.unreadable += 1;
                self.anomalies.push(Anomaly::new(
                    AnomalyKind::SipUnreadable,
                    frame,
                    e.to_string(),
                ));
            }
        }
    }

    /// Files one message already read; `content` is a hash of its bytes.
    fn push_message(&mut self, msg: Box<Message>, content: u64) {
        match &msg.kind {
            MessageKind::Request { method, .. } => {
                match self.stats.requests.get_mut(method.as_str()) {
                    Some(n) => *n += 1,
                    None => {
                        self.stats.requests.insert(method.to_string(), 1);
                    }
                }
            }
            MessageKind::Response { code, .. } => {
                *self.response_counts.entry(*code).or_insert(0) += 1
            }
        }
        if msg.truncated || msg.incomplete {
            self.stats.incomplete += 1;
        }
        for h in &msg.missing {
            *self.stats.missing_headers.entry(h.to_string()).or_insert(0) += 1;
        }
        if !msg.missing.is_empty() {
            self.anomalies.push(Anomaly::new(
                AnomalyKind::SipMissingHeader,
                msg.frame,
                format!("{} without {}", msg.label(), msg.missing.join(", ")),
            ));
        }
        for h in &msg.rsip_rejected {
            *self.stats.rsip_rejected.entry(h.to_string()).or_insert(0) += 1;
        }
        let repeat = self.retransmissions.classify(&msg, content);
        let retransmission = repeat == transaction::Repeat::Retransmission;
        let duplicate = repeat == transaction::Repeat::Duplicate;
        self.stats.retransmissions += u64::from(retransmission);
        self.stats.duplicates += u64::from(duplicate);
        if msg.call_id.is_empty() {
            return;
        }
        let slot = match self.index.get(&msg.call_id) {
            Some(&i) => i,
            None => {
                if self.logs.len() >= MAX_CALL_IDS {
                    if !self.call_id_cap_reported {
                        self.call_id_cap_reported = true;
                        self.anomalies.push(Anomaly::new(
                            AnomalyKind::SipCapReached,
                            msg.frame,
                            format!(
                                "more than {MAX_CALL_IDS} Call-IDs: messages of further Call-IDs are counted (sip.dropped_messages), not analyzed"
                            ),
                        ));
                    }
                    self.stats.dropped_messages += 1;
                    return;
                }
                self.index.insert(msg.call_id.clone(), self.logs.len());
                self.logs.push(CallIdLog {
                    call_id: msg.call_id.to_string(),
                    entries: Vec::new(),
                    dropped: 0,
                });
                self.logs.len() - 1
            }
        };
        let log = &mut self.logs[slot];
        if log.entries.len() >= MAX_MESSAGES_PER_CALL_ID {
            if log.dropped == 0 {
                self.anomalies.push(Anomaly::new(
                    AnomalyKind::SipCapReached,
                    msg.frame,
                    format!(
                        "Call-ID {} has more than {MAX_MESSAGES_PER_CALL_ID} messages: the rest are counted, not kept",
                        log.call_id
                    ),
                ));
            }
            log.dropped += 1;
            self.stats.dropped_messages += 1;
            return;
        }
        log.entries.push(Entry {
            msg,
            retransmission,
            duplicate,
        });
    }

    /// Classifies every Call-ID.
    pub fn finish(mut self) -> (SipAnalysis, Vec<Anomaly>) {
        self.file_pending();
        self.stats.call_ids = self.logs.len() as u64;
        self.stats.forgotten_transactions = self.retransmissions.evicted;
        self.stats.responses = self
            .response_counts
            .iter()
            .map(|(code, n)| (code.to_string(), *n))
            .collect();
        let mut calls = Vec::new();
        let mut registrations = Vec::new();
        let mut other_logs = Vec::new();
        for log in self.logs {
            if log.has_request("INVITE") {
                calls.push(log);
            } else if log.has_request("REGISTER") {
                registrations.push(log);
            } else {
                other_logs.push(log);
            }
        }
        // Each Call-ID is built on its own, so in parallel; collecting keeps capture order.
        use rayon::prelude::*;
        let (calls, (registrations, other)) = rayon::join(
            || {
                let mut calls: Vec<Call> = calls
                    .into_par_iter()
                    .filter_map(|log| calls::build(0, log))
                    .collect();
                for (i, c) in calls.iter_mut().enumerate() {
                    c.number = i + 1;
                }
                calls
            },
            || {
                let registrations = registrations
                    .into_par_iter()
                    .filter_map(registrations::build)
                    .collect();
                (registrations, other::build(&other_logs))
            },
        );
        (
            SipAnalysis {
                stats: self.stats,
                calls,
                registrations,
                other,
            },
            self.anomalies,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The framed SIP messages of a teaching capture, as the capture stage hands them on.
    fn messages(scenario: &str) -> Vec<SipMessage> {
        let mut bytes = Vec::new();
        crate::scenario::write(scenario, &mut bytes).expect("scenario");
        let mut out = Vec::new();
        crate::analyze_bytes(scenario, bytes, &Default::default(), &mut |m| {
            out.push(m.clone())
        })
        .expect("analyze");
        out
    }

    #[test]
    fn messages_read_on_workers_are_filed_as_if_read_in_order() {
        let all = messages("hold-resume");
        assert!(all.len() > 6, "{}", all.len());
        let mut one_by_one = SipTracker::new();
        for m in &all {
            one_by_one.push(m);
        }
        let (mut expected, _) = one_by_one.finish();
        // the path that reads in order checks SDP after the SIP stage
        crate::sdp::validate::check_all(expected.calls.iter_mut().flat_map(Call::descriptions_mut));

        // every other message read as a worker does: numbered from its range's start, then
        // renumbered by the in-order stage
        let mut tracker = SipTracker::new();
        let mut batch = Vec::new();
        for (i, m) in all.iter().enumerate() {
            if i % 2 == 0 {
                let mut local = m.clone();
                local.frame = 1;
                local.frames = vec![1];
                let mut preread = Preread::checked(&local);
                preread.renumber(m.frame);
                batch.push(Unfiled::Read(preread));
            } else {
                batch.push(Unfiled::Framed(m.clone()));
            }
            if batch.len() == 3 {
                tracker.push_batch(&mut batch);
            }
        }
        tracker.push_batch(&mut batch);
        let (mut got, _) = tracker.finish();
        crate::sdp::validate::check_all(got.calls.iter_mut().flat_map(Call::descriptions_mut));
        assert_eq!(got, expected);
        assert!(got.calls.iter().all(|c| !c.sdp.is_empty()));
    }
}
