//! The ladder as a Mermaid `sequenceDiagram`, for wikis and issue trackers that render it.
//! Requests are solid arrows, responses dashed; folded keep-alives become a note.

use std::fmt::Write;

use super::{Ladder, Row};

/// Mermaid message text: characters with meaning in the grammar become entity codes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            ';' => out.push_str("#59;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#60;"),
            '>' => out.push_str("#62;"),
            '"' => out.push_str("#34;"),
            '%' => out.push_str("#37;"),
            '\r' | '\n' | '\t' => out.push(' '),
            c if c.is_control() => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

pub fn render(l: &Ladder) -> String {
    let mut s = String::from("sequenceDiagram\n");
    let _ = writeln!(s, "    title {}", escape(&l.title));
    for p in &l.participants {
        match &p.software {
            Some(sw) => {
                let sw: String = sw.chars().take(40).collect();
                let _ = writeln!(
                    s,
                    "    participant {} as {}<br/>{}",
                    p.alias,
                    escape(&p.address),
                    escape(&sw)
                );
            }
            None => {
                let _ = writeln!(s, "    participant {} as {}", p.alias, escape(&p.address));
            }
        }
    }
    for row in &l.rows {
        match row {
            Row::Message(a) => {
                let from = &l.participants[a.from].alias;
                let to = &l.participants[a.to].alias;
                let arrow = if a.status.is_some() { "-->>" } else { "->>" };
                let mut text = format!("{:.3}s {}", a.time_s, a.label);
                if a.retransmission {
                    text.push_str(" (retransmission)");
                } else if a.duplicate {
                    text.push_str(" (duplicate)");
                }
                if let Some(sdp) = &a.sdp {
                    text.push_str(&format!(" [SDP {sdp}]"));
                }
                let _ = writeln!(s, "    {from}{arrow}{to}: {}", escape(&text));
            }
            Row::Collapsed {
                from,
                to,
                count,
                label,
                first_frame,
                last_frame,
                until_s,
            } => {
                let a = &l.participants[*from].alias;
                let b = &l.participants[*to].alias;
                let over = if a == b {
                    a.clone()
                } else {
                    format!("{a},{b}")
                };
                let _ = writeln!(
                    s,
                    "    Note over {over}: {}",
                    escape(&format!(
                        "{count} more {label} exchanges until {until_s:.1}s (frames {first_frame}-{last_frame})"
                    ))
                );
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn grammar_characters_are_escaped() {
        assert_eq!(
            super::escape("a;b#c<d>\"e\"\n%%"),
            "a#59;b#35;c#60;d#62;#34;e#34; #37;#37;"
        );
    }
}
