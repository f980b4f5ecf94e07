//! Every output: text tables, JSON (whole documents and lines), CSV, ladders (text, SVG,
//! Mermaid), plots, the HTML report, per-call pcap export, and batches of captures. Each view
//! reads records (as they stream from the analysis, or an [`voipscope_analysis::Analysis`] held
//! in memory) and decides only how they read: field names, units, order, language.
//!
//! Invariant: nothing here analyzes. A view never re-derives what the analysis found; what it
//! shows that the records do not hold is formatting (seconds from a time base, texts in the
//! chosen language).

pub mod anomaly;
pub mod audio;
pub mod batch;
pub mod calls;
pub mod compact_json;
pub mod csv;
pub mod dir;
pub mod document;
pub mod export;
pub mod findings;
pub mod html;
pub mod json;
pub mod jsonl;
pub mod ladder;
pub mod listing;
pub mod plot;
pub mod spill;
pub mod streams;
pub mod text;

/// The analysis as one JSON document (stable field order, pretty-printed), written straight to
/// `w` without holding it in memory: a capture at the Call-ID cap makes several hundred MB.
pub fn write_json<W: std::io::Write>(
    analysis: &voipscope_analysis::Analysis,
    w: W,
) -> std::io::Result<()> {
    use std::io::Write;
    let mut w = std::io::BufWriter::with_capacity(1 << 16, w);
    serde_json::to_writer_pretty(&mut w, &json::document(analysis))
        .map_err(std::io::Error::other)?;
    w.write_all(b"\n")?;
    w.flush()
}

/// The calls and registrations alone, as `voipscope calls --format json` prints them.
pub fn calls_json(analysis: &voipscope_analysis::Analysis) -> String {
    let mut s = serde_json::to_string_pretty(&json::calls_only(analysis))
        .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}
