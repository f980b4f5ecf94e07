//! SIP analysis: framed messages in capture order -> messages read -> retransmissions marked ->
//! messages grouped by Call-ID -> calls, registrations and other traffic, with the status code
//! catalog to explain outcomes.
//!
//! The tracker keeps one log per live Call-ID and says when each exchange is over (see
//! [`live`]); the analysis retires a log then, and [`RetiredLog::build`] decides what the
//! Call-ID was from everything it held, so a capture that starts mid-dialog or sees messages
//! out of order is still classified from all of it.
//!
//! Invariant: a message is read from our own framing and field readers, never trusting a
//! length, and analyzed even where rsip rejects it (counted); memory is bounded by the live
//! Call-IDs (a cap finishes the longest idle early, a log's messages are capped), never by the
//! capture.

pub mod calls;
pub mod fields;
pub mod live;
pub mod message;
pub mod method;
pub mod other;
pub mod plain;
pub mod q850;
pub mod registrations;
pub mod status;
pub mod tokenizer;
pub mod transaction;

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use compact_str::CompactString;
use rustc_hash::FxHashMap;

use serde::Serialize;

pub use calls::{Call, CallState};
pub use message::{Message, MessageKind};
pub use method::{CSeq, Method};
pub use other::OtherSip;
pub use registrations::{Registration, RegistrationState};
use voipscope_wire::anomaly::{Anomaly, AnomalyKind, Detail};
use voipscope_wire::decode::SipMessage;

/// Messages kept per Call-ID; beyond this they are counted, not kept.
pub const MAX_MESSAGES_PER_CALL_ID: usize = 5_000;
/// Live Call-IDs at most; beyond this the least recently active tenth are finished early
/// (their records are written, marked, and nothing is dropped).
pub const MAX_LIVE_CALL_IDS: usize = 50_000;

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

/// A live log's handle: its slot and the slot's generation, so a finished log's handle
/// never names the log that took its slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LogId(u64);

impl LogId {
    fn new(slot: usize, generation: u32) -> LogId {
        LogId(((slot as u64) << 32) | u64::from(generation))
    }

    fn slot(self) -> usize {
        (self.0 >> 32) as usize
    }

    fn generation(self) -> u32 {
        self.0 as u32
    }

    /// As a number other tables can keep (never 0).
    pub fn tag(self) -> u64 {
        self.0 + 1
    }

    pub fn from_tag(tag: u64) -> Option<LogId> {
        tag.checked_sub(1).map(LogId)
    }
}

/// An SDP media endpoint a call's offer or answer named.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Offer {
    pub log: LogId,
    pub number: usize,
    pub addr: SocketAddr,
    pub side: calls::Side,
    pub ts_ns: i64,
}

/// A call's first INVITE: the call is numbered and belongs to its parties' accounts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Started {
    pub log: LogId,
    pub number: usize,
    pub start_ns: i64,
    pub accounts: SmallAccounts,
}

/// The caller's and callee's user names.
pub type SmallAccounts = smallvec::SmallVec<[CompactString; 2]>;

/// An account registered at a registrar from a source (the first 2xx of a registration log).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bound {
    pub user: String,
    pub source: SocketAddr,
    pub registrar: SocketAddr,
    pub first_frame: u64,
}

/// A log the analysis finished, with what the tracker knew of it.
#[derive(Debug)]
pub struct RetiredLog {
    pub id: LogId,
    pub log: CallIdLog,
    /// Its place in the order logs started.
    pub seq: u64,
    /// The call number, for a Call-ID with an INVITE.
    pub number: Option<usize>,
    /// The media endpoints its SDP named.
    pub offered: Vec<SocketAddr>,
    /// Finished before it was over, because too many Call-IDs were live.
    pub early: bool,
}

/// What a finished Call-ID was.
#[derive(Debug)]
pub enum Built {
    Call(Box<Call>),
    Registration(Box<Registration>),
    Other(other::OtherRecord),
    Nothing,
}

impl RetiredLog {
    /// Builds the call, registration or other record the log holds.
    pub fn build(self) -> Built {
        let RetiredLog { log, number, .. } = self;
        if log.has_request("INVITE") {
            match calls::build(number.unwrap_or(0), log) {
                Some(c) => Built::Call(Box::new(c)),
                None => Built::Nothing,
            }
        } else if log.has_request("REGISTER") {
            match registrations::build(log) {
                Some(r) => Built::Registration(Box::new(r)),
                None => Built::Nothing,
            }
        } else {
            other::build_one(&log).map_or(Built::Nothing, Built::Other)
        }
    }
}

