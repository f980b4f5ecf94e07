//! How a call ended, in a few lines: the final status with what it means for a call and its
//! usual causes, or why there is none; each Reason header with its Q.850 meaning; the Warning.
//! The call listing prints these under every call; the findings say more.

use std::fmt::Write;

use voipscope_sip::status::{self, Lang};
use voipscope_sip::{Call, CallState};

/// Why a call that did not connect ended as it did, from the status catalog and the call's
/// Reason and Warning headers: the lines the call listing prints under each call.
pub fn lines(c: &Call, lang: Lang) -> Vec<String> {
    let mut lines = Vec::new();
    match c.state {
        CallState::Rejected => {
            if let Some(code) = c.final_status {
                let e = status::explain(code, lang);
                lines.push(format!("{code} {}: {}", e.phrase, e.for_call));
                if !e.causes.is_empty() {
                    let label = match lang {
                        Lang::En => "Usual causes",
                        Lang::De => "Übliche Ursachen",
                    };
                    lines.push(format!("{label}: {}", e.causes));
                }
            }
        }
        CallState::Cancelled => lines.push(match lang {
            Lang::En => "The caller hung up before the call was answered (CANCEL, 487).".into(),
            Lang::De => {
                "Der Anrufer hat aufgelegt, bevor angenommen wurde (CANCEL, 487).".into()
            }
        }),
        CallState::Unanswered => lines.push(match lang {
            Lang::En => {
                "No final response in the capture: the callee or a server never answered, or the capture ended first."
                    .into()
            }
            Lang::De => {
                "Keine endgültige Antwort in der Aufzeichnung: Angerufener oder Server hat nie geantwortet, oder die Aufzeichnung endete vorher."
                    .into()
            }
        }),
        CallState::Completed | CallState::InCall => {}
    }
    for r in &c.reason {
        let mut line = format!("Reason: {}", r.protocol);
        if let Some(cause) = r.cause {
            let _ = write!(line, " cause {cause}");
        }
        if let Some(t) = &r.text {
            let _ = write!(line, " \"{t}\"");
        }
        if let Some(meaning) = voipscope_sip::q850::of_reason(r, lang) {
            let _ = write!(line, " — {meaning}");
        }
        lines.push(line);
    }
    if let Some(w) = &c.warning {
        lines.push(format!("Warning: {} \"{}\"", w.code, w.text));
    }
    lines
}
