//! Findings as text (`voipscope explain`, the end of `analyze`) and as `findings.csv`. In
//! the text, findings of different calls that say the same (same rule, severity, title,
//! explanation and suggestion) are one block that lists the calls ([`Grouper`]); CSV and JSON
//! keep one finding per call, as each belongs to its call's record.

use std::fmt::Write;

use super::document::{finding_key, severity_rank};
use super::spill::{Key, Spill};
use super::text::counted;
use voipscope_analysis::diagnose::{Finding, Severity};
use voipscope_analysis::Analysis;
use voipscope_sip::status::Lang;

const WIDTH: usize = 100;

/// Word-wraps `text` to lines of at most `WIDTH` columns after `indent`.
fn wrap(out: &mut String, indent: &str, text: &str) {
    wrap_after(out, indent, indent, text);
}

/// As [`wrap`], with the first line after `first` instead.
fn wrap_after(out: &mut String, first: &str, indent: &str, text: &str) {
    let mut line = String::new();
    let mut lead = first;
    for word in text.split_whitespace() {
        if !line.is_empty() && lead.len() + line.chars().count() + 1 + word.chars().count() > WIDTH
        {
            let _ = writeln!(out, "{lead}{line}");
            line.clear();
            lead = indent;
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "{lead}{line}");
    }
}

fn label(s: Severity, lang: Lang) -> &'static str {
    match (s, lang) {
        (Severity::Error, Lang::En) => "ERROR",
        (Severity::Warning, Lang::En) => "WARNING",
        (Severity::Info, Lang::En) => "INFO",
        (Severity::Error, Lang::De) => "FEHLER",
        (Severity::Warning, Lang::De) => "WARNUNG",
        (Severity::Info, Lang::De) => "HINWEIS",
    }
}

/// One finding as a block of text.
pub fn one(out: &mut String, f: &Finding, lang: Lang) {
    let shown = Shown::of(f);
    block(
        out,
        &shown,
        None,
        &shown.explanation,
        &frame_list(&shown.evidence),
        lang,
    );
}

/// Calls of a group whose evidence frames are listed; the others are counted.
const EVIDENCE_CALLS: usize = 5;
/// Runs of call numbers listed in a group's head; the others are counted.
const LISTED_RUNS: usize = 20;

/// A finding as its text block shows it, with where it is listed.
struct Shown {
    listed_at: Vec<u8>,
    severity: Severity,
    id: String,
    stream: Option<usize>,
    call: Option<usize>,
    title: String,
    explanation: String,
    suggestion: String,
    evidence: Vec<u64>,
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b);
}

fn take_bytes<'a>(input: &mut &'a [u8]) -> Option<&'a [u8]> {
    let (n, rest) = input.split_first_chunk::<4>()?;
    let n = u32::from_le_bytes(*n) as usize;
    let (b, rest) = (rest.get(..n)?, rest.get(n..)?);
    *input = rest;
    Some(b)
}

fn take_u64(input: &mut &[u8]) -> Option<u64> {
    let (n, rest) = input.split_first_chunk::<8>()?;
    *input = rest;
    Some(u64::from_le_bytes(*n))
}

impl Shown {
    fn of(f: &Finding) -> Shown {
        Shown {
            listed_at: finding_key(f).0,
            severity: f.severity,
            id: f.id.to_string(),
            stream: f.stream,
            call: f.call_number,
            title: f.title.clone(),
            explanation: f.explanation.clone(),
            suggestion: f.suggestion.clone(),
            evidence: f.evidence.clone(),
        }
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.explanation.len());
        out.push(severity_rank(self.severity) as u8);
        for n in [self.stream, self.call] {
            out.extend_from_slice(&n.map_or(0, |n| n as u64 + 1).to_le_bytes());
        }
        for text in [
            &self.listed_at[..],
            self.id.as_bytes(),
            self.title.as_bytes(),
            self.explanation.as_bytes(),
            self.suggestion.as_bytes(),
        ] {
            put_bytes(&mut out, text);
        }
        out.extend_from_slice(&(self.evidence.len() as u64).to_le_bytes());
        for e in &self.evidence {
            out.extend_from_slice(&e.to_le_bytes());
        }
        out
    }

    fn decode(mut input: &[u8]) -> Option<Shown> {
        let (&sev, rest) = input.split_first()?;
        input = rest;
        let severity = match sev {
            0 => Severity::Error,
            1 => Severity::Warning,
            _ => Severity::Info,
        };
        let number = |n: u64| n.checked_sub(1).map(|n| n as usize);
        let stream = number(take_u64(&mut input)?);
        let call = number(take_u64(&mut input)?);
        let listed_at = take_bytes(&mut input)?.to_vec();
        let text =
            |input: &mut &[u8]| take_bytes(input).map(|b| String::from_utf8_lossy(b).into_owned());
        let id = text(&mut input)?;
        let title = text(&mut input)?;
        let explanation = text(&mut input)?;
        let suggestion = text(&mut input)?;
        let n = take_u64(&mut input)? as usize;
        let mut evidence = Vec::with_capacity(n.min(64));
        for _ in 0..n {
            evidence.push(take_u64(&mut input)?);
        }
        Some(Shown {
            listed_at,
            severity,
            id,
            stream,
            call,
            title,
            explanation,
            suggestion,
            evidence,
        })
    }

    /// Whether two findings say the same of different calls: their explanations may differ
    /// in the frames and details they cite.
    fn same_text(&self, other: &Shown) -> bool {
        self.call.is_some()
            && other.call.is_some()
            && self.severity == other.severity
            && self.id == other.id
            && self.stream == other.stream
            && self.title == other.title
            && self.suggestion == other.suggestion
    }
}