/// One live Call-ID.
#[derive(Debug)]
struct LiveLog {
    log: CallIdLog,
    seq: u64,
    number: Option<usize>,
    /// The first INVITE's From tag and source: who the caller is.
    caller: Option<(Option<CompactString>, SocketAddr)>,
    progress: live::Progress,
    last_active: i64,
    /// Live streams and flows the analysis thinks belong to it.
    media: u32,
    offered: Vec<SocketAddr>,
    bound: bool,
    early: bool,
}

impl LiveLog {
    fn deadline(&self) -> i64 {
        self.last_active.saturating_add(self.progress.quiet_limit())
    }

    /// Who sent a message of the call: the caller sent the first INVITE.
    fn side_of(&self, m: &Message) -> Option<calls::Side> {
        let (tag, src) = self.caller.as_ref()?;
        let from_caller = match (tag, &m.from.tag) {
            (Some(c), Some(t)) => c == t,
            _ => m.src == *src,
        };
        Some(match (m.is_request(), from_caller) {
            (true, true) | (false, false) => calls::Side::Caller,
            _ => calls::Side::Callee,
        })
    }
}

/// Takes SIP messages in capture order and keeps the live Call-IDs; the analysis retires
/// them when they are over. [`SipTracker::finish`] retires all and builds them at once.
#[derive(Debug, Default)]
pub struct SipTracker {
    stats: SipStats,
    retransmissions: transaction::RetransmissionDetector,
    response_counts: BTreeMap<u16, u64>,
    index: FxHashMap<CompactString, LogId>,
    slots: Vec<Option<LiveLog>>,
    generations: Vec<u32>,
    /// When each slot's log may be finished (i64::MAX when free).
    deadlines: Vec<i64>,
    free: Vec<usize>,
    live: usize,
    next_seq: u64,
    calls: usize,
    anomalies: Vec<Anomaly>,
    cap_reported: bool,
    /// Logs to finish early: the live cap was reached.
    evicted: Vec<LogId>,
    offers: Vec<Offer>,
    started: Vec<Started>,
    bound: Vec<Bound>,
    /// Messages filed after their Call-ID's log was finished: they start a new log.
    pub reopened: u64,
    /// The last batch, read and not yet filed.
    pending: Vec<Preread>,
}

type ReadResult = Result<Box<Message>, message::ReadError>;

/// A message read and not yet filed: its frame, the message (or why it could not be read), a
/// hash of its bytes and when it came on the analysis' activity clock. Datagrams are read
/// where they were framed, on the capture stage's worker that decoded them
/// ([`Preread::checked`]), so the in-order stage only files them; other messages are read in
/// the tracker's batches.
#[derive(Debug)]
pub struct Preread {
    frame: u64,
    read: ReadResult,
    fingerprint: u64,
    active: i64,
}

impl Preread {
    fn new(framed: &SipMessage, active: i64) -> Preread {
        Preread {
            frame: framed.frame,
            // boxed here, so the copy into the heap happens on the reading thread too
            read: message::read(framed).map(Box::new),
            fingerprint: transaction::fingerprint(&framed.data),
            active,
        }
    }

    /// Reads the message and strictly checks its SDP ([`voipscope_sdp::validate`]) at once:
    /// the check costs several times our own reading, so it belongs on the worker too.
    pub fn checked(framed: &SipMessage) -> Preread {
        Preread {
            frame: framed.frame,
            read: message::read_and_check(framed).map(Box::new),
            fingerprint: transaction::fingerprint(&framed.data),
            active: framed.ts_ns,
        }
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

    /// When the message came, on the analysis' activity clock.
    pub fn at(mut self, active: i64) -> Preread {
        self.active = active;
        self
    }

    /// The session description the message carries, if it was read.
    pub fn sdp(&self) -> Option<&voipscope_sdp::SessionDescription> {
        self.read.as_ref().ok().and_then(|m| m.sdp.as_deref())
    }
}

/// A message waiting to be filed: framed only (with when it came on the activity clock), or
/// already read.
#[derive(Debug)]
pub enum Unfiled {
    Framed(SipMessage, i64),
    Read(Preread),
}

impl From<SipMessage> for Unfiled {
    /// A framed message whose activity time is its capture time.
    fn from(m: SipMessage) -> Unfiled {
        let at = m.ts_ns;
        Unfiled::Framed(m, at)
    }
}

/// Reads the framed messages of a batch on the worker threads.
fn read_batch(batch: Vec<Unfiled>) -> Vec<Preread> {
    use rayon::prelude::*;
    batch
        .into_par_iter()
        .with_min_len(32)
        .map(|u| match u {
            Unfiled::Framed(m, at) => Preread::new(&m, at),
            Unfiled::Read(p) => p,
        })
        .collect()
}

impl SipTracker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads and files one framed message (its activity time is its capture time).
    pub fn push(&mut self, framed: &SipMessage) {
        self.file_pending();
        self.file(Preread::new(framed, framed.ts_ns));
    }

