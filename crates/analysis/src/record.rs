//! The records an analysis hands out as each is finished, and the summary that ends them.
//! Records are plain typed data; the outputs in `report/` are views of them.

use crate::correlate::CallRecord;
use crate::diagnose::Finding;
use crate::CaptureSummary;
use crate::MediaSummary;
use voipscope_rtp::flows::MediaFlow;
use voipscope_rtp::RtpStream;
use voipscope_sip::other::{KeepAlive, Request, Subscription, Unmatched};
use voipscope_sip::{Registration, SipStats};
use voipscope_wire::anomaly::Anomaly;
use voipscope_wire::timefmt::TimeBase;

/// A finished call with its streams and flows (by number) and its findings.
#[derive(Clone, Debug, PartialEq)]
pub struct CallBundle {
    pub call: CallRecord,
    pub streams: Vec<RtpStream>,
    pub flows: Vec<MediaFlow>,
    pub findings: Vec<Finding>,
}

/// A finished registration; `position` orders registrations as they started.
#[derive(Clone, Debug, PartialEq)]
pub struct RegistrationBundle {
    pub position: u64,
    pub registration: Registration,
    pub findings: Vec<Finding>,
}

/// A finished stream no call's SDP named, with its findings.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamBundle {
    pub stream: RtpStream,
    pub findings: Vec<Finding>,
}

/// One finished record. Those of Call-IDs carry the place of their Call-ID in the order
/// Call-IDs started, which orders them in whole-capture views.
#[derive(Clone, Debug, PartialEq)]
pub enum Record {
    Call(Box<CallBundle>),
    Registration(Box<RegistrationBundle>),
    /// A stream of no call.
    Stream(Box<StreamBundle>),
    /// A STUN, DTLS, ZRTP or T.38 flow of no call.
    Flow(Box<MediaFlow>),
    /// OPTIONS on one path, until the path went quiet.
    KeepAlive(Box<KeepAlive>),
    Subscription(u64, Box<Subscription>),
    /// The MESSAGE and PUBLISH requests of one Call-ID.
    Requests(u64, Vec<Request>),
    Unmatched(u64, Box<Unmatched>),
    /// A finding about the capture, or about a call that was judged after the call was
    /// written (it compares the call with another that was still live).
    Finding(Box<Finding>),
}

/// What ends the records: the capture's summary, counts and anomalies.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub capture: CaptureSummary,
    pub sip: SipStats,
    pub media: MediaSummary,
    /// The first anomalies by frame (all are counted in `capture.anomaly_counts`).
    pub anomalies: Vec<Anomaly>,
}

/// Where an analysis hands its records, in the order they are finished (see README,
/// "Streaming"), then the summary. Called from one thread, in order.
pub trait RecordSink: Send {
    /// The capture's time base, before any record.
    fn start(&mut self, _base: TimeBase) -> std::io::Result<()> {
        Ok(())
    }
    fn record(&mut self, record: Record) -> std::io::Result<()>;
    fn finish(&mut self, summary: Summary) -> std::io::Result<()>;
}
