//! Diagnosis: findings that say in plain words why a call failed or how it went wrong, each
//! with the frames that show it and what to check. Each rule is a module of its own that reads
//! finished records (a call with its streams, a registration, a stream, the capture summary)
//! and never the packets. What a rule needs across calls (registrations per account, codecs
//! per host, answered calls per account) is kept in bounded state beside the rules
//! ([`Known`]), so each record is judged when it is finished.
//!
//! Findings are listed most important first: by severity, call, rule id and stream, then in
//! the order the rules found them ([`Order`]).

pub mod auth;
pub mod capture;
pub mod codec;
pub mod media;
pub mod nat;
pub mod one_call;
pub mod outcome;
pub mod register_source;
pub mod reinvite;
pub mod response;
pub mod sdp;
pub mod timeout;
pub mod visibility;

use std::net::IpAddr;

use serde::Serialize;

use crate::correlate::CallRecord;
use voipscope_rtp::RtpStream;
use voipscope_sip::status::Lang;
use voipscope_sip::{Call, Method, Registration};
use voipscope_wire::timefmt::TimeBase;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The call or registration failed, or will.
    Error,
    /// It worked, but something is wrong (one-way audio, loss, NAT).
    Warning,
    /// Context worth knowing (encrypted media, hold, a normal cancel).
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// The rule that found it, e.g. `nat-private-address`.
    pub id: &'static str,
    pub severity: Severity,
    pub call_id: Option<String>,
    pub call_number: Option<usize>,
    /// 1-based stream number, for media findings.
    pub stream: Option<usize>,
    pub title: String,
    pub explanation: String,
    /// Frame numbers that show it.
    pub evidence: Vec<u64>,
    pub suggestion: String,
    /// Where the finding stands among findings of equal severity, call, id and stream.
    #[serde(skip)]
    pub order: Order,
}

/// The rule that found a finding, the part of the rule (calls, registrations, streams), the
/// record it concerns (call number, registration or stream position) and its place among that
/// record's findings: the order in which running the rules one after the other over the whole
/// capture would have found it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Order {
    pub rule: u8,
    pub part: u8,
    pub record: u64,
    pub seq: u32,
}

/// The rules, numbered as [`Order::rule`] counts them.
pub mod rule {
    pub const RESPONSE: u8 = 0;
    pub const NAT: u8 = 1;
    pub const REGISTER_SOURCE: u8 = 2;
    pub const ONE_CALL: u8 = 3;
    pub const CODEC: u8 = 4;
    pub const AUTH: u8 = 5;
    pub const TIMEOUT: u8 = 6;
    pub const MEDIA: u8 = 7;
    pub const VISIBILITY: u8 = 8;
    pub const CAPTURE: u8 = 9;
    pub const SDP: u8 = 10;
    pub const REINVITE: u8 = 11;
}

/// The parts of a rule.
pub mod part {
    pub const CALLS: u8 = 0;
    pub const REGISTRATIONS: u8 = 1;
    pub const STREAMS: u8 = 1;
}

impl Finding {
    /// The key findings are listed by.
    pub fn sort_key(&self) -> (Severity, usize, &'static str, Option<usize>, Order) {
        (
            self.severity,
            self.call_number.unwrap_or(usize::MAX),
            self.id,
            self.stream,
            self.order,
        )
    }
}

/// Sorts findings most important first.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|x, y| x.sort_key().cmp(&y.sort_key()));
}

/// How findings are written: the language, and the time base of the capture's `*_s` times.
#[derive(Clone, Copy, Debug)]
pub struct Ctx {
    pub lang: Lang,
    pub base: TimeBase,
}

/// Runs `rule` for one record and stamps the findings it adds with their [`Order`].
fn stamped(
    out: &mut Vec<Finding>,
    rule: u8,
    part: u8,
    record: u64,
    run: impl FnOnce(&mut Vec<Finding>),
) {
    let from = out.len();
    run(out);
    for (seq, f) in out[from..].iter_mut().enumerate() {
        f.order = Order {
            rule,
            part,
            record,
            seq: seq as u32,
        };
    }
}