    /// Reads a batch of messages in parallel (reading is most of the cost) while the previous
    /// batch is filed, in capture order, so the result is the same as pushing them one by one.
    /// The batch is emptied; the last one is filed by [`SipTracker::flush`].
    pub fn push_batch(&mut self, batch: &mut Vec<Unfiled>) {
        let pending = std::mem::take(&mut self.pending);
        // the next batch gets the room of this one: grown from empty, it was copied as it grew
        let room = batch.capacity();
        let batch = std::mem::replace(batch, Vec::with_capacity(room));
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

    /// Files every message read so far: before the analysis looks at the live logs.
    pub fn flush(&mut self, batch: &mut Vec<Unfiled>) {
        if !batch.is_empty() {
            self.push_batch(batch);
        }
        self.file_pending();
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
            active,
        }: Preread,
    ) {
        self.stats.messages += 1;
        match read {
            Ok(msg) => self.push_message(msg, fingerprint, active),
            Err(e) => {
                self.stats.unreadable += 1;
                // the only reason a framed message is unreadable: no SIP start line
                let tokenizer::TokenizeError::BadStartLine = e;
                self.anomalies.push(Anomaly::new(
                    AnomalyKind::SipUnreadable,
                    frame,
                    Detail::SipUnreadable,
                ));
            }
        }
    }

