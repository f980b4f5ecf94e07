//! The sink that keeps every record: an [`Analysis`] in memory, ordered as the whole-capture
//! views list it (calls and streams by number, registrations and other SIP in the order their
//! Call-IDs started, findings most important first).

use super::record::{Record, RecordSink, Summary};
use super::Analysis;
use crate::correlate::CallRecord;
use crate::diagnose::Finding;
use voipscope_rtp::flows::MediaFlow;
use voipscope_rtp::RtpStream;
use voipscope_sip::other::{KeepAlive, OtherSip, Request, Subscription, Unmatched};
use voipscope_sip::Registration;

#[derive(Debug, Default)]
pub struct Collect {
    calls: Vec<CallRecord>,
    registrations: Vec<(u64, Registration)>,
    streams: Vec<RtpStream>,
    flows: Vec<MediaFlow>,
    findings: Vec<Finding>,
    keepalives: Vec<KeepAlive>,
    subscriptions: Vec<(u64, Subscription)>,
    requests: Vec<(u64, Vec<Request>)>,
    unmatched: Vec<(u64, Unmatched)>,
    analysis: Option<Analysis>,
}

impl Collect {
    /// The analysis, once the summary came.
    pub fn into_analysis(self) -> Option<Analysis> {
        self.analysis
    }
}

impl RecordSink for Collect {
    fn record(&mut self, record: Record) -> std::io::Result<()> {
        match record {
            Record::Call(b) => {
                let b = *b;
                self.calls.push(b.call);
                self.streams.extend(b.streams);
                self.flows.extend(b.flows);
                self.findings.extend(b.findings);
            }
            Record::Registration(b) => {
                let b = *b;
                self.registrations.push((b.position, b.registration));
                self.findings.extend(b.findings);
            }
            Record::Stream(b) => {
                let b = *b;
                self.streams.push(b.stream);
                self.findings.extend(b.findings);
            }
            Record::Flow(f) => self.flows.push(*f),
            Record::KeepAlive(k) => self.keepalives.push(*k),
            Record::Subscription(seq, s) => self.subscriptions.push((seq, *s)),
            Record::Requests(seq, r) => self.requests.push((seq, r)),
            Record::Unmatched(seq, u) => self.unmatched.push((seq, *u)),
            Record::Finding(f) => self.findings.push(*f),
        }
        Ok(())
    }

    fn finish(&mut self, summary: Summary) -> std::io::Result<()> {
        let mut calls = std::mem::take(&mut self.calls);
        calls.sort_by_key(|c| c.number);
        let mut registrations = std::mem::take(&mut self.registrations);
        registrations.sort_by_key(|(seq, _)| *seq);
        let mut streams = std::mem::take(&mut self.streams);
        streams.sort_by_key(|s| s.number);
        let mut flows = std::mem::take(&mut self.flows);
        flows.sort_by_key(|f| f.number);
        let mut findings = std::mem::take(&mut self.findings);
        crate::diagnose::sort(&mut findings);
        let mut keepalives = std::mem::take(&mut self.keepalives);
        keepalives.sort_by(|a, b| {
            a.path_key()
                .cmp(&b.path_key())
                .then(a.first_ns.cmp(&b.first_ns))
        });
        let mut subscriptions = std::mem::take(&mut self.subscriptions);
        subscriptions.sort_by_key(|(seq, _)| *seq);
        let mut requests = std::mem::take(&mut self.requests);
        requests.sort_by_key(|(seq, _)| *seq);
        let mut unmatched = std::mem::take(&mut self.unmatched);
        unmatched.sort_by_key(|(seq, _)| *seq);
        let Summary {
            capture,
            sip,
            media,
            anomalies,
        } = summary;
        self.analysis = Some(Analysis {
            capture,
            sip,
            calls,
            registrations: registrations.into_iter().map(|(_, r)| r).collect(),
            other_sip: OtherSip {
                keepalives,
                subscriptions: subscriptions.into_iter().map(|(_, s)| s).collect(),
                requests: requests.into_iter().flat_map(|(_, r)| r).collect(),
                unmatched: unmatched.into_iter().map(|(_, u)| u).collect(),
            },
            media,
            streams,
            media_flows: flows,
            findings,
            anomalies,
        });
        Ok(())
    }
}
