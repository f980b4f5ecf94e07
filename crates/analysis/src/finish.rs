//! The finisher: turns what the live analysis retired into records (calls built, streams'
//! figures computed, streams tied to their calls, findings) and hands them to the sink in a
//! fixed order. It runs on its own thread, so the in-order stage goes on meanwhile, and the
//! writer ([`write`]) renders the records on another; what it needs across records
//! (registrations per account, codecs per host, answered calls per account, live keep-alive
//! paths) is bounded state.
//!
//! Order of the records of one batch: streams and flows of no call (in the order they
//! started), then the Call-IDs in the order they started (a call with its streams, flows and
//! findings), then findings that waited for a call finished in this batch.

use std::collections::{BTreeMap, HashMap};
use std::sync::mpsc::{Receiver, SyncSender};

use rustc_hash::FxHashMap;

use super::record::{CallBundle, Record, RecordSink, RegistrationBundle, StreamBundle, Summary};
use crate::correlate::{self, CallRecord};
use crate::diagnose::{self, one_call, CallFacts, Ctx, Finding, Known};
use voipscope_rtp::flows::MediaFlow;
use voipscope_rtp::rtcp::RtcpFigures;
use voipscope_rtp::streams::RetiredStream;
use voipscope_rtp::{Direction, RtpStream};
use voipscope_sip::calls::Side;
use voipscope_sip::other::{KeepAlive, OtherRecord};
use voipscope_sip::status::Lang;
use voipscope_sip::{Bound, Built, LogId, RetiredLog, Started};
use voipscope_wire::timefmt::TimeBase;

/// A keep-alive path is written once it has had no OPTIONS for this long (activity clock).
pub const KEEPALIVE_IDLE_NS: i64 = 3600 * 1_000_000_000;
/// Answered calls remembered per account for the one-call-at-a-time rule.
pub const ANSWERED_PER_ACCOUNT: usize = 32;

/// Which call a stream or flow belongs to, and how (see `correlate`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tie {
    pub log: LogId,
    pub direction: Direction,
    /// The call's SDP named the stream's destination (else its source).
    pub by_dst: bool,
    /// The side whose SDP named it.
    pub named_by: Side,
}

/// What one sweep retired.
#[derive(Debug, Default)]
pub(crate) struct Retired {
    /// Boxed: a stream's state is large, and batches are pushed, sorted and handed on.
    pub streams: Vec<(Box<RetiredStream>, Option<RtcpFigures>, Option<Tie>)>,
    pub flows: Vec<(MediaFlow, Option<Tie>)>,
    pub logs: Vec<RetiredLog>,
    pub started: Vec<Started>,
    pub bound: Vec<Bound>,
    /// The largest capture time seen when the sweep ran, and its activity clock.
    pub seen_until_ns: i64,
    pub now: i64,
}

impl Retired {
    pub fn is_empty(&self) -> bool {
        self.streams.is_empty()
            && self.flows.is_empty()
            && self.logs.is_empty()
            && self.started.is_empty()
            && self.bound.is_empty()
    }
}

/// What the engine sends the finisher.
#[derive(Debug)]
pub(crate) enum ToFinisher {
    Start(TimeBase),
    Batch(Box<Retired>),
    End(Box<Ending>),
}

/// What the finisher needs to write the summary.
#[derive(Debug)]
pub(crate) struct Ending {
    pub capture: crate::CaptureSummary,
    pub sip: voipscope_sip::SipStats,
    pub media: crate::MediaSummary,
    pub anomalies: Vec<voipscope_wire::anomaly::Anomaly>,
    pub all_rtp: u64,
}

/// A rejected call waiting for calls of its account that were live when it ended.
#[derive(Debug)]
struct Waiting {
    call: voipscope_sip::Call,
    account: String,
    waits_for: Vec<LogId>,
}