    /// Files one message already read; `content` is a hash of its bytes, `active` when it
    /// came on the activity clock.
    fn push_message(&mut self, msg: Box<Message>, content: u64, active: i64) {
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
        for h in msg.missing.names() {
            *self.stats.missing_headers.entry(h.to_string()).or_insert(0) += 1;
        }
        if !msg.missing.is_empty() {
            self.anomalies.push(Anomaly::new(
                AnomalyKind::SipMissingHeader,
                msg.frame,
                Detail::SipMissingHeaders {
                    label: msg.label().into(),
                    headers: msg.missing.names().collect(),
                },
            ));
        }
        for h in msg.rsip_rejected.names() {
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
        let id = match self.index.get(&msg.call_id) {
            Some(&id) => id,
            None => self.open_log(&msg),
        };
        let slot = id.slot();
        let Some(live) = self.slots[slot].as_mut() else {
            return;
        };
        live.last_active = live.last_active.max(active);
        let repeat = retransmission || duplicate;
        live.progress.note(&msg, repeat);
        if live.log.entries.len() >= MAX_MESSAGES_PER_CALL_ID {
            if live.log.dropped == 0 {
                self.anomalies.push(Anomaly::new(
                    AnomalyKind::SipCapReached,
                    msg.frame,
                    Detail::CallIdOverCap {
                        call_id: live.log.call_id.clone(),
                        max: MAX_MESSAGES_PER_CALL_ID,
                    },
                ));
            }
            live.log.dropped += 1;
            self.stats.dropped_messages += 1;
            self.deadlines[slot] = live.deadline();
            return;
        }
        if msg.method() == Some("INVITE") && live.caller.is_none() {
            self.calls += 1;
            live.number = Some(self.calls);
            live.caller = Some((msg.from.tag.clone(), msg.src));
            let start_ns = live.log.entries.first().map_or(msg.ts_ns, |e| e.msg.ts_ns);
            let accounts = [msg.from.user(), msg.to.user()]
                .into_iter()
                .flatten()
                .map(CompactString::from)
                .collect();
            self.started.push(Started {
                log: id,
                number: self.calls,
                start_ns,
                accounts,
            });
        }
        if !repeat {
            if let (Some(sdp), Some(side), Some(number)) =
                (msg.sdp.as_deref(), live.side_of(&msg), live.number)
            {
                for m in &sdp.media {
                    let Some(ip) = m.address.as_deref().and_then(|a| a.parse::<IpAddr>().ok())
                    else {
                        continue;
                    };
                    if m.port == 0 || ip.is_unspecified() {
                        continue;
                    }
                    let addr = SocketAddr::new(ip, m.port);
                    if !live.offered.contains(&addr) {
                        live.offered.push(addr);
                    }
                    self.offers.push(Offer {
                        log: id,
                        number,
                        addr,
                        side,
                        ts_ns: msg.ts_ns,
                    });
                }
            }
            if !live.bound
                && msg.cseq_method == "REGISTER"
                && msg.status().is_some_and(|c| (200..300).contains(&c))
            {
                let first = live
                    .log
                    .entries
                    .iter()
                    .find(|e| e.msg.method() == Some("REGISTER"));
                if let (Some(first), Some(frame)) =
                    (first, live.log.entries.first().map(|e| e.msg.frame))
                {
                    if let Some(user) = first.msg.to.user() {
                        live.bound = true;
                        self.bound.push(Bound {
                            user: user.to_string(),
                            source: first.msg.src,
                            registrar: first.msg.dst,
                            first_frame: frame,
                        });
                    }
                }
            }
        }
        live.log.entries.push(Entry {
            msg,
            retransmission,
            duplicate,
        });
        self.deadlines[slot] = live.deadline();
    }

    /// A log for a new Call-ID; past the live cap, the least recently active tenth are
    /// marked to be finished early.
    fn open_log(&mut self, msg: &Message) -> LogId {
        if self.live >= MAX_LIVE_CALL_IDS && self.evicted.is_empty() {
            if !self.cap_reported {
                self.cap_reported = true;
                self.anomalies.push(Anomaly::new(
                    AnomalyKind::SipCapReached,
                    msg.frame,
                    Detail::LiveCallIdsOverCap {
                        max: MAX_LIVE_CALL_IDS,
                    },
                ));
            }
            let mut by_age: Vec<(i64, u64, LogId)> = self
                .slots
                .iter()
                .enumerate()
                .filter_map(|(i, l)| {
                    l.as_ref()
                        .map(|l| (l.last_active, l.seq, LogId::new(i, self.generations[i])))
                })
                .collect();
            by_age.sort_unstable();
            by_age.truncate(MAX_LIVE_CALL_IDS / 10);
            for (_, _, id) in by_age {
                if let Some(l) = self.slots[id.slot()].as_mut() {
                    l.early = true;
                }
                self.evicted.push(id);
            }
        }
        let slot = match self.free.pop() {
            Some(i) => i,
            None => {
                self.slots.push(None);
                self.generations.push(0);
                self.deadlines.push(i64::MAX);
                self.slots.len() - 1
            }
        };
        self.generations[slot] = self.generations[slot].wrapping_add(1);
        let id = LogId::new(slot, self.generations[slot]);
        self.slots[slot] = Some(LiveLog {
            log: CallIdLog {
                call_id: msg.call_id.to_string(),
                // a call's seven or so messages in one allocation (a vector grown by pushing
                // took two: room for four, then eight); 16 bytes each
                entries: Vec::with_capacity(if msg.method() == Some("INVITE") { 8 } else { 0 }),
                dropped: 0,
            },
            seq: self.next_seq,
            number: None,
            caller: None,
            progress: live::Progress::default(),
            last_active: i64::MIN,
            media: 0,
            offered: Vec::new(),
            bound: false,
            early: false,
        });
        self.next_seq += 1;
        self.live += 1;
        self.stats.call_ids += 1;
        self.index.insert(msg.call_id.clone(), id);
        id
    }

    fn get(&self, id: LogId) -> Option<&LiveLog> {
        (self.generations.get(id.slot()) == Some(&id.generation()))
            .then(|| self.slots[id.slot()].as_ref())
            .flatten()
    }

    fn get_mut(&mut self, id: LogId) -> Option<&mut LiveLog> {
        if self.generations.get(id.slot()) != Some(&id.generation()) {
            return None;
        }
        self.slots[id.slot()].as_mut()
    }

    /// Live Call-IDs.
    pub fn live(&self) -> usize {
        self.live
    }

    /// The logs whose quiet time is up at `now`, or that must be finished early, in the order
    /// they started.
    pub fn due(&self, now: i64) -> Vec<LogId> {
        let mut due: Vec<(u64, LogId)> = self
            .deadlines
            .iter()
            .enumerate()
            .filter(|(_, &d)| d <= now)
            .filter_map(|(i, _)| {
                let l = self.slots[i].as_ref()?;
                Some((l.seq, LogId::new(i, self.generations[i])))
            })
            .collect();
        for &id in &self.evicted {
            if let Some(l) = self.get(id) {
                due.push((l.seq, id));
            }
        }
        due.sort_unstable();
        due.dedup();
        due.into_iter().map(|(_, id)| id).collect()
    }

    /// Whether some logs must be finished early (the live cap was reached).
    pub fn must_evict(&self) -> bool {
        !self.evicted.is_empty()
    }

    /// Whether the log waits for nothing but its media: its exchange is over.
    pub fn is_over(&self, id: LogId) -> bool {
        self.get(id).is_none_or(|l| l.progress.over())
    }

    /// Whether the log is to be finished now even with live media (the live cap).
    pub fn is_early(&self, id: LogId) -> bool {
        self.get(id).is_some_and(|l| l.early)
    }

    /// Live streams and flows the analysis ties to the log, which keep it from finishing.
    pub fn media(&self, id: LogId) -> u32 {
        self.get(id).map_or(0, |l| l.media)
    }

    pub fn hold_media(&mut self, id: LogId) {
        if let Some(l) = self.get_mut(id) {
            l.media += 1;
        }
    }

    pub fn release_media(&mut self, id: LogId) {
        if let Some(l) = self.get_mut(id) {
            l.media = l.media.saturating_sub(1);
        }
    }

    /// Takes a log out of the tracker.
    pub fn retire(&mut self, id: LogId) -> Option<RetiredLog> {
        self.get(id)?;
        let slot = id.slot();
        let l = self.slots[slot].take()?;
        self.deadlines[slot] = i64::MAX;
        self.free.push(slot);
        self.live -= 1;
        if self.index.get(l.log.call_id.as_str()) == Some(&id) {
            self.index.remove(l.log.call_id.as_str());
        }
        self.evicted.retain(|e| *e != id);
        Some(RetiredLog {
            id,
            log: l.log,
            seq: l.seq,
            number: l.number,
            offered: l.offered,
            early: l.early,
        })
    }

    /// Every live log, in the order they started.
    pub fn live_logs(&self) -> Vec<LogId> {
        let mut all: Vec<(u64, LogId)> = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(i, l)| {
                l.as_ref()
                    .map(|l| (l.seq, LogId::new(i, self.generations[i])))
            })
            .collect();
        all.sort_unstable();
        all.into_iter().map(|(_, id)| id).collect()
    }