/// The findings that say the same, as far as the block lists them.
struct Group {
    first: Shown,
    calls: usize,
    /// Runs of consecutive call numbers, the first [`LISTED_RUNS`].
    runs: Vec<(usize, usize)>,
    /// Evidence of the first [`EVIDENCE_CALLS`] calls.
    evidence: Vec<(usize, Vec<u64>)>,
    /// Some call's explanation is not the first's.
    explanations_differ: bool,
}

impl Group {
    fn new(first: Shown) -> Group {
        let mut g = Group {
            evidence: Vec::new(),
            explanations_differ: false,
            calls: 0,
            runs: Vec::new(),
            first,
        };
        let (call, evidence) = (g.first.call, g.first.evidence.clone());
        g.add_call(call, evidence);
        g
    }

    fn add_call(&mut self, call: Option<usize>, evidence: Vec<u64>) {
        self.calls += 1;
        let Some(n) = call else { return };
        let room = self.runs.len() < LISTED_RUNS;
        match self.runs.last_mut() {
            Some((_, last)) if *last + 1 == n => *last = n,
            _ if room => self.runs.push((n, n)),
            _ => {}
        }
        if self.evidence.len() < EVIDENCE_CALLS {
            self.evidence.push((n, evidence));
        }
    }

    fn render(&self, lang: Lang) -> String {
        let mut out = String::new();
        let f = &self.first;
        if self.calls == 1 {
            block(
                &mut out,
                f,
                None,
                &f.explanation,
                &frame_list(&f.evidence),
                lang,
            );
            return out;
        }
        let listed: usize = self.runs.iter().map(|(a, b)| b - a + 1).sum();
        let mut runs: Vec<String> = self
            .runs
            .iter()
            .map(|&(a, b)| {
                if a == b {
                    a.to_string()
                } else {
                    format!("{a}-{b}")
                }
            })
            .collect();
        if listed < self.calls {
            runs.push("...".to_string());
        }
        let head = match lang {
            Lang::En => format!("calls {} ({} calls): ", runs.join(", "), self.calls),
            Lang::De => format!("Anrufe {} ({} Anrufe): ", runs.join(", "), self.calls),
        };
        let mut frames: Vec<String> = self
            .evidence
            .iter()
            .filter(|(_, e)| !e.is_empty())
            .map(|(n, e)| match lang {
                Lang::En => format!("{} (call {n})", frame_list(e)),
                Lang::De => format!("{} (Anruf {n})", frame_list(e)),
            })
            .collect();
        let more = self.calls - self.evidence.len();
        if more > 0 && !frames.is_empty() {
            frames.push(match lang {
                Lang::En => format!("and {}", counted(more as u64, "more call", "more calls")),
                Lang::De => format!(
                    "und {}",
                    counted(more as u64, "weiterer Anruf", "weitere Anrufe")
                ),
            });
        }
        let explanation = if self.explanations_differ {
            // the first call's words stand for all; each call's are a command away
            let first = f.call.unwrap_or(0);
            match lang {
                Lang::En => format!("Call {first}: {} The other calls' details differ: `voipscope explain --call N` shows each.", f.explanation),
                Lang::De => format!("Anruf {first}: {} Die Einzelheiten der anderen Anrufe weichen ab: `voipscope explain --call N` zeigt jeden.", f.explanation),
            }
        } else {
            f.explanation.clone()
        };
        block(
            &mut out,
            f,
            Some(&head),
            &explanation,
            &frames.join("; "),
            lang,
        );
        out
    }
}