/// What the one-call-at-a-time rule keeps per account: its live calls and its answered
/// calls (the longest lasting ones).
#[derive(Debug, Default)]
struct Account {
    /// Start of each live call (a map: a busy account has thousands).
    live: FxHashMap<LogId, i64>,
    answered: Vec<one_call::Answered>,
}

/// What the finisher hands the writer, in order.
#[derive(Debug)]
pub(crate) enum ToWriter {
    Start(TimeBase),
    Records(Vec<Record>),
    Finish(Box<Summary>),
}

/// Records handed to the writer at once: few enough that those waiting stay a small part of
/// the heap, enough that the hand-over costs nothing next to writing them.
const RECORDS_TOGETHER: usize = 32;

/// The writer: hands everything to the sink, in order, on a thread of its own. Rendering the
/// records (JSON) was four fifths of the finisher's work, and the in-order stage waited for
/// the finisher whenever it fell behind, while the decoders ran out of ranges to read: apart,
/// the two keep both cores busier (day capture, 60,000 calls: 185-187 % CPU against 177-179 %).
/// Stops at the sink's first error, which it gives back; the finisher then finds it gone.
pub(crate) fn write(
    sink: &mut (dyn RecordSink + Send),
    rx: Receiver<ToWriter>,
) -> std::io::Result<()> {
    for m in rx {
        match m {
            ToWriter::Start(base) => sink.start(base)?,
            ToWriter::Records(records) => {
                for r in records {
                    sink.record(r)?;
                }
            }
            ToWriter::Finish(summary) => sink.finish(*summary)?,
        }
    }
    Ok(())
}

pub(crate) struct Finisher<'s> {
    out: SyncSender<ToWriter>,
    /// The writer stopped (its sink failed): nothing more is sent.
    closed: bool,
    /// Records not yet handed to the writer.
    emitted: Vec<Record>,
    pool: &'s rayon::ThreadPool,
    ctx: Ctx,
    streams_of: FxHashMap<LogId, Vec<(RtpStream, Tie)>>,
    flows_of: FxHashMap<LogId, Vec<MediaFlow>>,
    known: Known,
    accounts: HashMap<String, Account>,
    waiting: Vec<Waiting>,
    keepalives: BTreeMap<(String, String), (KeepAlive, i64)>,
    facts: diagnose::capture::StreamFacts,
    streams: usize,
    unassociated: usize,
    analyzed_packets: u64,
    flows: usize,
}

