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

/// Bytes of lines gathered before they are written.
const PIECE: usize = 1 << 17;

/// Writes records as JSON lines to `out`; with `follow`, flushes after every record (a live
/// log read by a person or a pipe).
pub struct JsonLines<W: Write> {
    out: W,
    base: TimeBase,
    follow: bool,
    /// Lines not yet handed to `out`: written in pieces of [`PIECE`] bytes or more, which a
    /// buffered writer passes on without copying them into its own buffer.
    pending: Vec<u8>,
    /// Lines written so far, by type (the summary gives them).
    lines: std::collections::BTreeMap<&'static str, u64>,
}

impl<W: Write> JsonLines<W> {
    pub fn new(out: W, follow: bool) -> JsonLines<W> {
        JsonLines {
            out,
            base: TimeBase::default(),
            follow,
            pending: Vec::with_capacity(PIECE + (16 << 10)),
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
        // `{"type":"...",` and `extra`, then the value's fields: its `{` gives way to the head
        let line = &mut self.pending;
        let start = line.len();
        line.extend_from_slice(b"{\"type\":\"");
        line.extend_from_slice(kind.as_bytes());
        line.push(b'"');
        if let Some((name, n)) = extra {
            line.extend_from_slice(b",\"");
            line.extend_from_slice(name.as_bytes());
            line.extend_from_slice(b"\":");
            line.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
        }
        let head = line.len();
        if let Err(e) = crate::compact_json::append(line, value) {
            line.truncate(start);
            return Err(e.into());
        }
        match line.get(head + 1) {
            // an empty object
            Some(b'}') => {
                line.truncate(head);
                line.push(b'}');
            }
            Some(_) => line[head] = b',',
            None => {}
        }
        line.push(b'\n');
        if line.len() >= PIECE {
            self.write_pending()?;
        }
        Ok(())
    }

    fn write_pending(&mut self) -> std::io::Result<()> {
        let r = self.out.write_all(&self.pending);
        self.pending.clear();
        r
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
            self.write_pending()?;
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
        self.write_pending()?;
        self.out.flush()
    }
}

/// Lines gathered when the analysis stopped early (an error) are still written, as a
/// buffered writer writes what it holds when dropped.
impl<W: Write> Drop for JsonLines<W> {
    fn drop(&mut self) {
        if !self.pending.is_empty() {
            let _ = self.write_pending();
        }
    }
}
