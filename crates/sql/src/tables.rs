//! The tables: their Arrow schemas, and the records of one capture turned into rows of them.
//! `captures` (one row per capture), `calls`, `registrations`, `streams`, `findings` and
//! `messages` (every SIP message of a call or registration). Times are timestamps (UTC,
//! nanoseconds), addresses are `ip:port` text, enums are the words the JSON uses.
//!
//! Each table's columns are the fields of its row struct below, in order: the schema and the
//! rows cannot drift apart, because the Arrow arrays are filled from the rows by serde against
//! the schema (arrow-json's decoder), and a test checks every row against its schema.

use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use arrow::error::ArrowError;
use arrow_json::reader::Decoder;
use serde::Serialize;

use voipscope_analysis::diagnose::{Finding, Severity};
use voipscope_analysis::{CallBundle, Record, RegistrationBundle, Summary};
use voipscope_rtp::RtpStream;
use voipscope_sip::calls::MessageRef;
use voipscope_wire::timefmt::TimeBase;

/// Every table, in the order they are written.
pub const TABLES: [Table; 6] = [
    Table::Captures,
    Table::Calls,
    Table::Registrations,
    Table::Streams,
    Table::Findings,
    Table::Messages,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Table {
    Captures,
    Calls,
    Registrations,
    Streams,
    Findings,
    Messages,
}

impl Table {
    pub fn name(self) -> &'static str {
        match self {
            Table::Captures => "captures",
            Table::Calls => "calls",
            Table::Registrations => "registrations",
            Table::Streams => "streams",
            Table::Findings => "findings",
            Table::Messages => "messages",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The columns stored in the table's files (the partition columns are not).
    pub fn schema(self) -> SchemaRef {
        use DataType::*;
        let ts = || Timestamp(TimeUnit::Nanosecond, Some("UTC".into()));
        let f = |name: &str, t: DataType, null: bool| Field::new(name, t, null);
        let fields = match self {
            Table::Captures => vec![
                f("file", Utf8, false),
                f("format", Utf8, false),
                f("compressed", Boolean, false),
                f("link_types", Utf8, false),
                f("file_bytes", UInt64, false),
                f("frames", UInt64, false),
                f("bytes", UInt64, false),
                f("first_time", ts(), true),
                f("last_time", ts(), true),
                f("duration_s", Float64, false),
                f("sip_messages", UInt64, false),
                f("rtp_packets", UInt64, false),
                f("rtcp_packets", UInt64, false),
                f("calls", UInt64, false),
                f("registrations", UInt64, false),
                f("streams", UInt64, false),
                f("findings", UInt64, false),
                f("messages", UInt64, false),
                f("anomalies", UInt64, false),
            ],
            Table::Calls => vec![
                f("number", UInt64, false),
                f("call_id", Utf8, false),
                f("state", Utf8, false),
                f("final_status", UInt16, true),
                f("final_reason", Utf8, true),
                f("from_user", Utf8, true),
                f("from_display_name", Utf8, true),
                f("from_uri", Utf8, false),
                f("to_user", Utf8, true),
                f("to_uri", Utf8, false),
                f("request_uri", Utf8, false),
                f("caller", Utf8, false),
                f("callee", Utf8, false),
                f("transport", Utf8, false),
                f("start_time", ts(), false),
                f("end_time", ts(), false),
                f("setup_time_ms", Float64, true),
                f("answer_time_ms", Float64, true),
                f("talk_duration_s", Float64, true),
                f("ended_by", Utf8, true),
                f("end_method", Utf8, true),
                f("q850_cause", UInt32, true),
                f("reason", Utf8, true),
                f("warning_code", UInt16, true),
                f("warning_text", Utf8, true),
                f("invite_attempts", UInt32, false),
                f("auth_challenges", UInt32, false),
                f("reinvites", UInt32, false),
                f("retransmissions", UInt32, false),
                f("caller_user_agent", Utf8, true),
                f("callee_user_agent", Utf8, true),
                f("streams", UInt32, false),
                f("caller_to_callee_packets", UInt64, false),
                f("callee_to_caller_packets", UInt64, false),
                f("one_way", Boolean, false),
                f("no_media", Boolean, false),
                f("findings", UInt32, false),
                f("worst_severity", Utf8, true),
                f("min_mos", Float64, true),
                f("max_lost_pct", Float64, true),
            ],
            Table::Registrations => vec![
                f("call_id", Utf8, false),
                f("aor", Utf8, false),
                f("user", Utf8, true),
                f("contact", Utf8, true),
                f("expires", UInt32, true),
                f("unregister", Boolean, false),
                f("state", Utf8, false),
                f("final_status", UInt16, true),
                f("final_reason", Utf8, true),
                f("attempts", UInt32, false),
                f("challenges", UInt32, false),
                f("auth_user", Utf8, true),
                f("source", Utf8, false),
                f("registrar", Utf8, false),
                f("via", Utf8, true),
                f("user_agent", Utf8, true),
                f("transport", Utf8, false),
                f("start_time", ts(), false),
                f("end_time", ts(), false),
                f("retransmissions", UInt32, false),
                f("findings", UInt32, false),
            ],
            Table::Streams => vec![
                f("number", UInt64, false),
                f("src", Utf8, false),
                f("dst", Utf8, false),
                f("ssrc", UInt32, false),
                f("call_id", Utf8, true),
                f("call_number", UInt64, true),
                f("direction", Utf8, true),
                f("codec", Utf8, true),
                f("clock_rate", UInt32, false),
                f("clock_source", Utf8, false),
                f("start_time", ts(), false),
                f("end_time", ts(), false),
                f("first_frame", UInt64, false),
                f("last_frame", UInt64, false),
                f("packets", UInt64, false),
                f("payload_bytes", UInt64, false),
                f("signaled", Boolean, false),
                f("encrypted", Boolean, false),
                f("comfort_noise_packets", UInt64, false),
                f("event_packets", UInt64, false),
                f("expected", Int64, false),
                f("lost", Int64, false),
                f("lost_pct", Float64, false),
                f("min_delta_ms", Float64, false),
                f("mean_delta_ms", Float64, false),
                f("max_delta_ms", Float64, false),
                f("min_jitter_ms", Float64, false),
                f("mean_jitter_ms", Float64, false),
                f("max_jitter_ms", Float64, false),
                f("max_skew_ms", Float64, false),
                f("sequence_errors", UInt64, false),
                f("rfc3550_expected", UInt64, false),
                f("rfc3550_lost", UInt64, false),
                f("rfc3550_lost_pct", Float64, false),
                f("rfc3550_jitter_ms", Float64, false),
                f("duplicates", UInt64, false),
                f("out_of_order", UInt64, false),
                f("late", UInt64, true),
                f("r_factor", Float64, true),
                f("mos", Float64, true),
                f("dtmf", Utf8, true),
            ],
            Table::Findings => vec![
                f("id", Utf8, false),
                f("severity", Utf8, false),
                f("call_id", Utf8, true),
                f("call_number", UInt64, true),
                f("stream", UInt64, true),
                f("title", Utf8, false),
                f("explanation", Utf8, false),
                f("suggestion", Utf8, false),
                f(
                    "evidence",
                    List(Arc::new(Field::new("item", UInt64, true))),
                    false,
                ),
            ],
            Table::Messages => vec![
                f("call_id", Utf8, false),
                f("record", Utf8, false),
                f("call_number", UInt64, true),
                f("frame", UInt64, false),
                f("time", ts(), false),
                f("src", Utf8, false),
                f("dst", Utf8, false),
                f("transport", Utf8, false),
                f("label", Utf8, false),
                f("method", Utf8, true),
                f("status", UInt16, true),
                f("cseq", Utf8, false),
                f("retransmission", Boolean, false),
                f("duplicate", Boolean, false),
                f("sdp", Utf8, true),
                f("user_agent", Utf8, true),
            ],
        };
        Arc::new(Schema::new(fields))
    }

    /// The file columns, then the partition columns `date` and `capture`: what a query sees.
    pub fn full_schema(self) -> SchemaRef {
        let mut fields: Vec<Field> = self
            .schema()
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        for (name, t) in partition_columns() {
            fields.push(Field::new(name, t, false));
        }
        Arc::new(Schema::new(fields))
    }
}

/// The partition columns, in path order: `date=YYYY-MM-DD/capture=NAME`.
pub fn partition_columns() -> Vec<(String, DataType)> {
    vec![
        ("date".to_string(), DataType::Utf8),
        ("capture".to_string(), DataType::Utf8),
    ]
}

/// Appends the partition columns to a batch of file columns (for tables read straight from
/// captures, which have no partition paths).
pub fn with_partition(
    table: Table,
    batch: &RecordBatch,
    date: &str,
    capture: &str,
) -> Result<RecordBatch, ArrowError> {
    let n = batch.num_rows();
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    columns.push(Arc::new(StringArray::from(vec![date; n])));
    columns.push(Arc::new(StringArray::from(vec![capture; n])));
    RecordBatch::try_new(table.full_schema(), columns)
}

#[derive(Serialize)]
struct CaptureRow<'a> {
    file: &'a str,
    format: &'a str,
    compressed: bool,
    link_types: String,
    file_bytes: u64,
    frames: u64,
    bytes: u64,
    first_time: Option<i64>,
    last_time: Option<i64>,
    duration_s: f64,
    sip_messages: u64,
    rtp_packets: u64,
    rtcp_packets: u64,
    calls: u64,
    registrations: u64,
    streams: u64,
    findings: u64,
    messages: u64,
    anomalies: u64,
}

#[derive(Serialize)]
struct CallRow<'a> {
    number: u64,
    call_id: &'a str,
    state: &'static str,
    final_status: Option<u16>,
    final_reason: Option<&'a str>,
    from_user: Option<&'a str>,
    from_display_name: Option<&'a str>,
    from_uri: &'a str,
    to_user: Option<&'a str>,
    to_uri: &'a str,
    request_uri: &'a str,
    caller: String,
    callee: String,
    transport: &'static str,
    start_time: i64,
    end_time: i64,
    setup_time_ms: Option<f64>,
    answer_time_ms: Option<f64>,
    talk_duration_s: Option<f64>,
    ended_by: Option<voipscope_sip::calls::Side>,
    end_method: Option<voipscope_sip::calls::EndMethod>,
    q850_cause: Option<u32>,
    reason: Option<String>,
    warning_code: Option<u16>,
    warning_text: Option<&'a str>,
    invite_attempts: u32,
    auth_challenges: u32,
    reinvites: u32,
    retransmissions: u32,
    caller_user_agent: Option<&'a str>,
    callee_user_agent: Option<&'a str>,
    streams: u32,
    caller_to_callee_packets: u64,
    callee_to_caller_packets: u64,
    one_way: bool,
    no_media: bool,
    findings: u32,
    worst_severity: Option<Severity>,
    min_mos: Option<f64>,
    max_lost_pct: Option<f64>,
}

