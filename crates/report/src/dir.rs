//! Writes a report directory: `index.html`, the CSV files, `analysis.json`, a ladder per call
//! in three formats under `ladders/`, and plots under `plots/`.

use std::path::{Path, PathBuf};

use std::io::Write;

use crate::document::{finding_key, Document, Shape};
use crate::spill::{Key, Spill};
use crate::{csv, findings, html, ladder, plot};
use voipscope_analysis::{Record, RecordSink, Summary};
use voipscope_rtp::RtpStream;
use voipscope_sip::status::Lang;
use voipscope_wire::timefmt::TimeBase;

/// Streams whose plot is written to `plots/`; beyond this only the overview shows them.
pub const MAX_PLOT_FILES: usize = 2_000;

/// A file name part made from capture text (a Call-ID): ASCII letters, digits, `.`, `-`, `_`
/// only, never starting with a dot, at most 60 characters.
pub fn safe_name(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    while out.starts_with('.') {
        out.replace_range(..1, "_");
    }
    if out.is_empty() {
        out.push('_');
    }
    out
}

/// `ladders/<number>-<Call-ID>` without extension.
pub fn ladder_stem(c: &voipscope_sip::Call) -> String {
    format!("{}-{}", c.number, safe_name(&c.call_id))
}

fn write(path: PathBuf, text: &[u8]) -> std::io::Result<()> {
    std::fs::write(&path, text)
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))
}

/// One CSV row as bytes.
fn csv_line<I, T>(row: I) -> Vec<u8>
where
    I: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(row);
    w.into_inner().unwrap_or_default()
}

/// A CSV file written from a spill of its rows.
fn write_csv(path: &Path, columns: &[&str], rows: Spill) -> std::io::Result<()> {
    let file = std::fs::File::create(path)
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    let mut w = std::io::BufWriter::new(file);
    w.write_all(&csv_line(columns))?;
    rows.drain(|r| w.write_all(r))?;
    w.flush()
}

/// A SIP message as text for a page: invalid UTF-8 replaced, cut at
/// [`html::MAX_SHOWN_MESSAGE_BYTES`].
fn message_text(data: &[u8]) -> String {
    let text = String::from_utf8_lossy(data);
    if text.len() <= html::MAX_SHOWN_MESSAGE_BYTES {
        return text.into_owned();
    }
    let mut end = html::MAX_SHOWN_MESSAGE_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}\n[{} more bytes]", &text[..end], text.len() - end)
}

/// Writes a report directory from records as they are finished: each call's ladders and each
/// stream's plot at once; the CSV files and `analysis.json` from spills at the end; and
/// `index.html` from what [`html::Page`] kept (bounded).
pub struct ReportDir {
    dir: PathBuf,
    png: bool,
    /// The capture to read again for the audio of the worst calls, when asked.
    audio_from: Option<String>,
    /// The capture to read again, and how, for the whole text of the messages the page shows.
    messages_from: Option<(String, voipscope_analysis::Options)>,
    base: TimeBase,
    page: html::Page,
    document: Document<std::io::BufWriter<std::fs::File>>,
    calls: Spill,
    registrations: Spill,
    streams: Spill,
    findings: Spill,
    /// Files written.
    pub files: usize,
    pub call_count: usize,
    pub registration_count: usize,
    pub stream_count: usize,
}

impl ReportDir {
    /// Creates `dir` (and its `ladders/` and `plots/`).
    pub fn create(dir: &Path, lang: Lang, png: bool) -> std::io::Result<ReportDir> {
        std::fs::create_dir_all(dir.join("ladders"))?;
        std::fs::create_dir_all(dir.join("plots"))?;
        let json = dir.join("analysis.json");
        let file = std::fs::File::create(&json)
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", json.display())))?;
        Ok(ReportDir {
            dir: dir.to_path_buf(),
            png,
            audio_from: None,
            messages_from: None,
            base: TimeBase::default(),
            page: html::Page::new(lang, TimeBase::default()),
            document: Document::new(
                std::io::BufWriter::with_capacity(1 << 16, file),
                Shape::Whole,
            ),
            calls: Spill::new(),
            registrations: Spill::new(),
            streams: Spill::new(),
            findings: Spill::new(),
            files: 0,
            call_count: 0,
            registration_count: 0,
            stream_count: 0,
        })
    }

