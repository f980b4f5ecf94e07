//! The whole JSON document (`analyze --format json`, the report's `analysis.json`,
//! `calls`/`rtp`/`explain --format json`), written from records as they are finished: each
//! record is rendered at once and put in a [`Spill`] under its place in the document (calls
//! and streams by number, registrations and other SIP in the order their Call-IDs started,
//! findings most important first); the document is written when the summary comes. Memory
//! holds the spill's budget, not the document.

use std::io::Write;

use serde::Serialize;

use super::json::View;
use super::spill::{Key, Spill};
use voipscope_analysis::diagnose::{Finding, Severity};
use voipscope_analysis::{Record, RecordSink, Summary};
use voipscope_wire::timefmt::TimeBase;

/// Which parts of the document to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Everything (`analyze --format json`).
    Whole,
    /// `calls` and `registrations` (`calls --format json`).
    Calls,
    /// `media` and `streams` (`rtp --format json`).
    Streams,
    /// `findings`, of one call when given (`explain --format json`).
    Findings(Option<crate::listing::Wanted>),
}

/// Writes the document to `out` when the records have all come.
pub struct Document<W: Write> {
    out: Option<W>,
    shape: Shape,
    base: TimeBase,
    calls: Spill,
    registrations: Spill,
    keepalives: Spill,
    subscriptions: Spill,
    requests: Spill,
    unmatched: Spill,
    streams: Spill,
    flows: Spill,
    findings: Spill,
    /// Calls seen.
    pub call_count: usize,
    /// The call the shape asks for was seen.
    pub found: bool,
}

/// Pretty JSON of `value` as it sits `depth` levels deep (two spaces a level): every line
/// indented, the first too.
fn pretty_at<T: Serialize + ?Sized>(value: &T, depth: usize) -> std::io::Result<Vec<u8>> {
    let flat = serde_json::to_vec_pretty(value).map_err(std::io::Error::other)?;
    let pad = depth * 2;
    let lines = flat.iter().filter(|&&b| b == b'\n').count() + 1;
    let mut out = Vec::with_capacity(flat.len() + lines * pad);
    out.resize(pad, b' ');
    for &b in &flat {
        out.push(b);
        // strings never hold a raw newline: JSON escapes it, so every newline is the layout's
        if b == b'\n' {
            out.resize(out.len() + pad, b' ');
        }
    }
    Ok(out)
}

/// Severities in listing order: errors first.
pub(crate) fn severity_rank(s: Severity) -> u64 {
    match s {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Info => 2,
    }
}

/// Where a finding is listed: most important first (see `diagnose::sort`).
pub fn finding_key(f: &Finding) -> Key {
    let o = f.order;
    Key::new()
        .num(severity_rank(f.severity))
        .num(f.call_number.map_or(u64::MAX, |n| n as u64))
        .text(f.id)
        .num(f.stream.map_or(0, |n| n as u64 + 1))
        .num(u64::from(o.rule) << 8 | u64::from(o.part))
        .num(o.record)
        .num(u64::from(o.seq))
}

impl<W: Write> Document<W> {
    /// The capture's time base, before any record.
    pub fn set_base(&mut self, base: TimeBase) {
        self.base = base;
    }

    pub fn new(out: W, shape: Shape) -> Document<W> {
        Document {
            out: Some(out),
            shape,
            base: TimeBase::default(),
            calls: Spill::new(),
            registrations: Spill::new(),
            keepalives: Spill::new(),
            subscriptions: Spill::new(),
            requests: Spill::new(),
            unmatched: Spill::new(),
            streams: Spill::new(),
            flows: Spill::new(),
            findings: Spill::new(),
            call_count: 0,
            found: false,
        }
    }

    fn wants(&self, section: Section) -> bool {
        use Section::*;
        match &self.shape {
            Shape::Whole => true,
            Shape::Calls => matches!(section, Calls | Registrations),
            Shape::Streams => matches!(section, Streams),
            Shape::Findings(_) => matches!(section, Findings),
        }
    }