#[derive(Serialize)]
struct RegistrationRow<'a> {
    call_id: &'a str,
    aor: &'a str,
    user: Option<&'a str>,
    contact: Option<&'a str>,
    expires: Option<u32>,
    unregister: bool,
    state: &'static str,
    final_status: Option<u16>,
    final_reason: Option<&'a str>,
    attempts: u32,
    challenges: u32,
    auth_user: Option<&'a str>,
    source: String,
    registrar: String,
    via: Option<&'a str>,
    user_agent: Option<&'a str>,
    transport: &'static str,
    start_time: i64,
    end_time: i64,
    retransmissions: u32,
    findings: u32,
}

#[derive(Serialize)]
struct StreamRow<'a> {
    number: u64,
    src: String,
    dst: String,
    ssrc: u32,
    call_id: Option<&'a str>,
    call_number: Option<u64>,
    direction: Option<voipscope_rtp::Direction>,
    codec: Option<&'a str>,
    clock_rate: u32,
    clock_source: voipscope_rtp::ClockSource,
    start_time: i64,
    end_time: i64,
    first_frame: u64,
    last_frame: u64,
    packets: u64,
    payload_bytes: u64,
    signaled: bool,
    encrypted: bool,
    comfort_noise_packets: u64,
    event_packets: u64,
    expected: i64,
    lost: i64,
    lost_pct: f64,
    min_delta_ms: f64,
    mean_delta_ms: f64,
    max_delta_ms: f64,
    min_jitter_ms: f64,
    mean_jitter_ms: f64,
    max_jitter_ms: f64,
    max_skew_ms: f64,
    sequence_errors: u64,
    rfc3550_expected: u64,
    rfc3550_lost: u64,
    rfc3550_lost_pct: f64,
    rfc3550_jitter_ms: f64,
    duplicates: u64,
    out_of_order: u64,
    late: Option<u64>,
    r_factor: Option<f64>,
    mos: Option<f64>,
    dtmf: Option<String>,
}

