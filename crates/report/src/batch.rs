//! Batch runs: many captures (files, directories, glob patterns, gzip), analyzed in parallel
//! by file, one report directory each, then `summary.csv` (every call of every capture) and
//! `summary.html`. A capture that fails is listed and does not stop the others.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rayon::prelude::*;

use crate::{csv as report_csv, dir, html::esc};
use voipscope_analysis::Options;
use voipscope_sip::status::Lang;

/// File names taken as captures when a directory is given.
fn is_capture_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    let n = n.strip_suffix(".gz").unwrap_or(&n);
    n.ends_with(".pcap") || n.ends_with(".pcapng") || n.ends_with(".cap")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else if p
            .file_name()
            .is_some_and(|n| is_capture_name(&n.to_string_lossy()))
        {
            out.push(p);
        }
    }
    Ok(())
}

/// The captures named by `paths`: files as given, directories walked (sorted), patterns with
/// `*`, `?` or `[` expanded. Errors name the path.
pub fn find_captures(paths: &[String]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.contains(['*', '?', '[']) && !Path::new(p).exists() {
            let matches = glob::glob(p).map_err(|e| format!("{p}: {e}"))?;
            let mut found: Vec<PathBuf> = matches.filter_map(Result::ok).collect();
            found.sort();
            if found.is_empty() {
                return Err(format!("{p}: no file matches"));
            }
            for f in found {
                if f.is_dir() {
                    walk(&f, &mut out).map_err(|e| format!("{}: {e}", f.display()))?;
                } else {
                    out.push(f);
                }
            }
        } else {
            let path = PathBuf::from(p);
            if path.is_dir() {
                walk(&path, &mut out).map_err(|e| format!("{p}: {e}"))?;
            } else if path.exists() {
                out.push(path);
            } else {
                return Err(format!("{p}: no such file or directory"));
            }
        }
    }
    out.dedup();
    Ok(out)
}

/// What happened to one capture of the batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Written,
    /// Its report was newer than the capture.
    Skipped,
    Failed(String),
}

#[derive(Clone, Debug)]
pub struct BatchItem {
    pub capture: PathBuf,
    /// Directory name of its report under the output directory.
    pub report: String,
    pub outcome: Outcome,
}

/// Report directory names: the capture's file name made safe, `-2`, `-3`... on collisions.
fn report_names(captures: &[PathBuf]) -> Vec<String> {
    let mut used: Vec<String> = Vec::new();
    captures
        .iter()
        .map(|c| {
            let base = dir::safe_name(&c.file_name().unwrap_or_default().to_string_lossy());
            let mut name = base.clone();
            let mut k = 2;
            while used.contains(&name) {
                name = format!("{base}-{k}");
                k += 1;
            }
            used.push(name.clone());
            name
        })
        .collect()
}

