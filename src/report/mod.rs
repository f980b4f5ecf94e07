//! Every output format; each reads an [`crate::Analysis`] and never analyzes.

pub mod calls;
pub mod csv;
pub mod dir;
pub mod findings;
pub mod html;
pub mod ladder;
pub mod plot;
pub mod streams;
pub mod text;

/// The analysis as one JSON document (stable field order, pretty-printed).
pub fn json(analysis: &crate::Analysis) -> String {
    let mut s =
        serde_json::to_string_pretty(analysis).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}

/// The calls and registrations alone, as `voipscope calls --format json` prints them.
pub fn calls_json(analysis: &crate::Analysis) -> String {
    #[derive(serde::Serialize)]
    struct CallsOnly<'a> {
        calls: &'a [crate::sip::Call],
        registrations: &'a [crate::sip::Registration],
    }
    let doc = CallsOnly {
        calls: &analysis.calls,
        registrations: &analysis.registrations,
    };
    let mut s =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}