#[derive(Serialize)]
struct FindingRow<'a> {
    id: &'static str,
    severity: Severity,
    call_id: Option<&'a str>,
    call_number: Option<u64>,
    stream: Option<u64>,
    title: &'a str,
    explanation: &'a str,
    suggestion: &'a str,
    evidence: &'a [u64],
}

#[derive(Serialize)]
struct MessageRow<'a> {
    call_id: &'a str,
    record: &'static str,
    call_number: Option<u64>,
    frame: u64,
    time: i64,
    src: String,
    dst: String,
    transport: &'static str,
    label: &'a str,
    method: Option<&'a str>,
    status: Option<u16>,
    cseq: String,
    retransmission: bool,
    duplicate: bool,
    sdp: Option<&'a str>,
    user_agent: Option<&'a str>,
}

/// What a capture held, counted as its rows were made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub calls: u64,
    pub registrations: u64,
    pub streams: u64,
    pub findings: u64,
    pub messages: u64,
}

/// One capture's records turned into rows, table by table: rows gather in each table's
/// decoder until [`Rows::ready`] takes them as a batch (a few thousand rows: memory stays
/// bounded however long the capture).
pub struct Rows {
    base: TimeBase,
    decoders: Vec<Decoder>,
    pending: [usize; 6],
    wanted: [bool; 6],
    pub counts: Counts,
}

