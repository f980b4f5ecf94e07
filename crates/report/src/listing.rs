//! The text listings (`analyze`, `calls`, `rtp`, `explain`) written from records as they are
//! finished. Each record's lines are rendered at once and kept in a [`Spill`] under its place
//! in the listing (calls and streams by number, registrations as their Call-IDs started,
//! findings most important first); the listing is written at the end, when its title's counts
//! are known. With `follow`, `calls` and `explain` print each record as it is finished
//! instead (a live log).

use std::io::Write;

use super::calls::{self, OtherCounts};
use super::spill::{Key, Spill};
use super::{findings, streams};
use voipscope_analysis::diagnose::Finding;
use voipscope_analysis::{Record, RecordSink, Summary};
use voipscope_sip::status::Lang;
use voipscope_wire::timefmt::TimeBase;

/// A call asked for by number (as `calls` prints it) or by Call-ID: `7` is call 7, or the
/// call whose Call-ID is `7`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wanted {
    text: String,
    number: Option<usize>,
}

impl Wanted {
    pub fn parse(s: &str) -> Wanted {
        Wanted {
            text: s.to_string(),
            number: s.parse().ok(),
        }
    }

    /// A call's record (its number and Call-ID) is the one asked for.
    pub fn is(&self, number: Option<usize>, call_id: Option<&str>) -> bool {
        number.is_some() && (self.number == number || call_id == Some(self.text.as_str()))
    }

    /// A registration (by its Call-ID) is the one asked for.
    pub fn is_call_id(&self, call_id: &str) -> bool {
        self.text == call_id
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// Which listing to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Listing {
    /// The summary, the calls and the findings (`analyze`).
    Analyze,
    /// Calls and registrations (`calls`).
    Calls,
    /// RTP streams (`rtp`).
    Streams,
    /// Findings, of one call when given (`explain`).
    Findings(Option<Wanted>),
}

pub struct Text<W: Write> {
    out: W,
    listing: Listing,
    lang: Lang,
    follow: bool,
    file: String,
    base: TimeBase,
    calls: Spill,
    registrations: Spill,
    wireshark: Spill,
    rfc3550: Spill,
    findings: findings::Grouper,
    other: OtherCounts,
    call_count: usize,
    registration_count: usize,
    /// What `follow` printed last: a call or a registration (for the headers).
    last_kind: Option<bool>,
    printed_findings: usize,
    /// A call the listing asked for was seen.
    pub found: bool,
}

impl<W: Write> Text<W> {
    /// `file`: the capture's name as the listing's title gives it.
    pub fn new(out: W, listing: Listing, lang: Lang, follow: bool, file: &str) -> Text<W> {
        let follow = follow && matches!(listing, Listing::Calls | Listing::Findings(_));
        Text {
            out,
            listing,
            lang,
            follow,
            file: display_name(file),
            base: TimeBase::default(),
            calls: Spill::new(),
            registrations: Spill::new(),
            wireshark: Spill::new(),
            rfc3550: Spill::new(),
            findings: findings::Grouper::new(),
            other: OtherCounts::default(),
            call_count: 0,
            registration_count: 0,
            last_kind: None,
            printed_findings: 0,
            found: false,
        }
    }

    /// Calls seen.
    pub fn calls(&self) -> usize {
        self.call_count
    }

    fn wants_calls(&self) -> bool {
        matches!(self.listing, Listing::Analyze | Listing::Calls)
    }

    fn call(&mut self, c: &voipscope_sip::Call) -> std::io::Result<()> {
        self.call_count += 1;
        if let Listing::Findings(Some(w)) = &self.listing {
            self.found |= w.is(Some(c.number), Some(&c.call_id));
        }
        if !self.wants_calls() {
            return Ok(());
        }
        let lines = calls::call_lines(c, self.lang, self.base);
        if self.follow {
            if self.last_kind != Some(true) {
                self.out.write_all(calls::call_header().as_bytes())?;
                self.last_kind = Some(true);
            }
            return self.out.write_all(lines.as_bytes());
        }
        self.calls
            .put(Key::new().num(c.number as u64), lines.into_bytes())
    }

    fn registration(
        &mut self,
        position: u64,
        r: &voipscope_sip::Registration,
    ) -> std::io::Result<()> {
        self.registration_count += 1;
        if !self.wants_calls() {
            return Ok(());
        }
        if self.follow {
            if self.last_kind != Some(false) {
                self.out
                    .write_all(calls::registration_header().as_bytes())?;
                self.last_kind = Some(false);
            }
            let lines = calls::registration_lines(self.registration_count, r, self.lang);
            return self.out.write_all(lines.as_bytes());
        }
        // numbered when listed: the number is the first column
        let lines = calls::registration_lines(0, r, self.lang);
        self.registrations
            .put(Key::new().num(position), lines.into_bytes())
    }

    fn stream(&mut self, s: &voipscope_rtp::RtpStream) -> std::io::Result<()> {
        if !matches!(self.listing, Listing::Streams) {
            return Ok(());
        }
        let key = Key::new().num(s.number as u64);
        self.wireshark.put(
            key.clone(),
            streams::wireshark_line(s, self.base).into_bytes(),
        )?;
        self.rfc3550.put(key, streams::rfc3550_line(s).into_bytes())
    }

