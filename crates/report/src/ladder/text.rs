//! The ladder as plain text, at most [`WIDTH`] characters a line, for tickets and terminals.
//! The drawing is ASCII; text from the capture keeps its letters but loses control characters.

use std::fmt::Write;

use super::{Ladder, Row};

pub const WIDTH: usize = 100;
/// Columns before the first lane: time (10), frame (7), a space.
const LEFT: usize = 18;
const MAX_SPACING: usize = 40;

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    if max <= 3 {
        return s.chars().take(max).collect();
    }
    let mut t: String = s.chars().take(max - 3).collect();
    t.push_str("...");
    t
}

/// Keeps capture text on one line and free of terminal control sequences.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

struct Lanes {
    xs: Vec<usize>,
}

impl Lanes {
    fn new(n: usize) -> Lanes {
        let spacing = if n > 1 {
            ((WIDTH - 1 - LEFT) / (n - 1)).min(MAX_SPACING)
        } else {
            MAX_SPACING
        };
        Lanes {
            xs: (0..n).map(|i| LEFT + i * spacing).collect(),
        }
    }

    fn blank(&self, mark: char) -> Vec<char> {
        let mut line = vec![' '; WIDTH];
        for &x in &self.xs {
            if x < WIDTH {
                line[x] = mark;
            }
        }
        line
    }
}

fn put(line: &mut [char], at: usize, text: &str) {
    for (i, c) in text.chars().enumerate() {
        if let Some(slot) = line.get_mut(at + i) {
            *slot = c;
        }
    }
}

fn finish(line: Vec<char>) -> String {
    let s: String = line.into_iter().collect();
    s.trim_end().to_string()
}