/// Rows a table gathers before its batch is taken (a messages batch is about 1 MB).
pub const BATCH_ROWS: usize = 2048;

impl Rows {
    /// Rows of the tables in `wanted` (the others are counted, not made).
    pub fn new(wanted: &[Table]) -> Result<Rows, ArrowError> {
        let mut decoders = Vec::new();
        for t in TABLES {
            decoders.push(
                arrow_json::ReaderBuilder::new(t.schema())
                    // `serialize` ignores the batch size, which only sizes the decoder's first buffers
                    .with_batch_size(64)
                    .build_decoder()?,
            );
        }
        let mut w = [false; 6];
        for t in wanted {
            w[t.index()] = true;
        }
        Ok(Rows {
            base: TimeBase::default(),
            decoders,
            pending: [0; 6],
            wanted: w,
            counts: Counts::default(),
        })
    }

    pub fn start(&mut self, base: TimeBase) {
        self.base = base;
    }

    fn put<S: Serialize>(&mut self, t: Table, row: &S) -> Result<(), ArrowError> {
        if !self.wanted[t.index()] {
            return Ok(());
        }
        self.decoders[t.index()].serialize(std::slice::from_ref(row))?;
        self.pending[t.index()] += 1;
        Ok(())
    }

    /// Makes the rows of one record.
    pub fn record(&mut self, record: &Record) -> Result<(), ArrowError> {
        match record {
            Record::Call(b) => self.call(b),
            Record::Registration(b) => self.registration(b),
            Record::Stream(b) => {
                self.stream(&b.stream)?;
                for f in &b.findings {
                    self.finding(f)?;
                }
                Ok(())
            }
            Record::Finding(f) => self.finding(f),
            // keep-alives, subscriptions, MESSAGE/PUBLISH, unmatched exchanges and flows are
            // summarised in the other outputs, not tabled
            Record::Flow(_)
            | Record::KeepAlive(_)
            | Record::Subscription(..)
            | Record::Requests(..)
            | Record::Unmatched(..) => Ok(()),
        }
    }