impl Finding {
    pub fn new(id: &'static str, severity: Severity) -> Finding {
        Finding {
            id,
            severity,
            call_id: None,
            call_number: None,
            stream: None,
            title: String::new(),
            explanation: String::new(),
            evidence: Vec::new(),
            suggestion: String::new(),
            order: Order::default(),
        }
    }

    pub(crate) fn call(mut self, c: &Call) -> Finding {
        self.call_id = Some(c.call_id.clone());
        self.call_number = Some(c.number);
        self
    }

    /// Ties the finding to a stream by its number.
    pub(crate) fn stream(mut self, number: usize) -> Self {
        self.stream = Some(number);
        self
    }

    /// Ties the finding to a stream and to the call the stream belongs to, if any.
    pub(crate) fn stream_and_its_call(mut self, s: &RtpStream) -> Self {
        self.stream = Some(s.number);
        if let (Some(id), Some(n)) = (&s.call_id, s.call_number) {
            self.call_id = Some(id.clone());
            self.call_number = Some(n);
        }
        self
    }

    /// Ties the finding to a registration (by its Call-ID).
    pub(crate) fn registration(mut self, r: &Registration) -> Self {
        self.call_id = Some(r.call_id.clone());
        self
    }

    pub fn text(mut self, title: String, explanation: String, suggestion: String) -> Self {
        self.title = title;
        self.explanation = explanation;
        self.suggestion = suggestion;
        self
    }

    pub(crate) fn evidence(mut self, frames: impl IntoIterator<Item = u64>) -> Self {
        self.evidence.extend(frames);
        self.evidence.sort_unstable();
        self.evidence.dedup();
        self
    }
}

/// Picks the text of the output language.
macro_rules! txt {
    ($lang:expr, $en:expr, $de:expr) => {
        match $lang {
            ::voipscope_sip::status::Lang::En => $en,
            ::voipscope_sip::status::Lang::De => $de,
        }
    };
}
pub(crate) use txt;

/// An address a device can only have on its own network: RFC 1918, shared address space
/// (RFC 6598, carrier-grade NAT), link-local, IPv6 unique-local and link-local.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_private() || v4.is_link_local() || (o[0] == 100 && (64..128).contains(&o[1]))
        }
        IpAddr::V6(v6) => {
            let s = v6.segments()[0];
            (s & 0xfe00) == 0xfc00 || (s & 0xffc0) == 0xfe80
        }
    }
}

/// What the rules know across records, kept as each record is finished.
#[derive(Debug, Default)]
pub struct Known {
    pub registrations: register_source::Registry,
    pub codecs: codec::HostCodecs,
}

/// What a call's rules read besides the call.
pub struct CallFacts<'a> {
    /// The call's streams.
    pub streams: &'a [&'a RtpStream],
    pub known: &'a Known,
    /// How far the capture was seen when the call was finished.
    pub seen_until_ns: i64,
}

impl CallFacts<'_> {
    /// One of the call's streams by number.
    pub fn stream(&self, number: usize) -> Option<&RtpStream> {
        self.streams.iter().find(|s| s.number == number).copied()
    }
}

/// The findings about one finished call and its media, apart from the rule that compares it
/// with the account's other calls ([`one_call`]).
pub fn call(c: &CallRecord, facts: &CallFacts<'_>, ctx: Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    let n = c.number as u64;
    stamped(&mut out, rule::RESPONSE, part::CALLS, n, |o| {
        response::call(c, ctx, o)
    });
    stamped(&mut out, rule::NAT, part::CALLS, n, |o| {
        nat::call(c, ctx, o)
    });
    stamped(&mut out, rule::REGISTER_SOURCE, part::CALLS, n, |o| {
        register_source::call(c, &facts.known.registrations, ctx, o)
    });
    stamped(&mut out, rule::CODEC, part::CALLS, n, |o| {
        codec::call(c, facts, ctx, o)
    });
    stamped(&mut out, rule::AUTH, part::CALLS, n, |o| {
        auth::call(c, ctx, o)
    });
    stamped(&mut out, rule::TIMEOUT, part::CALLS, n, |o| {
        timeout::call(c, facts, ctx, o)
    });
    stamped(&mut out, rule::MEDIA, part::CALLS, n, |o| {
        media::call(c, facts, ctx, o)
    });
    stamped(&mut out, rule::SDP, part::CALLS, n, |o| {
        sdp::call(c, ctx, o)
    });
    stamped(&mut out, rule::REINVITE, part::CALLS, n, |o| {
        reinvite::call(c, ctx, o)
    });
    out
}

