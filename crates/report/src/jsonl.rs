//! JSON lines (`analyze --format jsonl`): one JSON object per line, written as each record is
//! finished. Every object has a `type` first: `call`, `registration`, `stream`, `flow`,
//! `finding`, `keepalive`, `subscription`, `request`, `unmatched`, `anomaly`, and a final
//! `summary`. The fields are those of the whole JSON document (see `report::json`); streams
//! and flows add their `number` (a call's `media.streams` lists numbers minus one, as the
//! document's positions).

use std::io::Write;

use serde::Serialize;

use super::json::View;
use voipscope_analysis::{Record, RecordSink, Summary};
use voipscope_wire::timefmt::TimeBase;

/// Writes records as JSON lines to `out`; with `follow`, flushes after every record (a live
/// log read by a person or a pipe).
pub struct JsonLines<W: Write> {
    out: W,
    base: TimeBase,
    follow: bool,
    line: Vec<u8>,
    /// Lines written so far, by type (the summary gives them).
    lines: std::collections::BTreeMap<&'static str, u64>,
}

impl<W: Write> JsonLines<W> {
    pub fn new(out: W, follow: bool) -> JsonLines<W> {
        JsonLines {
            out,
            base: TimeBase::default(),
            follow,
            line: Vec::with_capacity(8 << 10),
            lines: std::collections::BTreeMap::new(),
        }
    }

    /// One object: `{"type":"...",` then the value's own fields (and `extra` first, if any).
    fn put<T: Serialize>(
        &mut self,
        kind: &'static str,
        extra: Option<(&str, usize)>,
        value: &T,
    ) -> std::io::Result<()> {
        *self.lines.entry(kind).or_default() += 1;
        self.line.clear();
        serde_json::to_writer(&mut self.line, value).map_err(std::io::Error::other)?;
        let mut head = format!("{{\"type\":\"{kind}\"");
        if let Some((name, n)) = extra {
            head.push_str(&format!(",\"{name}\":{n}"));
        }
        // the value is an object: its `{` gives way to the head
        match self.line.get(1) {
            Some(b'}') => head.push('}'),
            Some(_) => head.push(','),
            None => {}
        }
        self.out.write_all(head.as_bytes())?;
        let rest = if self.line.get(1) == Some(&b'}') {
            &self.line[2..]
        } else {
            &self.line[1..]
        };
        self.out.write_all(rest)?;
        self.out.write_all(b"\n")
    }

    /// The writer, once finished.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write + Send> RecordSink for JsonLines<W> {
    fn start(&mut self, base: TimeBase) -> std::io::Result<()> {
        self.base = base;
        Ok(())
    }

    fn record(&mut self, record: Record) -> std::io::Result<()> {
        let base = self.base;
        match &record {
            Record::Call(b) => {
                for s in &b.streams {
                    self.put("stream", Some(("number", s.number)), &View(base, s))?;
                }
                for f in &b.flows {
                    self.put("flow", Some(("number", f.number)), &View(base, f))?;
                }
                self.put("call", None, &View(base, &b.call))?;
                for f in &b.findings {
                    self.put("finding", None, f)?;
                }
            }
            Record::Registration(b) => {
                self.put("registration", None, &View(base, &b.registration))?;
                for f in &b.findings {
                    self.put("finding", None, f)?;
                }
            }
            Record::Stream(b) => {
                let s = &b.stream;
                self.put("stream", Some(("number", s.number)), &View(base, s))?;
                for f in &b.findings {
                    self.put("finding", None, f)?;
                }
            }
            Record::Flow(f) => self.put("flow", Some(("number", f.number)), &View(base, &**f))?,
            Record::KeepAlive(k) => self.put("keepalive", None, &View(base, &**k))?,
            Record::Subscription(_, s) => self.put("subscription", None, &View(base, &**s))?,
            Record::Requests(_, list) => {
                for r in list {
                    self.put("request", None, &View(base, r))?;
                }
            }
            Record::Unmatched(_, u) => self.put("unmatched", None, &View(base, &**u))?,
            Record::Finding(f) => self.put("finding", None, &**f)?,
        }
        if self.follow {
            self.out.flush()?;
        }
        Ok(())
    }

    fn finish(&mut self, summary: Summary) -> std::io::Result<()> {
        for a in &summary.anomalies {
            self.put("anomaly", None, &crate::anomaly::Json(a))?;
        }
        #[derive(Serialize)]
        struct Totals<'a> {
            capture: &'a voipscope_analysis::CaptureSummary,
            sip: &'a voipscope_sip::SipStats,
            media: &'a voipscope_analysis::MediaSummary,
            /// The lines written before this one, by type: a reader can check it has them all.
            lines: &'a std::collections::BTreeMap<&'static str, u64>,
        }
        // taken, so the summary line is not counted in itself
        let lines = std::mem::take(&mut self.lines);
        self.put(
            "summary",
            None,
            &Totals {
                capture: &summary.capture,
                sip: &summary.sip,
                media: &summary.media,
                lines: &lines,
            },
        )?;
        self.out.flush()
    }
}