    fn call(&mut self, b: &CallBundle) -> Result<(), ArrowError> {
        for s in &b.streams {
            self.stream(s)?;
        }
        let c = &b.call;
        let ms = |ns: Option<i64>| ns.map(voipscope_wire::timefmt::ms);
        let q850 = c
            .reason
            .iter()
            .find(|r| r.protocol.eq_ignore_ascii_case("Q.850"))
            .and_then(|r| r.cause);
        let reason = (!c.reason.is_empty()).then(|| {
            c.reason
                .iter()
                .map(|r| {
                    let mut s = r.protocol.clone();
                    if let Some(cause) = r.cause {
                        s.push_str(&format!(";cause={cause}"));
                    }
                    if let Some(t) = &r.text {
                        s.push_str(&format!(";text=\"{t}\""));
                    }
                    s
                })
                .collect::<Vec<_>>()
                .join(", ")
        });
        let worst = b
            .findings
            .iter()
            .map(|f| f.severity)
            .min_by_key(|s| rank(*s));
        let min_mos = b
            .streams
            .iter()
            .filter_map(|s| s.quality.as_ref().map(|q| q.mos))
            .reduce(f64::min);
        let max_lost_pct = b
            .streams
            .iter()
            .map(|s| s.rfc3550.lost_pct)
            .reduce(f64::max);
        let row = CallRow {
            number: c.number as u64,
            call_id: &c.call_id,
            state: c.state.as_str(),
            final_status: c.final_status,
            final_reason: c.final_reason.as_deref(),
            from_user: c.from.user(),
            from_display_name: c.from.display_name.as_deref(),
            from_uri: &c.from.uri,
            to_user: c.to.user(),
            to_uri: &c.to.uri,
            request_uri: &c.request_uri,
            caller: c.caller.to_string(),
            callee: c.callee.to_string(),
            transport: c.transport.name(),
            start_time: c.start_ns,
            end_time: c.end_ns,
            setup_time_ms: ms(c.setup_ns),
            answer_time_ms: ms(c.answer_ns),
            // as the JSON computes it, to the last bit
            talk_duration_s: ms(c.talk_ns).map(|t| t / 1e3),
            ended_by: c.ended_by,
            end_method: c.end_method,
            q850_cause: q850,
            reason,
            warning_code: c.warning.as_ref().map(|w| w.code),
            warning_text: c.warning.as_ref().map(|w| w.text.as_str()),
            invite_attempts: c.invite_attempts,
            auth_challenges: c.auth_challenges,
            reinvites: c.reinvites,
            retransmissions: c.retransmissions,
            caller_user_agent: c.caller_user_agent.as_deref(),
            callee_user_agent: c.callee_user_agent.as_deref(),
            streams: b.streams.len() as u32,
            caller_to_callee_packets: c.media.caller_to_callee_packets,
            callee_to_caller_packets: c.media.callee_to_caller_packets,
            one_way: c.media.one_way,
            no_media: c.media.no_media,
            findings: b.findings.len() as u32,
            worst_severity: worst,
            min_mos,
            max_lost_pct,
        };
        self.put(Table::Calls, &row)?;
        self.counts.calls += 1;
        for f in &b.findings {
            self.finding(f)?;
        }
        for m in &c.messages {
            self.message(m, &c.call_id, "call", Some(c.number as u64))?;
        }
        Ok(())
    }