    /// Also decodes the G.711 audio of the worst calls the page details (up to
    /// [`html::MAX_AUDIO_CALLS`]) from `capture` into `audio/`, with a player per call.
    pub fn with_audio(mut self, capture: &str) -> ReportDir {
        self.audio_from = Some(capture.to_string());
        self
    }

    /// Also reads `capture` a second time for the whole text of the detailed calls' SIP
    /// messages, which the page shows when a ladder arrow is clicked.
    pub fn with_messages(mut self, capture: &str, opts: &voipscope_analysis::Options) -> ReportDir {
        self.messages_from = Some((capture.to_string(), opts.clone()));
        self
    }

    /// The text of the messages the page shows, from a second analysis of the capture.
    fn read_messages(&mut self) -> std::io::Result<()> {
        let Some((capture, mut opts)) = self.messages_from.take() else {
            return Ok(());
        };
        let wanted = self.page.message_frames();
        if wanted.is_empty() {
            return Ok(());
        }
        struct Nothing;
        impl RecordSink for Nothing {
            fn record(&mut self, _: Record) -> std::io::Result<()> {
                Ok(())
            }
            fn finish(&mut self, _: Summary) -> std::io::Result<()> {
                Ok(())
            }
        }
        opts.without_plot_series = true;
        let mut texts = Vec::new();
        voipscope_analysis::analyze_into(&capture, &opts, &mut Nothing, &mut |m| {
            if wanted.contains(&m.frame) {
                texts.push((m.frame, message_text(&m.data)));
            }
        })
        .map_err(|e| std::io::Error::other(format!("{capture}: {e}")))?;
        for (frame, text) in texts {
            self.page.set_message(frame, text);
        }
        Ok(())
    }

    fn put(&mut self, name: PathBuf, text: &[u8]) -> std::io::Result<()> {
        write(self.dir.join(&name), text)?;
        self.files += 1;
        Ok(())
    }

    fn stream(&mut self, s: &RtpStream) -> std::io::Result<()> {
        self.stream_count += 1;
        self.streams.put(
            Key::new().num(s.number as u64),
            csv_line(csv::stream_row(s, self.base)),
        )?;
        if s.number > MAX_PLOT_FILES || s.series.points.is_empty() {
            return Ok(());
        }
        self.put(
            Path::new("plots").join(format!("stream-{}.svg", s.number)),
            plot::stream_svg(s, self.base).as_bytes(),
        )?;
        if self.png {
            let name = Path::new("plots").join(format!("stream-{}.png", s.number));
            plot::stream_png(s, self.base, &self.dir.join(&name))?;
            self.files += 1;
        }
        Ok(())
    }

    fn finding(&mut self, f: &voipscope_analysis::diagnose::Finding) -> std::io::Result<()> {
        self.findings
            .put(finding_key(f), csv_line(findings::csv_row(f)))
    }
}

impl RecordSink for ReportDir {
    fn start(&mut self, base: TimeBase) -> std::io::Result<()> {
        self.base = base;
        self.page.set_base(base);
        self.document.set_base(base);
        Ok(())
    }