/// The findings about one finished registration; `position` is its place in the capture's
/// list of registrations.
pub fn registration(r: &Registration, position: u64, ctx: Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    let p = part::REGISTRATIONS;
    stamped(&mut out, rule::RESPONSE, p, position, |o| {
        response::registration(r, ctx, o)
    });
    stamped(&mut out, rule::NAT, p, position, |o| {
        nat::registration(r, ctx, o)
    });
    stamped(&mut out, rule::AUTH, p, position, |o| {
        auth::registration(r, ctx, o)
    });
    out
}

/// The findings about one finished stream's own figures.
pub fn stream(s: &RtpStream, ctx: Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    stamped(&mut out, rule::MEDIA, part::STREAMS, s.number as u64, |o| {
        media::stream(s, ctx, o)
    });
    out
}

/// The findings about the capture as a whole, once it is read.
pub fn capture(
    summary: &crate::CaptureSummary,
    anomalies: &[voipscope_wire::anomaly::Anomaly],
    streams: &capture::StreamFacts,
    ctx: Ctx,
) -> Vec<Finding> {
    let mut out = Vec::new();
    stamped(&mut out, rule::VISIBILITY, 0, 0, |o| {
        visibility::run(summary, streams, ctx, o)
    });
    stamped(&mut out, rule::CAPTURE, 0, 0, |o| {
        capture::run(summary, anomalies, streams, ctx, o)
    });
    out
}

/// Every rule over a whole analysis, most important first: what finishing each record in
/// turn gives, for an analysis held in memory.
pub fn diagnose(a: &crate::Analysis, lang: Lang) -> Vec<Finding> {
    let ctx = Ctx {
        lang,
        base: a.capture.time_base,
    };
    let mut known = Known::default();
    for r in &a.registrations {
        known.registrations.add(r);
    }
    for c in &a.calls {
        known.codecs.add_call(c);
    }
    let seen_until_ns = a.capture.last_ts_ns.unwrap_or(0);
    let mut out = Vec::new();
    let answered = one_call::History::of(&a.calls);
    for c in &a.calls {
        let streams: Vec<&RtpStream> = c
            .media
            .streams
            .iter()
            .filter_map(|&n| n.checked_sub(1).and_then(|i| a.streams.get(i)))
            .collect();
        let facts = CallFacts {
            streams: &streams,
            known: &known,
            seen_until_ns,
        };
        out.extend(call(c, &facts, ctx));
        if let Some(o) = answered.overlapping(c, ctx) {
            let mut found = Vec::new();
            stamped(
                &mut found,
                rule::ONE_CALL,
                part::CALLS,
                c.number as u64,
                |f| one_call::finding(c, &o, ctx, f),
            );
            out.extend(found);
        }
    }
    for (i, r) in a.registrations.iter().enumerate() {
        out.extend(registration(r, i as u64, ctx));
    }
    let mut facts = capture::StreamFacts::default();
    for s in &a.streams {
        out.extend(stream(s, ctx));
        facts.add(s);
    }
    out.extend(capture(&a.capture, &a.anomalies, &facts, ctx));
    sort(&mut out);
    out
}

/// Frames of the call's requests of this method, repeats included.
pub(crate) fn frames_of_method(c: &Call, method: Method) -> Vec<u64> {
    c.messages
        .iter()
        .filter(|m| m.method.as_ref() == Some(&method))
        .map(|m| m.frame)
        .collect()
}

/// Frames of the call's responses with this status, repeats included.
pub(crate) fn frames_of_status(c: &Call, status: u16) -> Vec<u64> {
    c.messages
        .iter()
        .filter(|m| m.status == Some(status))
        .map(|m| m.frame)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses() {
        for a in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.178.20",
            "100.64.1.1",
            "169.254.3.4",
            "fd00::1",
            "fe80::1",
        ] {
            assert!(is_private(a.parse().unwrap()), "{a}");
        }
        for a in ["203.0.113.7", "100.128.0.1", "8.8.8.8", "2001:db8::1"] {
            assert!(!is_private(a.parse().unwrap()), "{a}");
        }
    }
}
