//! Findings as text (`voipscope explain`, the end of `analyze`) and as `findings.csv`.

use std::fmt::Write;

use crate::diagnose::{Finding, Severity};
use crate::sip::status::Lang;
use crate::Analysis;

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
    let lead = format!("{:<8}", label(f.severity, lang));
    let mut head = String::new();
    if let Some(n) = f.call_number {
        let _ = write!(head, "call {n}: ");
    }
    head.push_str(&f.title);
    wrap_after(out, &lead, "        ", &head);
    wrap(out, "        ", &f.explanation);
    if !f.evidence.is_empty() {
        let frames: Vec<String> = f.evidence.iter().map(u64::to_string).collect();
        let what = match lang {
            Lang::En => "Evidence: frames",
            Lang::De => "Belege: Frames",
        };
        wrap(out, "        ", &format!("{what} {}", frames.join(", ")));
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

/// The findings of the capture, or of one call (by number), most important first.
pub fn text(a: &Analysis, call: Option<usize>, lang: Lang) -> String {
    let mut out = String::new();
    let chosen: Vec<&Finding> = a
        .findings
        .iter()
        .filter(|f| call.is_none() || f.call_number == call)
        .collect();
    if chosen.is_empty() {
        out.push_str(match lang {
            Lang::En => "No findings: nothing in this capture looks wrong to voipscope.\n",
            Lang::De => {
                "Keine Befunde: nichts in dieser Aufzeichnung sieht für voipscope falsch aus.\n"
            }
        });
        return out;
    }
    for (i, f) in chosen.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        one(&mut out, f, lang);
    }
    out
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
    let cell = crate::report::csv::text_cell;
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