    fn record(&mut self, record: Record) -> std::io::Result<()> {
        self.document.put(&record)?;
        let base = self.base;
        match &record {
            Record::Call(b) => {
                self.call_count += 1;
                let c = &b.call;
                let refs: Vec<&RtpStream> = b.streams.iter().collect();
                self.calls.put(
                    Key::new().num(c.number as u64),
                    csv_line(csv::call_row(c, &refs, base)),
                )?;
                let l = ladder::of_call(c, base);
                let stem = ladder_stem(c);
                self.put(
                    Path::new("ladders").join(format!("{stem}.txt")),
                    ladder::text::render(&l).as_bytes(),
                )?;
                self.put(
                    Path::new("ladders").join(format!("{stem}.svg")),
                    ladder::svg::render(&l).as_bytes(),
                )?;
                self.put(
                    Path::new("ladders").join(format!("{stem}.mmd")),
                    ladder::mermaid::render(&l).as_bytes(),
                )?;
                for s in &b.streams {
                    self.stream(s)?;
                }
                for f in &b.findings {
                    self.finding(f)?;
                }
                self.page.add_call(b);
            }
            Record::Registration(b) => {
                self.registration_count += 1;
                self.registrations.put(
                    Key::new().num(b.position),
                    csv_line(csv::registration_row(&b.registration, base)),
                )?;
                for f in &b.findings {
                    self.finding(f)?;
                }
                self.page.add_registration(b.position, &b.registration);
                self.page.add_registration_findings(&b.findings);
            }
            Record::Stream(b) => {
                self.stream(&b.stream)?;
                for f in &b.findings {
                    self.finding(f)?;
                }
                self.page.add_stream(&b.stream);
                self.page.add_registration_findings(&b.findings);
            }
            Record::Finding(f) => {
                self.finding(f)?;
                self.page.add_finding(f);
            }
            _ => {}
        }
        Ok(())
    }

    fn finish(&mut self, summary: Summary) -> std::io::Result<()> {
        let dir = self.dir.clone();
        let take = std::mem::take;
        let overview = self.page.overview();
        self.read_messages()?;
        if let Some(capture) = self.audio_from.clone() {
            let calls = self.page.audio_calls();
            let written = crate::audio::write_calls(
                &capture,
                &calls,
                &dir.join("audio"),
                crate::audio::REPORT_MAX_SAMPLES,
            )
            .map_err(|e| std::io::Error::other(format!("{}: {e}", dir.join("audio").display())))?;
            for (n, a) in written {
                self.files += a
                    .streams
                    .iter()
                    .filter(|s| matches!(s, crate::audio::StreamAudio::Written { .. }))
                    .count();
                if let Some((_, seconds)) = a.mixed {
                    self.files += 1;
                    self.page.set_audio(n, seconds);
                }
            }
        }
        let page = std::mem::replace(&mut self.page, html::Page::new(Lang::En, self.base));
        self.put("index.html".into(), page.render(&summary).as_bytes())?;
        write_csv(
            &dir.join("calls.csv"),
            csv::CALL_COLUMNS,
            take(&mut self.calls),
        )?;
        write_csv(
            &dir.join("registrations.csv"),
            csv::REGISTRATION_COLUMNS,
            take(&mut self.registrations),
        )?;
        write_csv(
            &dir.join("streams.csv"),
            csv::STREAM_COLUMNS,
            take(&mut self.streams),
        )?;
        write_csv(
            &dir.join("findings.csv"),
            findings::FINDING_COLUMNS,
            take(&mut self.findings),
        )?;
        self.document.write(&summary)?;
        self.files += 5;
        if !overview.is_empty() {
            self.put(
                Path::new("plots").join("quality.svg"),
                plot::quality_overview_svg(&overview).as_bytes(),
            )?;
            if self.png {
                let name = Path::new("plots").join("quality.png");
                plot::quality_overview_png(&overview, &dir.join(&name))?;
                self.files += 1;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_call_ids_are_safe() {
        assert_eq!(safe_name("abc@10.0.0.1"), "abc_10.0.0.1");
        assert_eq!(safe_name("../../etc/passwd"), "_._.._etc_passwd");
        assert_eq!(safe_name(""), "_");
        assert_eq!(safe_name("<script>x</script>"), "_script_x__script_");
        assert!(safe_name(&"x".repeat(500)).len() <= 60);
    }
}