    fn registration(&mut self, b: &RegistrationBundle) -> Result<(), ArrowError> {
        let r = &b.registration;
        let row = RegistrationRow {
            call_id: &r.call_id,
            aor: &r.aor,
            user: r.user.as_deref(),
            contact: r.contact.as_deref(),
            expires: r.expires,
            unregister: r.unregister,
            state: r.state.as_str(),
            final_status: r.final_status,
            final_reason: r.final_reason.as_deref(),
            attempts: r.attempts,
            challenges: r.challenges,
            auth_user: r.auth_user.as_deref(),
            source: r.source.to_string(),
            registrar: r.registrar.to_string(),
            via: r.via.as_deref(),
            user_agent: r.user_agent.as_deref(),
            transport: r.transport.name(),
            start_time: r.start_ns,
            end_time: r.end_ns,
            retransmissions: r.retransmissions,
            findings: b.findings.len() as u32,
        };
        self.put(Table::Registrations, &row)?;
        self.counts.registrations += 1;
        for f in &b.findings {
            self.finding(f)?;
        }
        for m in &r.messages {
            self.message(m, &r.call_id, "registration", None)?;
        }
        Ok(())
    }

    fn stream(&mut self, s: &RtpStream) -> Result<(), ArrowError> {
        let w = &s.wireshark;
        let r = &s.rfc3550;
        let dtmf: String = s.dtmf.iter().map(|d| d.digit.as_str()).collect();
        let row = StreamRow {
            number: s.number as u64,
            src: s.src.to_string(),
            dst: s.dst.to_string(),
            ssrc: s.ssrc,
            call_id: s.call_id.as_deref(),
            call_number: s.call_number.map(|n| n as u64),
            direction: s.direction,
            codec: s.codec.as_deref(),
            clock_rate: s.clock_rate,
            clock_source: s.clock_source,
            start_time: s.start_ns,
            end_time: s.end_ns,
            first_frame: s.first_frame,
            last_frame: s.last_frame,
            packets: s.packets,
            payload_bytes: s.payload_bytes,
            signaled: s.signaled,
            encrypted: s.encrypted,
            comfort_noise_packets: s.comfort_noise_packets,
            event_packets: s.event_packets,
            expected: w.expected,
            lost: w.lost,
            lost_pct: w.lost_pct,
            min_delta_ms: w.min_delta_ms,
            mean_delta_ms: w.mean_delta_ms,
            max_delta_ms: w.max_delta_ms,
            min_jitter_ms: w.min_jitter_ms,
            mean_jitter_ms: w.mean_jitter_ms,
            max_jitter_ms: w.max_jitter_ms,
            max_skew_ms: w.max_skew_ms,
            sequence_errors: w.sequence_errors,
            rfc3550_expected: r.expected,
            rfc3550_lost: r.lost,
            rfc3550_lost_pct: r.lost_pct,
            rfc3550_jitter_ms: r.jitter_ms,
            duplicates: r.duplicates,
            out_of_order: r.out_of_order,
            late: s.quality.as_ref().map(|q| q.late),
            r_factor: s.quality.as_ref().map(|q| q.r_factor),
            mos: s.quality.as_ref().map(|q| q.mos),
            dtmf: (!dtmf.is_empty()).then_some(dtmf),
        };
        self.counts.streams += 1;
        self.put(Table::Streams, &row)
    }