    fn finding(&mut self, f: &Finding) -> std::io::Result<()> {
        if let Shape::Findings(Some(w)) = &self.shape {
            if !w.is(f.call_number, f.call_id.as_deref()) {
                return Ok(());
            }
        }
        if self.wants(Section::Findings) {
            self.findings.put(finding_key(f), pretty_at(f, 2)?)?;
        }
        Ok(())
    }

    fn stream(&mut self, s: &voipscope_rtp::RtpStream) -> std::io::Result<()> {
        if self.wants(Section::Streams) {
            let piece = pretty_at(&View(self.base, s), 2)?;
            self.streams.put(Key::new().num(s.number as u64), piece)?;
        }
        Ok(())
    }

    fn flow(&mut self, f: &voipscope_rtp::flows::MediaFlow) -> std::io::Result<()> {
        if self.wants(Section::Whole) {
            let piece = pretty_at(&View(self.base, f), 2)?;
            self.flows.put(Key::new().num(f.number as u64), piece)?;
        }
        Ok(())
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Whole,
    Calls,
    Registrations,
    Streams,
    Findings,
}

/// The writing of one JSON object's fields, pretty as serde_json writes them.
struct Fields<'w, W: Write> {
    w: &'w mut W,
    depth: usize,
    first: bool,
}

impl<'w, W: Write> Fields<'w, W> {
    fn open(w: &'w mut W, depth: usize) -> std::io::Result<Fields<'w, W>> {
        w.write_all(b"{")?;
        Ok(Fields {
            w,
            depth,
            first: true,
        })
    }

    fn name(&mut self, name: &str) -> std::io::Result<()> {
        if !self.first {
            self.w.write_all(b",")?;
        }
        self.first = false;
        self.w.write_all(b"\n")?;
        self.w.write_all(&vec![b' '; (self.depth + 1) * 2])?;
        write!(self.w, "\"{name}\": ")
    }

    /// A field whose value is rendered here.
    fn value<T: Serialize + ?Sized>(&mut self, name: &str, v: &T) -> std::io::Result<()> {
        self.name(name)?;
        let piece = pretty_at(v, self.depth + 1)?;
        // the value starts on the field's line
        self.w.write_all(piece.trim_ascii_start())
    }

    /// A field whose value is the array of a spill's pieces (rendered at this depth + 2).
    fn array(&mut self, name: &str, spill: Spill) -> std::io::Result<()> {
        self.name(name)?;
        if spill.is_empty() {
            return self.w.write_all(b"[]");
        }
        self.w.write_all(b"[")?;
        let mut first = true;
        let w = &mut *self.w;
        spill.drain(|piece| {
            if !first {
                w.write_all(b",")?;
            }
            first = false;
            w.write_all(b"\n")?;
            w.write_all(piece)
        })?;
        self.w.write_all(b"\n")?;
        self.w.write_all(&vec![b' '; (self.depth + 1) * 2])?;
        self.w.write_all(b"]")
    }

    fn close(self) -> std::io::Result<()> {
        if self.first {
            return self.w.write_all(b"}");
        }
        self.w.write_all(b"\n")?;
        self.w.write_all(&vec![b' '; self.depth * 2])?;
        self.w.write_all(b"}")
    }
}

impl<W: Write + Send> RecordSink for Document<W> {
    fn start(&mut self, base: TimeBase) -> std::io::Result<()> {
        self.base = base;
        Ok(())
    }

    fn record(&mut self, record: Record) -> std::io::Result<()> {
        self.put(&record)
    }