fn modified(p: &Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// What the batch's reports hold.
#[derive(Clone, Copy, Debug)]
pub struct BatchSettings {
    /// Write every report again, even when it is newer than its capture.
    pub force: bool,
    pub lang: Lang,
    /// Also write the plots as PNG.
    pub png: bool,
    /// Read each capture a second time for the whole text of its detailed calls' SIP
    /// messages (shown when a ladder arrow is clicked).
    pub messages: bool,
}

/// Runs the batch; `progress` is told of every finished capture.
pub fn run(
    captures: &[PathBuf],
    out: &Path,
    settings: BatchSettings,
    opts: &Options,
    progress: &(dyn Fn(&BatchItem) + Sync),
) -> std::io::Result<Vec<BatchItem>> {
    let BatchSettings {
        force, lang, png, ..
    } = settings;
    std::fs::create_dir_all(out)?;
    let names = report_names(captures);
    let items: Vec<BatchItem> = captures
        .par_iter()
        .zip(names.par_iter())
        .map(|(capture, name)| {
            let report_dir = out.join(name);
            let fresh = match (modified(&report_dir.join("index.html")), modified(capture)) {
                (Some(r), Some(c)) => r >= c,
                _ => false,
            };
            let outcome = if fresh && !force {
                Outcome::Skipped
            } else {
                match dir::ReportDir::create(&report_dir, lang, png) {
                    Err(e) => Outcome::Failed(format!("writing the report: {e}")),
                    Ok(sink) => {
                        let path = capture.to_string_lossy();
                        let mut sink = if settings.messages {
                            sink.with_messages(&path, opts)
                        } else {
                            sink
                        };
                        match voipscope_analysis::analyze_into(&path, opts, &mut sink, &mut |_| {})
                        {
                            Ok(()) => Outcome::Written,
                            Err(voipscope_analysis::AnalyzeError::Output(e)) => {
                                Outcome::Failed(format!("writing the report: {e}"))
                            }
                            Err(e) => Outcome::Failed(e.to_string()),
                        }
                    }
                }
            };
            let item = BatchItem {
                capture: capture.clone(),
                report: name.clone(),
                outcome,
            };
            progress(&item);
            item
        })
        .collect();
    write_summaries(&items, out)?;
    Ok(items)
}

/// A call's worst finding, read back from a report's `findings.csv`.
struct CallVerdict {
    severity: String,
    title: String,
    count: usize,
}

/// Each call's worst finding and how many it has, by call number (as text, as `calls.csv`
/// has it). Findings are listed worst first within a call.
fn call_verdicts(findings_csv: &Path) -> BTreeMap<String, CallVerdict> {
    let rank = |s: &str| match s {
        "error" => 0,
        "warning" => 1,
        _ => 2,
    };
    let mut out: BTreeMap<String, CallVerdict> = BTreeMap::new();
    let Ok(file) = std::fs::File::open(findings_csv) else {
        return out;
    };
    let mut reader = csv::Reader::from_reader(std::io::BufReader::new(file));
    let headers = reader.headers().cloned().unwrap_or_default();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(sev), Some(num), Some(title)) = (col("severity"), col("call_number"), col("title"))
    else {
        return out;
    };
    for r in reader.records().filter_map(Result::ok) {
        let (Some(s), Some(n), Some(t)) = (r.get(sev), r.get(num), r.get(title)) else {
            continue;
        };
        if n.is_empty() {
            continue;
        }
        let v = out.entry(n.to_string()).or_insert_with(|| CallVerdict {
            severity: s.to_string(),
            title: t.to_string(),
            count: 0,
        });
        v.count += 1;
        if rank(s) < rank(&v.severity) {
            v.severity = s.to_string();
            v.title = t.to_string();
        }
    }
    out
}