pub fn render(l: &Ladder) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", truncate(&clean(&l.title), WIDTH));
    let _ = writeln!(out, "{}", truncate(&clean(&l.subtitle), WIDTH));
    for p in &l.participants {
        let line = match &p.software {
            Some(sw) => format!("  {} = {}  {}", p.alias, p.address, clean(sw)),
            None => format!("  {} = {}", p.alias, p.address),
        };
        let _ = writeln!(out, "{}", truncate(&line, WIDTH));
    }
    out.push('\n');
    let lanes = Lanes::new(l.participants.len());
    let mut header = vec![' '; WIDTH];
    put(&mut header, 0, "    time s  frame");
    for (p, &x) in l.participants.iter().zip(&lanes.xs) {
        put(&mut header, x, &p.alias);
    }
    let _ = writeln!(out, "{}", finish(header));

    for row in &l.rows {
        match row {
            Row::Message(a) => {
                let mut line = lanes.blank('|');
                put(&mut line, 0, &format!("{:>10.4}{:>7}", a.time_s, a.frame));
                let (xa, xb) = (lanes.xs[a.from], lanes.xs[a.to]);
                let label = clean(&a.label);
                let mark = if a.retransmission {
                    " [retx]"
                } else if a.duplicate {
                    " [dup]"
                } else {
                    ""
                };
                if xa == xb {
                    put(&mut line, xa + 1, &format!("--+ {label}{mark} (to itself)"));
                } else {
                    let (lo, hi) = (xa.min(xb), xa.max(xb));
                    for slot in &mut line[lo + 1..hi] {
                        *slot = '-';
                    }
                    if xb > xa {
                        line[hi - 1] = '>';
                    } else {
                        line[lo + 1] = '<';
                    }
                    let room = (hi - lo).saturating_sub(5);
                    // the label is shortened, never the mark: a reader must see a retransmission
                    let room_for_label = room.saturating_sub(2 + mark.len()).max(1);
                    let text = format!(" {}{mark} ", truncate(&label, room_for_label));
                    let width = text.chars().count();
                    put(
                        &mut line,
                        lo + 2 + (room + 1).saturating_sub(width) / 2,
                        &text,
                    );
                }
                let _ = writeln!(out, "{}", finish(line));
                if let Some(sdp) = &a.sdp {
                    let mut line = lanes.blank('|');
                    let text = truncate(&clean(sdp), WIDTH - LEFT - 2);
                    // Under the arrow, moved left as far as needed to fit.
                    let at = (xa.min(xb) + 2).min(WIDTH - 1 - text.chars().count());
                    put(&mut line, at, &text);
                    let _ = writeln!(out, "{}", finish(line));
                }
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
                let mut line = lanes.blank(':');
                let lo = lanes.xs[*from].min(lanes.xs[*to]);
                let text = format!(
                    " ... {count} more {} exchanges until {until_s:.1} s (frames {first_frame}-{last_frame})",
                    clean(label)
                );
                let text = truncate(&text, WIDTH - LEFT - 2);
                let at = (lo + 1).min(WIDTH - 1 - text.chars().count());
                put(&mut line, at, &text);
                let _ = writeln!(out, "{}", finish(line));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::{Arrow, Ladder, Participant, Row};
    use super::*;

    #[test]
    fn arrows_point_the_right_way_and_fit() {
        let p = |a: &str, addr: &str| Participant {
            alias: a.into(),
            address: addr.into(),
            socket: addr.parse().unwrap(),
            software: None,
        };
        let arrow = |from, to, label: &str| {
            Row::Message(Arrow {
                from,
                to,
                frame: 1,
                time_s: 0.5,
                time_ns: 0,
                label: label.into(),
                status: None,
                sdp: Some("PCMU 10.0.0.1:4000 sendrecv".into()),
                retransmission: false,
                duplicate: false,
            })
        };
        let l = Ladder {
            title: "t".into(),
            subtitle: "s".into(),
            participants: vec![
                p("A", "10.0.0.1:5060"),
                p("B", "10.0.0.2:5060"),
                p("C", "10.0.0.3:5060"),
            ],
            rows: vec![arrow(0, 2, "INVITE"), arrow(2, 0, "486 Busy Here")],
        };
        let text = render(&l);
        assert!(text.lines().all(|line| line.len() <= WIDTH), "{text}");
        let lines: Vec<&str> = text.lines().collect();
        let invite = lines.iter().find(|l| l.contains("INVITE")).unwrap();
        assert!(invite.contains(">|") && !invite.contains("|<"), "{invite}");
        let busy = lines.iter().find(|l| l.contains("486")).unwrap();
        assert!(busy.contains("|<"), "{busy}");
    }

    #[test]
    fn a_shortened_label_keeps_its_retransmission_mark() {
        let participants = (1..=4)
            .map(|i| Participant {
                alias: format!("{}", (b'A' + i as u8 - 1) as char),
                address: format!("10.0.0.{i}:5060"),
                socket: format!("10.0.0.{i}:5060").parse().unwrap(),
                software: None,
            })
            .collect();
        let arrow = |retransmission, duplicate| {
            Row::Message(Arrow {
                from: 1,
                to: 0,
                frame: 7,
                time_s: 0.5,
                time_ns: 0,
                label: "407 Proxy Authentication Required".into(),
                status: Some(407),
                sdp: None,
                retransmission,
                duplicate,
            })
        };
        let l = Ladder {
            title: "t".into(),
            subtitle: "s".into(),
            participants,
            rows: vec![arrow(true, false), arrow(false, true)],
        };
        let text = render(&l);
        let rows: Vec<&str> = text.lines().filter(|l| l.contains("  7 |")).collect();
        assert_eq!(rows.len(), 2, "{text}");
        assert!(
            rows[0].contains("[retx]") && rows[0].contains("407"),
            "{}",
            rows[0]
        );
        assert!(
            rows[1].contains("[dup]") && rows[1].contains("407"),
            "{}",
            rows[1]
        );
        assert!(
            !rows[0].contains("Required"),
            "the label was shortened: {}",
            rows[0]
        );
        assert!(
            text.lines().all(|line| line.chars().count() <= WIDTH),
            "{text}"
        );
    }
}
