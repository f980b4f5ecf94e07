//! Every output format; each reads an [`crate::Analysis`] and never analyzes.

pub mod text;

/// The analysis as one JSON document (stable field order, pretty-printed).
pub fn json(analysis: &crate::Analysis) -> String {
    let mut s =
        serde_json::to_string_pretty(analysis).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}