    fn finish(&mut self, summary: Summary) -> std::io::Result<()> {
        self.write(&summary)
    }
}

impl<W: Write> Document<W> {
    /// Takes one record (what [`RecordSink::record`] does, by reference).
    pub fn put(&mut self, record: &Record) -> std::io::Result<()> {
        let base = self.base;
        match record {
            Record::Call(b) => {
                self.call_count += 1;
                if let Shape::Findings(Some(w)) = &self.shape {
                    self.found |= w.is(Some(b.call.number), Some(&b.call.call_id));
                }
                if self.wants(Section::Calls) {
                    let piece = pretty_at(&View(base, &b.call), 2)?;
                    self.calls
                        .put(Key::new().num(b.call.number as u64), piece)?;
                }
                for s in &b.streams {
                    self.stream(s)?;
                }
                for f in &b.flows {
                    self.flow(f)?;
                }
                for f in &b.findings {
                    self.finding(f)?;
                }
            }
            Record::Registration(b) => {
                if self.wants(Section::Registrations) {
                    let piece = pretty_at(&View(base, &b.registration), 2)?;
                    self.registrations.put(Key::new().num(b.position), piece)?;
                }
                for f in &b.findings {
                    self.finding(f)?;
                }
            }
            Record::Stream(b) => {
                self.stream(&b.stream)?;
                for f in &b.findings {
                    self.finding(f)?;
                }
            }
            Record::Flow(f) => self.flow(f)?,
            Record::KeepAlive(k) if self.wants(Section::Whole) => {
                let (src, dst) = k.path_key();
                let key = Key::new()
                    .text(&src)
                    .text(&dst)
                    .num(k.first_ns as u64 ^ (1 << 63));
                self.keepalives.put(key, pretty_at(&View(base, &**k), 3)?)?;
            }
            Record::Subscription(seq, s) if self.wants(Section::Whole) => {
                let piece = pretty_at(&View(base, &**s), 3)?;
                self.subscriptions.put(Key::new().num(*seq), piece)?;
            }
            Record::Requests(seq, list) if self.wants(Section::Whole) => {
                for (i, r) in list.iter().enumerate() {
                    let piece = pretty_at(&View(base, r), 3)?;
                    self.requests
                        .put(Key::new().num(*seq).num(i as u64), piece)?;
                }
            }
            Record::Unmatched(seq, u) if self.wants(Section::Whole) => {
                let piece = pretty_at(&View(base, &**u), 3)?;
                self.unmatched.put(Key::new().num(*seq), piece)?;
            }
            Record::Finding(f) => self.finding(f)?,
            _ => {}
        }
        Ok(())
    }

    /// Writes the document (what [`RecordSink::finish`] does, by reference).
    pub fn write(&mut self, summary: &Summary) -> std::io::Result<()> {
        let Some(mut out) = self.out.take() else {
            return Ok(());
        };
        let take = std::mem::take;
        let mut doc = Fields::open(&mut out, 0)?;
        match &self.shape {
            Shape::Whole => {
                doc.value("capture", &summary.capture)?;
                doc.value("sip", &summary.sip)?;
                doc.array("calls", take(&mut self.calls))?;
                doc.array("registrations", take(&mut self.registrations))?;
                doc.name("other_sip")?;
                let mut other = Fields::open(&mut *doc.w, 1)?;
                other.array("keepalives", take(&mut self.keepalives))?;
                other.array("subscriptions", take(&mut self.subscriptions))?;
                other.array("requests", take(&mut self.requests))?;
                other.array("unmatched", take(&mut self.unmatched))?;
                other.close()?;
                doc.value("media", &summary.media)?;
                doc.array("streams", take(&mut self.streams))?;
                doc.array("media_flows", take(&mut self.flows))?;
                doc.array("findings", take(&mut self.findings))?;
                doc.value("anomalies", &crate::anomaly::JsonList(&summary.anomalies))?;
            }
            Shape::Calls => {
                doc.array("calls", take(&mut self.calls))?;
                doc.array("registrations", take(&mut self.registrations))?;
            }
            Shape::Streams => {
                doc.value("media", &summary.media)?;
                doc.array("streams", take(&mut self.streams))?;
            }
            Shape::Findings(_) => doc.array("findings", take(&mut self.findings))?,
        }
        doc.close()?;
        out.write_all(b"\n")?;
        out.flush()
    }
}
