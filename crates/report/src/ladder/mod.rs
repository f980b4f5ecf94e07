//! Ladder (call-flow) diagrams: one model built from a call's or registration's messages, drawn
//! as plain text for tickets, SVG for reports and Mermaid for wikis.
//!
//! The model places participants (address:port) as columns in order of appearance, names each
//! by the software it announced, and collapses runs of identical exchanges (keep-alive OPTIONS,
//! session-refresh UPDATEs) into one row so long calls stay readable.

pub mod mermaid;
pub mod svg;
pub mod text;

use voipscope_sip::calls::MessageRef;
use voipscope_sip::{Call, Registration};
use voipscope_wire::timefmt::{self, TimeBase};

/// Identical exchanges in a row beyond which the rest are folded into one row.
pub const COLLAPSE_AFTER: usize = 2;

#[derive(Clone, Debug, PartialEq)]
pub struct Participant {
    /// `A`, `B`, ... for compact references.
    pub alias: String,
    pub address: String,
    pub socket: std::net::SocketAddr,
    /// The User-Agent or Server it sent, if any.
    pub software: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Arrow {
    pub from: usize,
    pub to: usize,
    pub frame: u64,
    /// Seconds from the capture's first frame, as every other view counts them.
    pub time_s: f64,
    /// Capture time, nanoseconds since the epoch (shown on hover).
    pub time_ns: i64,
    pub label: String,
    pub status: Option<u16>,
    pub sdp: Option<String>,
    pub retransmission: bool,
    pub duplicate: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Row {
    Message(Arrow),
    /// `count` more exchanges identical to the one drawn just before.
    Collapsed {
        from: usize,
        to: usize,
        count: usize,
        label: String,
        first_frame: u64,
        last_frame: u64,
        until_s: f64,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Ladder {
    pub title: String,
    pub subtitle: String,
    pub participants: Vec<Participant>,
    pub rows: Vec<Row>,
}

fn alias(i: usize) -> String {
    let letters = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    if i < letters.len() {
        (letters[i] as char).to_string()
    } else {
        format!("P{}", i + 1)
    }
}

fn participants(messages: &[MessageRef]) -> Vec<Participant> {
    let mut out: Vec<Participant> = Vec::new();
    for m in messages {
        for addr in [m.src, m.dst] {
            if !out.iter().any(|p| p.socket == addr) {
                out.push(Participant {
                    alias: alias(out.len()),
                    address: addr.to_string(),
                    socket: addr,
                    software: None,
                });
            }
        }
        if let Some(ua) = &m.user_agent {
            if let Some(p) = out.iter_mut().find(|p| p.socket == m.src) {
                p.software.get_or_insert_with(|| ua.to_string());
            }
        }
    }
    out
}

/// What makes two exchanges "the same" for collapsing: who sent what to whom, with which SDP.
fn signature(segment: &[Arrow]) -> Vec<(usize, usize, &str, Option<&str>)> {
    segment
        .iter()
        .map(|a| (a.from, a.to, a.label.as_str(), a.sdp.as_deref()))
        .collect()
}

/// Splits arrows into exchanges: a request (other than ACK) and what follows until the next.
fn segments(arrows: Vec<Arrow>) -> Vec<Vec<Arrow>> {
    let mut out: Vec<Vec<Arrow>> = Vec::new();
    for a in arrows {
        let starts = a.status.is_none() && a.label != "ACK";
        match out.last_mut() {
            Some(seg) if !starts => seg.push(a),
            _ => out.push(vec![a]),
        }
    }
    out
}

fn collapse(arrows: Vec<Arrow>) -> Vec<Row> {
    let segs = segments(arrows);
    let mut rows = Vec::new();
    let mut i = 0;
    while i < segs.len() {
        let sig = signature(&segs[i]);
        let mut j = i + 1;
        while j < segs.len() && signature(&segs[j]) == sig {
            j += 1;
        }
        let run = j - i;
        if run > COLLAPSE_AFTER {
            for seg in &segs[i..i + COLLAPSE_AFTER] {
                rows.extend(seg.iter().cloned().map(Row::Message));
            }
            let folded = &segs[i + COLLAPSE_AFTER..j];
            let first = &folded[0][0];
            let last = folded.last().and_then(|s| s.last()).unwrap_or(first);
            rows.push(Row::Collapsed {
                from: first.from,
                to: first.to,
                count: folded.len(),
                label: first.label.clone(),
                first_frame: first.frame,
                last_frame: last.frame,
                until_s: last.time_s,
            });
        } else {
            for seg in &segs[i..j] {
                rows.extend(seg.iter().cloned().map(Row::Message));
            }
        }
        i = j;
    }
    rows
}

fn build(title: String, subtitle: String, messages: &[MessageRef], base: TimeBase) -> Ladder {
    let participants = participants(messages);
    let index = |addr: std::net::SocketAddr| {
        participants
            .iter()
            .position(|p| p.socket == addr)
            .unwrap_or(0)
    };
    // Times count from the capture's first frame, as `calls`, `rtp` and the plots do, so that
    // a gap in a plot and the message beside it have the same time.
    let arrows = messages
        .iter()
        .map(|m| Arrow {
            from: index(m.src),
            to: index(m.dst),
            frame: m.frame,
            time_s: (base.s(m.ts_ns) * 1e6).round() / 1e6,
            time_ns: m.ts_ns,
            label: m.label.to_string(),
            status: m.status,
            sdp: m.sdp.clone(),
            retransmission: m.retransmission,
            duplicate: m.duplicate,
        })
        .collect();
    Ladder {
        title,
        subtitle,
        participants,
        rows: collapse(arrows),
    }
}

fn party(p: &voipscope_sip::message::Party) -> String {
    match (&p.display_name, p.user()) {
        (Some(d), Some(u)) if d.as_str() != u => format!("\"{d}\" {u}"),
        (_, Some(u)) => u.to_string(),
        (Some(d), None) => d.to_string(),
        (None, None) => p.uri.to_string(),
    }
}

/// The ladder of a call; `base` is its capture's time base.
pub fn of_call(c: &Call, base: TimeBase) -> Ladder {
    let outcome = match (c.final_status, &c.final_reason) {
        (Some(code), Some(r)) => format!("{} ({code} {r})", c.state.as_str()),
        (Some(code), None) => format!("{} ({code})", c.state.as_str()),
        _ => c.state.as_str().to_string(),
    };
    build(
        format!(
            "Call {}: {} → {}, {}",
            c.number,
            party(&c.from),
            party(&c.to),
            outcome
        ),
        format!(
            "Call-ID {}  at {:.3} s ({})",
            c.call_id,
            base.s(c.start_ns),
            timefmt::iso8601(c.start_ns)
        ),
        &c.messages,
        base,
    )
}

/// The ladder of a registration; `base` is its capture's time base.
pub fn of_registration(r: &Registration, base: TimeBase) -> Ladder {
    let outcome = match r.final_status {
        Some(code) => format!("{} ({code})", r.state.as_str()),
        None => r.state.as_str().to_string(),
    };
    build(
        format!("Registration of {}, {}", r.aor, outcome),
        format!(
            "Call-ID {}  at {:.3} s ({})",
            r.call_id,
            base.s(r.start_ns),
            timefmt::iso8601(r.start_ns)
        ),
        &r.messages,
        base,
    )
}

/// The form a ladder is drawn in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    Text,
    Svg,
    Mermaid,
}

impl Form {
    pub fn render(self, l: &Ladder) -> String {
        match self {
            Form::Text => text::render(l),
            Form::Svg => svg::render(l),
            Form::Mermaid => mermaid::render(l),
        }
    }
}

/// The ladders `voipscope ladder` writes, from records as they are finished: one call or
/// registration asked for (by number, or Call-ID), else every call's in number order (kept
/// in a spill). An SVG holds one ladder.
pub struct Ladders<W: std::io::Write> {
    out: W,
    form: Form,
    wanted: Option<crate::listing::Wanted>,
    base: TimeBase,
    all: crate::spill::Spill,
    /// The ladder asked for, or the first call's (for an SVG without a choice).
    chosen: Option<String>,
    pub calls: usize,
    /// The call or registration asked for was seen.
    pub found: bool,
}

impl<W: std::io::Write> Ladders<W> {
    pub fn new(out: W, form: Form, wanted: Option<crate::listing::Wanted>) -> Ladders<W> {
        Ladders {
            out,
            form,
            wanted,
            base: TimeBase::default(),
            all: crate::spill::Spill::new(),
            chosen: None,
            calls: 0,
            found: false,
        }
    }
}

impl<W: std::io::Write + Send> voipscope_analysis::RecordSink for Ladders<W> {
    fn start(&mut self, base: TimeBase) -> std::io::Result<()> {
        self.base = base;
        Ok(())
    }

    fn record(&mut self, record: voipscope_analysis::Record) -> std::io::Result<()> {
        use voipscope_analysis::Record;
        match &record {
            Record::Call(b) => {
                self.calls += 1;
                let c = &b.call;
                match &self.wanted {
                    Some(w) if w.is(Some(c.number), Some(&c.call_id)) && !self.found => {
                        self.found = true;
                        self.chosen = Some(self.form.render(&of_call(c, self.base)));
                    }
                    Some(_) => {}
                    None if self.form == Form::Svg => {
                        if self.calls == 1 {
                            self.chosen = Some(self.form.render(&of_call(c, self.base)));
                        }
                    }
                    None => {
                        let key = crate::spill::Key::new().num(c.number as u64);
                        let text = self.form.render(&of_call(c, self.base));
                        self.all.put(key, text.into_bytes())?;
                    }
                }
            }
            Record::Registration(b) => {
                if let Some(w) = &self.wanted {
                    if w.is_call_id(&b.registration.call_id) && !self.found {
                        self.found = true;
                        let l = of_registration(&b.registration, self.base);
                        self.chosen = Some(self.form.render(&l));
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn finish(&mut self, _: voipscope_analysis::Summary) -> std::io::Result<()> {
        if self.wanted.is_some() || self.form == Form::Svg {
            if self.wanted.is_some() || self.calls == 1 {
                if let Some(text) = self.chosen.take() {
                    self.out.write_all(text.as_bytes())?;
                }
            }
            return self.out.flush();
        }
        let out = &mut self.out;
        let mut first = true;
        std::mem::take(&mut self.all).drain(|p| {
            if !first {
                out.write_all(b"\n")?;
            }
            first = false;
            out.write_all(p)
        })?;
        out.flush()
    }
}

/// Response class color (shared by SVG and the HTML report): requests dark, 1xx gray, 2xx
/// green, 3xx blue, 4xx orange, 5xx red, 6xx purple.
pub fn class_color(status: Option<u16>) -> &'static str {
    match status.map(|s| s / 100) {
        None => "#1f2937",
        Some(1) => "#6b7280",
        Some(2) => "#15803d",
        Some(3) => "#1d4ed8",
        Some(4) => "#c2410c",
        Some(5) => "#b91c1c",
        Some(6) => "#7e22ce",
        Some(_) => "#475569",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arrow(from: usize, to: usize, label: &str, frame: u64) -> Arrow {
        Arrow {
            from,
            to,
            frame,
            time_s: frame as f64,
            time_ns: 0,
            label: label.into(),
            status: label
                .parse::<u16>()
                .ok()
                .or_else(|| label.split(' ').next().and_then(|c| c.parse().ok())),
            sdp: None,
            retransmission: false,
            duplicate: false,
        }
    }

    #[test]
    fn keepalive_runs_collapse() {
        let mut arrows = vec![arrow(0, 1, "INVITE", 1), arrow(1, 0, "200 OK", 2)];
        for i in 0..10 {
            arrows.push(arrow(0, 1, "OPTIONS", 10 + 2 * i));
            arrows.push(arrow(1, 0, "200 OK", 11 + 2 * i));
        }
        arrows.push(arrow(0, 1, "BYE", 40));
        let rows = collapse(arrows);
        // INVITE, 200, 2 OPTIONS exchanges, one folded row, BYE
        assert_eq!(rows.len(), 2 + 4 + 1 + 1);
        match &rows[6] {
            Row::Collapsed {
                count,
                label,
                first_frame,
                last_frame,
                ..
            } => {
                assert_eq!((*count, label.as_str()), (8, "OPTIONS"));
                assert_eq!((*first_frame, *last_frame), (14, 29));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn short_runs_stay() {
        let arrows = vec![
            arrow(0, 1, "OPTIONS", 1),
            arrow(1, 0, "200 OK", 2),
            arrow(0, 1, "OPTIONS", 3),
            arrow(1, 0, "200 OK", 4),
        ];
        assert_eq!(collapse(arrows).len(), 4);
    }
}