    fn finding(&mut self, f: &Finding) -> Result<(), ArrowError> {
        let row = FindingRow {
            id: f.id,
            severity: f.severity,
            call_id: f.call_id.as_deref(),
            call_number: f.call_number.map(|n| n as u64),
            stream: f.stream.map(|n| n as u64),
            title: &f.title,
            explanation: &f.explanation,
            suggestion: &f.suggestion,
            evidence: &f.evidence,
        };
        self.counts.findings += 1;
        self.put(Table::Findings, &row)
    }

    fn message(
        &mut self,
        m: &MessageRef,
        call_id: &str,
        record: &'static str,
        call_number: Option<u64>,
    ) -> Result<(), ArrowError> {
        let row = MessageRow {
            call_id,
            record,
            call_number,
            frame: m.frame,
            time: m.ts_ns,
            src: m.src.to_string(),
            dst: m.dst.to_string(),
            transport: m.transport.name(),
            label: &m.label,
            method: m.method.as_ref().map(|x| x.as_str()),
            status: m.status,
            cseq: m.cseq.to_string(),
            retransmission: m.retransmission,
            duplicate: m.duplicate,
            sdp: m.sdp.as_deref(),
            user_agent: m.user_agent.as_deref(),
        };
        self.counts.messages += 1;
        self.put(Table::Messages, &row)
    }

    /// The capture's own row, from its summary and what was counted.
    pub fn capture(&mut self, s: &Summary) -> Result<(), ArrowError> {
        let c = &s.capture;
        let row = CaptureRow {
            file: &c.file,
            format: &c.format,
            compressed: c.compressed,
            link_types: c.link_types.join(","),
            file_bytes: c.file_bytes,
            frames: c.frames,
            bytes: c.bytes,
            first_time: c.first_ts_ns,
            last_time: c.last_ts_ns,
            duration_s: c.duration_s,
            sip_messages: c.sip_messages,
            rtp_packets: c.rtp_packets,
            rtcp_packets: c.rtcp_packets,
            calls: self.counts.calls,
            registrations: self.counts.registrations,
            streams: self.counts.streams,
            findings: self.counts.findings,
            messages: self.counts.messages,
            anomalies: c.anomaly_counts.values().sum(),
        };
        self.put(Table::Captures, &row)
    }

    /// The batches of the tables that gathered at least `min_rows` rows (all, with 0).
    pub fn ready(&mut self, min_rows: usize) -> Result<Vec<(Table, RecordBatch)>, ArrowError> {
        let mut out = Vec::new();
        for t in TABLES {
            let i = t.index();
            if self.pending[i] > 0 && self.pending[i] >= min_rows {
                if let Some(b) = self.decoders[i].flush()? {
                    out.push((t, b));
                }
                self.pending[i] = 0;
            }
        }
        Ok(out)
    }

    /// The time base records are read against (the capture's first frame).
    pub fn base(&self) -> TimeBase {
        self.base
    }
}

fn rank(s: Severity) -> u8 {
    match s {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Info => 2,
    }
}

/// `YYYY-MM-DD` (UTC) of a capture time: the `date` partition.
pub fn date_of(ts_ns: Option<i64>) -> String {
    match ts_ns {
        Some(ns) => voipscope_wire::timefmt::iso8601(ns)
            .get(..10)
            .unwrap_or("unknown")
            .to_string(),
        None => "unknown".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/sql.md lists every column of every table, with its type, under the table's heading.
    #[test]
    fn the_documentation_names_every_column() {
        let doc = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/sql.md"),
        )
        .unwrap();
        for t in TABLES {
            let section = doc
                .split(&format!("\n## {}\n", t.name()))
                .nth(1)
                .unwrap_or_else(|| panic!("docs/sql.md has no section {}", t.name()));
            let section = section.split("\n## ").next().unwrap();
            let documented: Vec<&str> = section
                .lines()
                .filter_map(|l| l.strip_prefix("| `"))
                .filter_map(|l| l.split('`').next())
                .collect();
            let columns: Vec<String> = t
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect();
            assert_eq!(documented, columns, "docs/sql.md, {}", t.name());
        }
    }
}