/// Findings of a listing in the order they are listed, those that say the same of several
/// calls made one block: sorted once by what they say (so equal ones meet) and once more by
/// where their first finding is listed, both through temporary files when large.
pub struct Grouper {
    by_text: Spill,
}

impl Default for Grouper {
    fn default() -> Self {
        Grouper::new()
    }
}

impl Grouper {
    pub fn new() -> Grouper {
        Grouper {
            by_text: Spill::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.by_text.is_empty()
    }

    pub fn put(&mut self, f: &Finding) -> std::io::Result<()> {
        let o = f.order;
        let mut key = Key::new()
            .num(severity_rank(f.severity))
            .text(f.id)
            .num(f.stream.map_or(0, |n| n as u64 + 1))
            .text(&f.title)
            .text(&f.suggestion);
        key = match f.call_number {
            Some(n) => key.num(0).num(n as u64),
            // findings of no call stand alone
            None => key.num(1).num(0),
        };
        key = key
            .num(u64::from(o.rule) << 8 | u64::from(o.part))
            .num(o.record)
            .num(u64::from(o.seq));
        self.by_text.put(key, Shown::of(f).encode())
    }

    /// The blocks in listing order; `each` gets one block's text.
    pub fn drain(
        self,
        lang: Lang,
        mut each: impl FnMut(&[u8]) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let mut listed = Spill::new();
        let mut open: Option<Group> = None;
        let close = |g: Group, listed: &mut Spill| {
            listed.put(Key(g.first.listed_at.clone()), g.render(lang).into_bytes())
        };
        self.by_text.drain(|piece| {
            let Some(f) = Shown::decode(piece) else {
                return Ok(());
            };
            match open.as_mut() {
                Some(g) if g.first.same_text(&f) => {
                    g.explanations_differ |= g.first.explanation != f.explanation;
                    g.add_call(f.call, f.evidence);
                    Ok(())
                }
                _ => {
                    if let Some(g) = open.replace(Group::new(f)) {
                        close(g, &mut listed)?;
                    }
                    Ok(())
                }
            }
        })?;
        if let Some(g) = open.take() {
            close(g, &mut listed)?;
        }
        listed.drain(&mut each)
    }
}

/// Frame numbers as the evidence line lists them.
fn frame_list(frames: &[u64]) -> String {
    let frames: Vec<String> = frames.iter().map(u64::to_string).collect();
    frames.join(", ")
}

/// One finding's block; `head` goes before its title in place of the call number, the
/// `explanation` stands for the finding's own, and `evidence` (the frames) is left out when
/// empty.
fn block(
    out: &mut String,
    f: &Shown,
    head: Option<&str>,
    explanation: &str,
    evidence: &str,
    lang: Lang,
) {
    let lead = format!("{:<8}", label(f.severity, lang));
    let mut first = String::new();
    match (head, f.call) {
        (Some(h), _) => first.push_str(h),
        (None, Some(n)) => {
            let _ = write!(first, "call {n}: ");
        }
        (None, None) => {}
    }
    first.push_str(&f.title);
    wrap_after(out, &lead, "        ", &first);
    wrap(out, "        ", explanation);
    if !evidence.is_empty() {
        let what = match lang {
            Lang::En => "Evidence: frames",
            Lang::De => "Belege: Frames",
        };
        wrap(out, "        ", &format!("{what} {evidence}"));
    }
    if !f.suggestion.is_empty() {
        let what = match lang {
            Lang::En => "What to check:",
            Lang::De => "Zu prüfen:",
        };
        wrap(out, "        ", &format!("{what} {}", f.suggestion));
    }
    let _ = writeln!(out, "        [{}]", f.id);
}

pub const FINDING_COLUMNS: &[&str] = &[
    "severity",
    "id",
    "call_number",
    "call_id",
    "stream",
    "title",
    "explanation",
    "evidence",
    "suggestion",
];

/// One finding as a row of [`FINDING_COLUMNS`]; `evidence` is the frame numbers separated by
/// spaces.
pub fn csv_row(f: &Finding) -> Vec<String> {
    let cell = crate::csv::text_cell;
    vec![
        f.severity.as_str().to_string(),
        f.id.to_string(),
        f.call_number.map(|n| n.to_string()).unwrap_or_default(),
        f.call_id.as_deref().map(cell).unwrap_or_default(),
        f.stream.map(|n| n.to_string()).unwrap_or_default(),
        cell(&f.title),
        cell(&f.explanation),
        f.evidence
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(" "),
        cell(&f.suggestion),
    ]
}

/// `findings.csv` of an analysis held in memory.
pub fn csv(a: &Analysis) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(FINDING_COLUMNS);
    for f in &a.findings {
        let _ = w.write_record(csv_row(f));
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(call: Option<usize>, title: &str, explanation: &str) -> Finding {
        let mut f = Finding::new("no-rtp", Severity::Warning).text(
            title.to_string(),
            explanation.to_string(),
            "Look.".to_string(),
        );
        f.call_number = call;
        f.evidence = call.map(|n| vec![n as u64 * 10]).unwrap_or_default();
        f
    }

    fn listed(findings: &[Finding]) -> Vec<String> {
        let mut g = Grouper::new();
        for f in findings {
            g.put(f).unwrap();
        }
        let mut out = Vec::new();
        g.drain(Lang::En, |b| {
            out.push(String::from_utf8(b.to_vec()).unwrap());
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn a_finding_alone_reads_as_it_always_did() {
        let f = finding(Some(3), "Silent", "Nothing came.");
        let mut one_block = String::new();
        one(&mut one_block, &f, Lang::En);
        assert_eq!(listed(&[f]), vec![one_block]);
    }

    #[test]
    fn equal_findings_group_in_call_order_and_others_keep_their_place() {
        let mut fs: Vec<Finding> = (1..=30)
            .filter(|n| n % 3 != 0)
            .map(|n| finding(Some(n), "Silent", "Nothing came."))
            .collect();
        fs.push(finding(Some(2), "Loud", "Too much."));
        fs.push(finding(None, "Silent", "Nothing came."));
        fs.push(finding(None, "Silent", "Nothing came."));
        let blocks = listed(&fs);
        assert_eq!(blocks.len(), 4, "{blocks:#?}");
        // call 1 first, then call 2's other finding, then those of no call
        assert!(
            blocks[0].starts_with("WARNING calls 1-2, 4-5, 7-8,"),
            "{}",
            blocks[0]
        );
        assert!(
            blocks[0].contains("28-29 (20 calls): Silent"),
            "{}",
            blocks[0]
        );
        assert!(
            blocks[0].contains("10 (call 1); 20 (call 2); 40 (call 4)"),
            "{}",
            blocks[0]
        );
        assert!(!blocks[0].contains("Call 1:"), "{}", blocks[0]);
        assert!(
            blocks[1].starts_with("WARNING call 2: Loud"),
            "{}",
            blocks[1]
        );
        assert!(blocks[2].starts_with("WARNING Silent"), "{}", blocks[2]);
    }

    #[test]
    fn many_runs_are_cut_and_differing_words_say_whose_they_are() {
        let fs: Vec<Finding> = (1..=50)
            .map(|n| finding(Some(2 * n), "Silent", &format!("Frame {n} was the last.")))
            .collect();
        let blocks = listed(&fs);
        assert_eq!(blocks.len(), 1);
        let b = blocks[0].split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(b.starts_with("WARNING calls 2, 4, 6,"), "{b}");
        assert!(b.contains(", 40, ... (50 calls): Silent"), "{b}");
        assert!(
            b.contains("Call 2: Frame 1 was the last. The other calls' details differ"),
            "{b}"
        );
        assert!(b.contains("and 45 more calls"), "{b}");
    }

    #[test]
    fn shown_findings_read_back_whole() {
        let mut f = finding(Some(7), "Ünïcode", "Frame 1; frame 2.");
        f.stream = Some(4);
        f.evidence = vec![1, 2, u64::MAX];
        let s = Shown::of(&f);
        let back = Shown::decode(&s.encode()).unwrap();
        assert_eq!(
            (
                back.call,
                back.stream,
                back.title.as_str(),
                back.evidence.clone()
            ),
            (Some(7), Some(4), "Ünïcode", vec![1, 2, u64::MAX])
        );
        assert_eq!(back.listed_at, s.listed_at);
        assert!(Shown::decode(&s.encode()[..10]).is_none());
    }
}