impl<'s> Finisher<'s> {
    pub fn new(out: SyncSender<ToWriter>, pool: &'s rayon::ThreadPool, lang: Lang) -> Finisher<'s> {
        Finisher {
            out,
            closed: false,
            emitted: Vec::with_capacity(RECORDS_TOGETHER),
            pool,
            ctx: Ctx {
                lang,
                base: TimeBase::default(),
            },
            streams_of: FxHashMap::default(),
            flows_of: FxHashMap::default(),
            known: Known::default(),
            accounts: HashMap::new(),
            waiting: Vec::new(),
            keepalives: BTreeMap::new(),
            facts: Default::default(),
            streams: 0,
            unassociated: 0,
            analyzed_packets: 0,
            flows: 0,
        }
    }

    fn emit(&mut self, r: Record) {
        if !self.closed {
            self.emitted.push(r);
            if self.emitted.len() >= RECORDS_TOGETHER {
                self.hand_over();
            }
        }
    }

    fn hand_over(&mut self) {
        if !self.emitted.is_empty() {
            let records =
                std::mem::replace(&mut self.emitted, Vec::with_capacity(RECORDS_TOGETHER));
            self.send(ToWriter::Records(records));
        }
    }

    fn send(&mut self, m: ToWriter) {
        if !self.closed && self.out.send(m).is_err() {
            self.closed = true;
        }
    }

    /// Finishes every batch until the end of the capture, handing the records to the writer.
    pub fn run(mut self, rx: Receiver<ToFinisher>) {
        for m in rx {
            match m {
                ToFinisher::Start(base) => {
                    self.ctx.base = base;
                    self.send(ToWriter::Start(base));
                }
                ToFinisher::Batch(b) => {
                    self.batch(*b);
                    self.hand_over();
                }
                ToFinisher::End(end) => self.end(*end),
            }
        }
        // the capture stopped early (an error): what was finished is still written
        self.hand_over();
    }

    fn batch(&mut self, b: Retired) {
        let Retired {
            streams,
            flows,
            logs,
            started,
            bound,
            seen_until_ns,
            now,
        } = b;
        use rayon::prelude::*;
        type Finished = Vec<(Option<RtpStream>, Option<Tie>)>;
        let (finished, built): (Finished, Vec<(RetiredLog2, Built)>) = self.pool.install(|| {
            rayon::join(
                || {
                    streams
                        .into_par_iter()
                        .map(|(s, rtcp, tie)| {
                            let s = s.finish().map(|mut s| {
                                s.rtcp =
                                    rtcp.map(|f| voipscope_rtp::rtcp::with_clock(f, s.clock_rate));
                                s
                            });
                            (s, tie)
                        })
                        .collect()
                },
                || {
                    logs.into_par_iter()
                        .map(|r| {
                            let head = RetiredLog2 {
                                seq: r.seq,
                                id: r.id,
                            };
                            let mut b = r.build();
                            if let Built::Call(c) = &mut b {
                                // descriptions put together from segments were not
                                // checked when read
                                voipscope_sdp::validate::check_all(c.descriptions_mut());
                            }
                            (head, b)
                        })
                        .collect()
                },
            )
        });
        for (s, tie) in finished {
            let Some(s) = s else { continue };
            match tie {
                Some(t) => self
                    .streams_of
                    .entry(t.log)
                    // most calls have two: a default vector held room for four (3 KiB)
                    .or_insert_with(|| Vec::with_capacity(2))
                    .push((s, t)),
                None => self.unassociated_stream(s),
            }
        }
        for (f, tie) in flows {
            match tie {
                Some(t) => self.flows_of.entry(t.log).or_default().push(f),
                None => {
                    self.flows += 1;
                    self.emit(Record::Flow(Box::new(f)));
                }
            }
        }
        for s in started {
            for a in &s.accounts {
                // the key is copied only for an account not seen before
                if let Some(account) = self.accounts.get_mut(a.as_str()) {
                    account.live.insert(s.log, s.start_ns);
                } else {
                    let mut account = Account::default();
                    account.live.insert(s.log, s.start_ns);
                    self.accounts.insert(a.to_string(), account);
                }
            }
        }
        for b in bound {
            self.known.registrations.add_binding(
                &b.user,
                b.source,
                b.registrar,
                Some(b.first_frame),
            );
        }
        for (head, b) in built {
            match b {
                Built::Call(c) => self.call(head.id, *c, seen_until_ns),
                Built::Registration(r) => {
                    let findings = diagnose::registration(&r, head.seq, self.ctx);
                    self.emit(Record::Registration(Box::new(RegistrationBundle {
                        position: head.seq,
                        registration: *r,
                        findings,
                    })));
                }
                Built::Other(o) => self.other(head.seq, o, now),
                Built::Nothing => {}
            }
        }
        self.flush_keepalives(Some(now));
    }

    fn unassociated_stream(&mut self, s: RtpStream) {
        self.streams += 1;
        self.unassociated += 1;
        self.analyzed_packets += s.packets;
        self.facts.add(&s);
        let findings = diagnose::stream(&s, self.ctx);
        self.emit(Record::Stream(Box::new(StreamBundle {
            stream: s,
            findings,
        })));
    }

    fn call(&mut self, id: LogId, call: voipscope_sip::Call, seen_until_ns: i64) {
        let base = self.ctx.base;
        let mut record = CallRecord {
            call,
            media: Default::default(),
        };
        let mut streams = self.streams_of.remove(&id).unwrap_or_default();
        streams.sort_by_key(|(s, _)| s.number);
        let mut own: Vec<RtpStream> = Vec::with_capacity(streams.len());
        for (mut s, t) in streams {
            correlate::tie(
                &mut record,
                &mut s,
                t.direction,
                t.by_dst,
                Some(t.named_by),
                base,
            );
            own.push(s);
        }
        {
            let refs: Vec<&RtpStream> = own.iter().collect();
            correlate::finish_media(&mut record, &refs, base);
        }
        let mut flows = self.flows_of.remove(&id).unwrap_or_default();
        flows.sort_by_key(|f| f.number);
        for f in &mut flows {
            f.call_id = Some(record.call_id.clone());
            f.call_number = Some(record.number);
            record.media.flows.push(f.number);
        }
        self.known.codecs.add_call(&record);
        let mut findings = {
            let refs: Vec<&RtpStream> = own.iter().collect();
            let facts = CallFacts {
                streams: &refs,
                known: &self.known,
                seen_until_ns,
            };
            diagnose::call(&record, &facts, self.ctx)
        };
        for s in &own {
            findings.extend(diagnose::stream(s, self.ctx));
            self.facts.add(s);
            self.analyzed_packets += s.packets;
        }
        self.streams += own.len();
        self.flows += flows.len();
        let later = self.one_call(id, &record, &mut findings);
        diagnose::sort(&mut findings);
        self.emit(Record::Call(Box::new(CallBundle {
            call: record,
            streams: own,
            flows,
            findings,
        })));
        for f in later {
            self.emit(Record::Finding(Box::new(f)));
        }
    }

    /// The one-call-at-a-time rule for a finished call, and for the calls that waited for it.
    /// Findings of this call go into `findings`; the waiting calls' are returned.
    fn one_call(&mut self, id: LogId, c: &CallRecord, findings: &mut Vec<Finding>) -> Vec<Finding> {
        let ctx = self.ctx;
        for a in one_call::accounts(c) {
            if let Some(account) = self.accounts.get_mut(a) {
                account.live.remove(&id);
                if let Some(answered) = one_call::Answered::of(c) {
                    account.answered.push(answered);
                    if account.answered.len() > ANSWERED_PER_ACCOUNT {
                        // keep the longest lasting: the rule asks which call was still up
                        let shortest = account
                            .answered
                            .iter()
                            .enumerate()
                            .min_by_key(|(_, o)| (o.end_ns, o.number))
                            .map(|(i, _)| i);
                        if let Some(i) = shortest {
                            account.answered.remove(i);
                        }
                    }
                }
            }
        }
        // calls that waited for this one
        let mut later = Vec::new();
        let mut still = Vec::new();
        for mut w in std::mem::take(&mut self.waiting) {
            w.waits_for.retain(|l| *l != id);
            if w.waits_for.is_empty() {
                later.extend(self.judge(&w.call, &w.account));
            } else {
                still.push(w);
            }
        }
        self.waiting = still;
        if let Some(u) = one_call::judged(c) {
            let waits_for: Vec<LogId> = self
                .accounts
                .get(u)
                .map(|a| {
                    a.live
                        .iter()
                        .filter(|&(&l, &start)| {
                            l != id && ctx.base.s(start) <= ctx.base.s(c.start_ns)
                        })
                        .map(|(l, _)| *l)
                        .collect()
                })
                .unwrap_or_default();
            if waits_for.is_empty() {
                findings.extend(self.judge(c, u));
            } else {
                self.waiting.push(Waiting {
                    call: c.call.clone(),
                    account: u.to_string(),
                    waits_for,
                });
            }
        }
        self.forget_quiet_accounts();
        later
    }

    fn judge(&self, c: &voipscope_sip::Call, account: &str) -> Vec<Finding> {
        let mut out = Vec::new();
        let Some(a) = self.accounts.get(account) else {
            return out;
        };
        if let Some(o) = one_call::pick(c, a.answered.iter(), self.ctx) {
            one_call::finding(c, &o, self.ctx, &mut out);
            for f in &mut out {
                f.order = diagnose::Order {
                    rule: diagnose::rule::ONE_CALL,
                    part: diagnose::part::CALLS,
                    record: c.number as u64,
                    seq: 0,
                };
            }
        }
        out
    }

    /// Accounts with nothing live and nothing waiting keep only their answered calls, and the
    /// map is emptied of them when it grows large.
    fn forget_quiet_accounts(&mut self) {
        if self.accounts.len() > 100_000 {
            let waiting: Vec<&str> = self.waiting.iter().map(|w| w.account.as_str()).collect();
            self.accounts
                .retain(|k, a| !a.live.is_empty() || waiting.contains(&k.as_str()));
        }
    }

    fn other(&mut self, seq: u64, o: OtherRecord, now: i64) {
        match o {
            OtherRecord::KeepAlives(list) => {
                for k in list {
                    match self.keepalives.get_mut(&k.path_key()) {
                        Some((e, at)) => {
                            e.merge(&k);
                            *at = now;
                        }
                        None => {
                            self.keepalives.insert(k.path_key(), (k, now));
                        }
                    }
                }
            }
            OtherRecord::Subscription(s) => self.emit(Record::Subscription(seq, Box::new(s))),
            OtherRecord::Requests(list) => self.emit(Record::Requests(seq, list)),
            OtherRecord::Unmatched(u) => self.emit(Record::Unmatched(seq, Box::new(u))),
        }
    }

    /// Writes the keep-alive paths quiet since `now` (all of them without `now`).
    fn flush_keepalives(&mut self, now: Option<i64>) {
        let quiet: Vec<(String, String)> = self
            .keepalives
            .iter()
            .filter(|(_, (_, at))| now.is_none_or(|n| n.saturating_sub(*at) >= KEEPALIVE_IDLE_NS))
            .map(|(k, _)| k.clone())
            .collect();
        for k in quiet {
            if let Some((ka, _)) = self.keepalives.remove(&k) {
                self.emit(Record::KeepAlive(Box::new(ka)));
            }
        }
    }

    fn end(&mut self, end: Ending) {
        // every call is finished: the waiting ones are judged
        for w in std::mem::take(&mut self.waiting) {
            for f in self.judge(&w.call, &w.account) {
                self.emit(Record::Finding(Box::new(f)));
            }
        }
        // streams whose call was finished early, before them, have no call left
        let orphans: Vec<(RtpStream, Tie)> = self.streams_of.drain().flat_map(|(_, v)| v).collect();
        let mut orphans: Vec<RtpStream> = orphans.into_iter().map(|(s, _)| s).collect();
        orphans.sort_by_key(|s| s.number);
        for s in orphans {
            self.unassociated_stream(s);
        }
        let mut flows: Vec<MediaFlow> = self.flows_of.drain().flat_map(|(_, v)| v).collect();
        flows.sort_by_key(|f| f.number);
        for f in flows {
            self.flows += 1;
            self.emit(Record::Flow(Box::new(f)));
        }
        self.flush_keepalives(None);
        let Ending {
            capture,
            sip,
            mut media,
            anomalies,
            all_rtp,
        } = end;
        media.streams = self.streams;
        media.unassociated_streams = self.unassociated;
        media.media_flows = self.flows;
        media.unconfirmed_rtp_packets =
            all_rtp.saturating_sub(self.analyzed_packets + media.dropped_rtp_packets);
        let facts = std::mem::take(&mut self.facts).sorted();
        let mut capture_findings = diagnose::capture(&capture, &anomalies, &facts, self.ctx);
        diagnose::sort(&mut capture_findings);
        for f in capture_findings {
            self.emit(Record::Finding(Box::new(f)));
        }
        self.hand_over();
        self.send(ToWriter::Finish(Box::new(Summary {
            capture,
            sip,
            media,
            anomalies,
        })));
    }
}

/// What the finisher keeps of a retired log besides its build.
#[derive(Debug)]
struct RetiredLog2 {
    seq: u64,
    id: LogId,
}