    fn finding(&mut self, f: &Finding) -> std::io::Result<()> {
        let wanted = match &self.listing {
            Listing::Analyze => true,
            Listing::Findings(call) => call
                .as_ref()
                .is_none_or(|w| w.is(f.call_number, f.call_id.as_deref())),
            _ => false,
        };
        if !wanted {
            return Ok(());
        }
        if self.follow {
            let mut block = String::new();
            findings::one(&mut block, f, self.lang);
            if self.printed_findings > 0 {
                self.out.write_all(b"\n")?;
            }
            self.printed_findings += 1;
            return self.out.write_all(block.as_bytes());
        }
        self.findings.put(f)
    }

    fn write_calls_table(&mut self) -> std::io::Result<()> {
        let out = &mut self.out;
        out.write_all(
            calls::title(&self.file, self.call_count, self.registration_count).as_bytes(),
        )?;
        if !self.calls.is_empty() {
            out.write_all(calls::call_header().as_bytes())?;
            std::mem::take(&mut self.calls).drain(|p| out.write_all(p))?;
        }
        if !self.registrations.is_empty() {
            out.write_all(calls::registration_header().as_bytes())?;
            let mut n = 0usize;
            std::mem::take(&mut self.registrations).drain(|p| {
                n += 1;
                // the number's column was rendered as "  0"
                out.write_all(format!("{n:>3}").as_bytes())?;
                out.write_all(p.get(3..).unwrap_or_default())
            })?;
        }
        if let Some(line) = self.other.line() {
            out.write_all(line.as_bytes())?;
        }
        Ok(())
    }

    fn write_findings(&mut self, none: bool) -> std::io::Result<()> {
        if self.findings.is_empty() {
            if none {
                self.out.write_all(no_findings(self.lang).as_bytes())?;
            }
            return Ok(());
        }
        let out = &mut self.out;
        let mut first = true;
        std::mem::take(&mut self.findings).drain(self.lang, |p| {
            if !first {
                out.write_all(b"\n")?;
            }
            first = false;
            out.write_all(p)
        })
    }
}

fn no_findings(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "No findings: nothing in this capture looks wrong to voipscope.\n",
        Lang::De => {
            "Keine Befunde: nichts in dieser Aufzeichnung sieht für voipscope falsch aus.\n"
        }
    }
}

/// A capture's name as outputs give it: the file name, or `-` for stdin.
pub fn display_name(path: &str) -> String {
    if path == "-" {
        return "-".to_string();
    }
    std::path::Path::new(path)
        .file_name()
        .map_or_else(|| path.to_string(), |n| n.to_string_lossy().into_owned())
}

impl<W: Write + Send> RecordSink for Text<W> {
    fn start(&mut self, base: TimeBase) -> std::io::Result<()> {
        self.base = base;
        if self.follow && matches!(self.listing, Listing::Calls) {
            writeln!(
                self.out,
                "{}: calls and registrations as they end",
                self.file
            )?;
            self.out.flush()?;
        }
        Ok(())
    }

    fn record(&mut self, record: Record) -> std::io::Result<()> {
        match &record {
            Record::Call(b) => {
                for s in &b.streams {
                    self.stream(s)?;
                }
                self.call(&b.call)?;
                for f in &b.findings {
                    self.finding(f)?;
                }
            }
            Record::Registration(b) => {
                self.registration(b.position, &b.registration)?;
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
            Record::KeepAlive(k) => {
                self.other.keepalive_requests += k.requests;
                self.other.keepalive_paths += 1;
            }
            Record::Subscription(..) => self.other.subscriptions += 1,
            Record::Requests(_, list) => self.other.requests += list.len(),
            Record::Unmatched(..) => self.other.unmatched += 1,
            Record::Finding(f) => self.finding(f)?,
            Record::Flow(_) => {}
        }
        if self.follow {
            self.out.flush()?;
        }
        Ok(())
    }

    fn finish(&mut self, summary: Summary) -> std::io::Result<()> {
        match &self.listing {
            Listing::Analyze => {
                let text = super::text::summary_of(&summary.capture, &summary.anomalies);
                self.out.write_all(text.as_bytes())?;
                if self.call_count > 0 || self.registration_count > 0 {
                    self.out.write_all(b"\n")?;
                    self.write_calls_table()?;
                }
                if !self.findings.is_empty() {
                    self.out.write_all(b"\n")?;
                    self.write_findings(false)?;
                }
            }
            Listing::Calls if self.follow => {
                let file = self.file.clone();
                self.out.write_all(b"\n")?;
                self.out.write_all(
                    calls::title(&file, self.call_count, self.registration_count).as_bytes(),
                )?;
                if let Some(line) = self.other.line() {
                    self.out.write_all(line.as_bytes())?;
                }
            }
            Listing::Calls => self.write_calls_table()?,
            Listing::Streams => {
                let m = &summary.media;
                self.out.write_all(
                    streams::title(&self.file, m.streams, m.unassociated_streams).as_bytes(),
                )?;
                if m.streams > 0 {
                    let out = &mut self.out;
                    out.write_all(streams::WIRESHARK_HEADER.as_bytes())?;
                    std::mem::take(&mut self.wireshark).drain(|p| out.write_all(p))?;
                    out.write_all(streams::RFC3550_HEADER.as_bytes())?;
                    std::mem::take(&mut self.rfc3550).drain(|p| out.write_all(p))?;
                }
            }
            Listing::Findings(_) if self.follow => {
                if self.printed_findings == 0 {
                    self.out.write_all(no_findings(self.lang).as_bytes())?;
                }
            }
            Listing::Findings(_) => self.write_findings(true)?,
        }
        self.out.flush()
    }
}