/// `summary.csv` and `summary.html`, read back from each report's `calls.csv` so skipped
/// captures are summarised as well as fresh ones.
fn write_summaries(items: &[BatchItem], out: &Path) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["capture", "report"];
    header.extend_from_slice(report_csv::CALL_COLUMNS);
    let _ = w.write_record(&header);
    let mut html = String::new();
    let mut capture_rows = String::new();
    let mut call_rows = String::new();
    let col = |name: &str| report_csv::CALL_COLUMNS.iter().position(|c| *c == name);
    for item in items {
        let capture = item.capture.to_string_lossy().to_string();
        let (status, calls) = match &item.outcome {
            Outcome::Failed(e) => (format!("failed: {e}"), Vec::new()),
            o => {
                let text = std::fs::read_to_string(out.join(&item.report).join("calls.csv"))
                    .unwrap_or_default();
                let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(text.as_bytes())
                    .records()
                    .filter_map(Result::ok)
                    .collect();
                let s = if *o == Outcome::Skipped {
                    "up to date"
                } else {
                    "written"
                };
                (s.to_string(), rows)
            }
        };
        let verdicts = if matches!(item.outcome, Outcome::Failed(_)) {
            BTreeMap::new()
        } else {
            call_verdicts(&out.join(&item.report).join("findings.csv"))
        };
        let with = |severity: &str| verdicts.values().filter(|v| v.severity == severity).count();
        let failed_calls = calls
            .iter()
            .filter(|r| {
                col("state")
                    .and_then(|i| r.get(i))
                    .is_some_and(|s| !matches!(s, "completed" | "in-call"))
            })
            .count();
        let link = format!("{}/index.html", item.report);
        let _ = writeln!(
            capture_rows,
            "<tr><td><a href=\"{}\">{}</a></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
<td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&link),
            esc(&capture),
            esc(&status),
            calls.len(),
            failed_calls,
            with("error"),
            with("warning"),
        );
        for r in &calls {
            let mut record = vec![report_csv::text_cell(&capture), item.report.clone()];
            record.extend(r.iter().map(str::to_string));
            let _ = w.write_record(&record);
            let get = |name: &str| col(name).and_then(|i| r.get(i)).unwrap_or("");
            let state = get("state");
            let (class, verdict) = match verdicts.get(get("number")) {
                Some(v) => {
                    let more = match v.count - 1 {
                        0 => String::new(),
                        n => format!(
                            " <span class=\"note\">(+{})</span>",
                            crate::text::counted(n as u64, "more finding", "more findings")
                        ),
                    };
                    (
                        format!(" worst-{}", esc(&v.severity)),
                        format!(
                            "<span class=\"sev sev-{0}\">{0}</span> {1}{more}",
                            esc(&v.severity),
                            esc(v.title.trim_start_matches('\''))
                        ),
                    )
                }
                None => (String::new(), "no findings".to_string()),
            };
            let dash = |v: &str| {
                if v.is_empty() {
                    "\u{2014}".to_string()
                } else {
                    esc(v)
                }
            };
            let _ = writeln!(
                call_rows,
                "<tr class=\"call-row{class}\"><td>{}</td><td class=\"num\"><a href=\"{}#call-{n}\">{n}</a></td>\
<td><span class=\"state state-{st}\">{st}</span></td><td>{} {}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>\
<td class=\"num\">{}</td><td class=\"num\">{}</td><td>{verdict}</td><td><code>{}</code></td></tr>",
                esc(&capture),
                esc(&link),
                esc(get("final_status")),
                esc(get("final_reason").trim_start_matches('\'')),
                esc(get("from_user").trim_start_matches('\'')),
                esc(get("to_user").trim_start_matches('\'')),
                dash(get("min_mos")),
                dash(get("max_lost_pct")),
                dash(get("max_jitter_ms")),
                esc(get("call_id").trim_start_matches('\'')),
                n = esc(get("number")),
                st = esc(state),
            );
        }
    }
    let bytes = w.into_inner().unwrap_or_default();
    std::fs::write(out.join("summary.csv"), bytes)?;
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>voipscope batch summary</title>\
<style>{}</style></head><body>\n<h1>voipscope batch: {} captures</h1>\n\
<h2>Captures</h2><table class=\"sortable\"><thead><tr><th>capture</th><th>report</th><th>calls</th>\
<th>not connected</th><th>calls with errors</th><th>calls with warnings</th></tr></thead><tbody>\n{capture_rows}</tbody></table>\n\
<h2>Calls</h2><table class=\"sortable\"><thead><tr><th>capture</th><th>#</th><th>state</th><th>status</th>\
<th>from</th><th>to</th><th>min MOS</th><th>max loss %</th><th>max jitter ms</th><th>verdict</th><th>Call-ID</th></tr></thead><tbody>\n{call_rows}</tbody></table>\n\
<script>{}</script>\n</body></html>\n",
        crate::html::STYLE,
        items.len(),
        crate::html::SCRIPT,
    );
    std::fs::write(out.join("summary.html"), html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_names() {
        assert!(is_capture_name("a.pcap"));
        assert!(is_capture_name("B.PCAPNG.gz"));
        assert!(is_capture_name("x.cap"));
        assert!(!is_capture_name("notes.txt"));
        assert!(!is_capture_name("x.gz"));
    }

    #[test]
    fn report_names_never_collide() {
        let names = report_names(&[
            PathBuf::from("a/x.pcap"),
            PathBuf::from("b/x.pcap"),
            PathBuf::from("c/x.pcap"),
        ]);
        assert_eq!(names, vec!["x.pcap", "x.pcap-2", "x.pcap-3"]);
    }
}
