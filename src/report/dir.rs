//! Writes a report directory: `index.html`, the CSV files, `analysis.json`, a ladder per call
//! in three formats under `ladders/`, and plots under `plots/`.

use std::path::{Path, PathBuf};

use crate::report::{csv, html, ladder, plot};
use crate::sip::status::Lang;
use crate::Analysis;

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
pub fn ladder_stem(c: &crate::sip::Call) -> String {
    format!("{}-{}", c.number, safe_name(&c.call_id))
}

fn write(path: PathBuf, text: &str) -> std::io::Result<()> {
    std::fs::write(&path, text)
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))
}

/// Writes every file of the report of `a` into `dir` (created if missing), with PNG copies of
/// the plots when `png`; returns the files written.
pub fn write_report(
    a: &Analysis,
    dir: &Path,
    lang: Lang,
    png: bool,
) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir.join("ladders"))?;
    std::fs::create_dir_all(dir.join("plots"))?;
    let mut written: Vec<PathBuf> = Vec::new();
    let put = |written: &mut Vec<PathBuf>, name: PathBuf, text: &str| -> std::io::Result<()> {
        write(dir.join(&name), text)?;
        written.push(name);
        Ok(())
    };
    put(&mut written, "index.html".into(), &html::index(a, lang))?;
    put(&mut written, "calls.csv".into(), &csv::calls(a))?;
    put(
        &mut written,
        "registrations.csv".into(),
        &csv::registrations(a),
    )?;
    put(&mut written, "streams.csv".into(), &csv::streams(a))?;
    put(
        &mut written,
        "findings.csv".into(),
        &crate::report::findings::csv(a),
    )?;
    // written as it is produced: at the Call-ID cap the document is several hundred MB
    crate::report::write_json(a, std::fs::File::create(dir.join("analysis.json"))?)?;
    written.push("analysis.json".into());
    for c in &a.calls {
        let l = ladder::of_call(c, a.capture.time_base);
        let stem = ladder_stem(c);
        put(
            &mut written,
            Path::new("ladders").join(format!("{stem}.txt")),
            &ladder::text::render(&l),
        )?;
        put(
            &mut written,
            Path::new("ladders").join(format!("{stem}.svg")),
            &ladder::svg::render(&l),
        )?;
        put(
            &mut written,
            Path::new("ladders").join(format!("{stem}.mmd")),
            &ladder::mermaid::render(&l),
        )?;
    }
    for (i, s) in a.streams.iter().enumerate().take(MAX_PLOT_FILES) {
        if s.series.points.is_empty() {
            continue;
        }
        put(
            &mut written,
            Path::new("plots").join(format!("stream-{}.svg", i + 1)),
            &plot::stream_svg(s, a.capture.time_base),
        )?;
        if png {
            let name = Path::new("plots").join(format!("stream-{}.png", i + 1));
            plot::stream_png(s, a.capture.time_base, &dir.join(&name))?;
            written.push(name);
        }
    }
    if !a.streams.is_empty() {
        put(
            &mut written,
            Path::new("plots").join("quality.svg"),
            &plot::quality_overview_svg(&a.streams),
        )?;
        if png {
            let name = Path::new("plots").join("quality.png");
            plot::quality_overview_png(&a.streams, &dir.join(&name))?;
            written.push(name);
        }
    }
    Ok(written)
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