    /// The SDP endpoints filed since the last call.
    pub fn take_offers(&mut self) -> Vec<Offer> {
        std::mem::take(&mut self.offers)
    }

    /// The calls started since the last call.
    pub fn take_started(&mut self) -> Vec<Started> {
        std::mem::take(&mut self.started)
    }

    /// The registrations that got their first 2xx since the last call.
    pub fn take_bound(&mut self) -> Vec<Bound> {
        std::mem::take(&mut self.bound)
    }

    /// Anomalies found since the last call.
    pub fn take_anomalies(&mut self) -> Vec<Anomaly> {
        std::mem::take(&mut self.anomalies)
    }

    /// The counts over all messages filed.
    pub fn stats(&self) -> SipStats {
        let mut stats = self.stats.clone();
        stats.forgotten_transactions = self.retransmissions.evicted;
        stats.responses = self
            .response_counts
            .iter()
            .map(|(code, n)| (code.to_string(), *n))
            .collect();
        stats
    }

    /// Files what is pending, retires every log and builds them: the SIP analysis of
    /// messages held in memory.
    pub fn finish(mut self) -> (SipAnalysis, Vec<Anomaly>) {
        self.file_pending();
        let retired: Vec<RetiredLog> = self
            .live_logs()
            .into_iter()
            .filter_map(|id| self.retire(id))
            .collect();
        use rayon::prelude::*;
        let built: Vec<(u64, Built)> = retired
            .into_par_iter()
            .map(|r| (r.seq, r.build()))
            .collect();
        let mut analysis = SipAnalysis {
            stats: self.stats(),
            ..Default::default()
        };
        let mut others = Vec::new();
        for (seq, b) in built {
            match b {
                Built::Call(c) => analysis.calls.push(*c),
                Built::Registration(r) => analysis.registrations.push(*r),
                Built::Other(o) => others.push((seq, o)),
                Built::Nothing => {}
            }
        }
        analysis.calls.sort_by_key(|c| c.number);
        analysis.other = other::merge(others);
        (analysis, self.anomalies)
    }
}
