//! The ladder as a standalone SVG: participant columns with their software, a time axis on the
//! left, arrows colored by response class, dashed for retransmissions and duplicates, SDP
//! summaries under the arrows. Every capture string is XML-escaped.

use std::fmt::Write;

use super::{class_color, Ladder, Row};

const LEFT: f64 = 110.0;
const LANE: f64 = 230.0;
const TOP: f64 = 110.0;
const ROW: f64 = 34.0;
const SDP_ROW: f64 = 14.0;

/// Escapes text for XML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // XML 1.0 forbids most control characters even when escaped.
            c if (c as u32) < 0x20 && c != '\t' => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Width of `chars` characters of the monospace font at `size` px (DejaVu Sans Mono's advance
/// is 0.602 em; a little more for fonts that stand in for it).
fn text_width(chars: usize, size: f64) -> f64 {
    chars as f64 * size * 0.62
}

/// The label an arrow shows: its method or status, and what kind of copy it is.
fn arrow_label(a: &super::Arrow) -> String {
    let mut label = a.label.clone();
    if a.retransmission {
        label.push_str(" (retransmission)");
    } else if a.duplicate {
        label.push_str(" (duplicate)");
    }
    shorten(&label, 56)
}

fn collapsed_text(count: usize, label: &str, first: u64, last: u64, until_s: f64) -> String {
    format!("… {count} more {label} exchanges until {until_s:.1} s (frames {first}-{last})")
}

/// Lane spacing wide enough for every label between two lanes (divided over the lanes an arrow
/// spans), at least [`LANE`], and where the document must end to hold the self-arrows' labels.
fn lane_width(l: &Ladder) -> f64 {
    let mut lane = LANE;
    for row in &l.rows {
        let (from, to, need) = match row {
            Row::Message(a) => {
                let label = text_width(arrow_label(a).chars().count(), 12.0) + 24.0;
                let sdp = a.sdp.as_ref().map_or(0.0, |t| {
                    text_width(shorten(t, 60).chars().count(), 10.0) + 16.0
                });
                (a.from, a.to, label.max(sdp))
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
                let t = collapsed_text(*count, label, *first_frame, *last_frame, *until_s);
                (*from, *to, text_width(t.chars().count(), 12.0) + 16.0)
            }
        };
        let span = from.abs_diff(to);
        if span > 0 {
            lane = lane.max(need / span as f64);
        }
    }
    lane.ceil()
}

pub fn render(l: &Ladder) -> String {
    let n = l.participants.len().max(1);
    let lane = lane_width(l);
    // with the least lane width, the first lifeline is 40 px right of the time column
    let x = |i: usize| LEFT + 40.0 + (lane - LANE) / 2.0 + i as f64 * lane;
    let mut width = x(n - 1) + lane / 2.0 + 45.0;
    width = width
        .max(text_width(l.title.chars().count(), 15.0) + 24.0)
        .max(text_width(l.subtitle.chars().count(), 12.0) + 24.0);
    for row in &l.rows {
        if let Row::Message(a) = row {
            if a.from == a.to {
                let half = text_width(arrow_label(a).chars().count(), 12.0) / 2.0;
                width = width.max(x(a.from) + 50.0 + half + 12.0);
            }
        }
    }
    let width = width.ceil();
    let mut heights = Vec::with_capacity(l.rows.len());
    let mut y = TOP + 30.0;
    for row in &l.rows {
        heights.push(y);
        y += ROW;
        if let Row::Message(a) = row {
            if a.sdp.is_some() {
                y += SDP_ROW;
            }
        }
    }
    let height = y + 20.0;

    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="12">"#
    );
    s.push_str(r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
    s.push_str("\n<defs>");
    // One arrowhead per class color: `context-stroke` is not supported everywhere.
    for class in [
        None,
        Some(100),
        Some(200),
        Some(300),
        Some(400),
        Some(500),
        Some(600),
        Some(700),
    ] {
        let color = class_color(class);
        let _ = write!(
            s,
            r#"<marker id="head{}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{color}"/></marker>"#,
            class.map_or(0, |c| c / 100)
        );
    }
    s.push_str("</defs>\n");
    let _ = writeln!(
        s,
        r##"<text x="12" y="22" font-size="15" font-weight="bold" fill="#111827">{}</text>
<text x="12" y="40" fill="#4b5563">{}</text>"##,
        escape(&l.title),
        escape(&l.subtitle)
    );
    // Participant headers and lifelines.
    for (i, p) in l.participants.iter().enumerate() {
        let cx = x(i);
        let _ = writeln!(
            s,
            r##"<rect x="{:.1}" y="52" width="{:.1}" height="40" rx="4" fill="#f3f4f6" stroke="#9ca3af"/>
<text x="{cx:.1}" y="68" text-anchor="middle" font-weight="bold" fill="#111827">{}</text>
<text x="{cx:.1}" y="84" text-anchor="middle" font-size="10" fill="#4b5563">{}</text>
<line x1="{cx:.1}" y1="92" x2="{cx:.1}" y2="{:.1}" stroke="#d1d5db" stroke-width="1.5"/>"##,
            cx - lane / 2.0 + 8.0,
            lane - 16.0,
            escape(&shorten(&p.address, 30)),
            escape(&shorten(p.software.as_deref().unwrap_or(""), 36)),
            height - 10.0
        );
    }
    let _ = writeln!(
        s,
        r##"<text x="12" y="{:.1}" font-size="10" fill="#6b7280">time (s)  frame</text>"##,
        TOP + 8.0
    );
    for (row, &ry) in l.rows.iter().zip(&heights) {
        match row {
            Row::Message(a) => {
                let color = class_color(a.status);
                let head = a.status.map_or(0, |c| (c / 100).min(7));
                let (x1, x2) = (x(a.from), x(a.to));
                let dash = if a.retransmission || a.duplicate {
                    r#" stroke-dasharray="5,4""#
                } else {
                    ""
                };
                let label = arrow_label(a);
                let _ = writeln!(
                    s,
                    r##"<g class="msg" data-frame="{}"><title>frame {}, {}</title><text x="12" y="{:.1}" fill="#374151">{:.4}</text><text x="80" y="{:.1}" font-size="10" fill="#9ca3af">{}</text>"##,
                    a.frame,
                    a.frame,
                    voipscope_wire::timefmt::iso8601(a.time_ns),
                    ry + 4.0,
                    a.time_s,
                    ry + 4.0,
                    a.frame
                );
                if x1 == x2 {
                    let _ = writeln!(
                        s,
                        r#"<path d="M{x1:.1},{:.1} h40 v10 h-40" fill="none" stroke="{color}" stroke-width="1.5"{dash} marker-end="url(#head{head})"/>"#,
                        ry - 5.0
                    );
                } else {
                    let _ = writeln!(
                        s,
                        r#"<line x1="{x1:.1}" y1="{ry:.1}" x2="{x2:.1}" y2="{ry:.1}" stroke="{color}" stroke-width="1.5"{dash} marker-end="url(#head{head})"/>"#
                    );
                }
                let mid = (x1 + x2) / 2.0 + if x1 == x2 { 50.0 } else { 0.0 };
                let _ = writeln!(
                    s,
                    r#"<text x="{mid:.1}" y="{:.1}" text-anchor="middle" fill="{color}" font-weight="bold">{}</text>"#,
                    ry - 5.0,
                    escape(&label)
                );
                if let Some(sdp) = &a.sdp {
                    let _ = writeln!(
                        s,
                        r##"<text x="{mid:.1}" y="{:.1}" text-anchor="middle" font-size="10" fill="#6b7280">{}</text>"##,
                        ry + 13.0,
                        escape(&shorten(sdp, 60))
                    );
                }
                s.push_str("</g>\n");
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
                let mid = (x(*from) + x(*to)) / 2.0;
                let _ = writeln!(
                    s,
                    r##"<text x="{mid:.1}" y="{ry:.1}" text-anchor="middle" font-style="italic" fill="#6b7280">{}</text>"##,
                    escape(&collapsed_text(
                        *count,
                        label,
                        *first_frame,
                        *last_frame,
                        *until_s
                    ))
                );
            }
        }
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_text() {
        assert_eq!(
            escape("<script>alert('x')</script>&\u{1}"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;?"
        );
    }

    fn ladder(label: &str, title: &str) -> Ladder {
        let p = |a: &str, addr: &str| super::super::Participant {
            alias: a.into(),
            address: addr.into(),
            socket: addr.parse().unwrap(),
            software: None,
        };
        Ladder {
            title: title.into(),
            subtitle: "s".into(),
            participants: vec![p("A", "10.0.0.1:5060"), p("B", "10.0.0.2:5060")],
            rows: vec![Row::Message(super::super::Arrow {
                from: 1,
                to: 0,
                frame: 3,
                time_s: 0.1,
                time_ns: 0,
                label: label.into(),
                status: Some(407),
                sdp: None,
                retransmission: true,
                duplicate: false,
            })],
        }
    }

    fn width(svg: &str) -> f64 {
        let w = svg.split("width=\"").nth(1).unwrap();
        w[..w.find('"').unwrap()].parse().unwrap()
    }

    #[test]
    fn the_document_is_as_wide_as_its_labels() {
        let short = render(&ladder("ACK", "t"));
        assert_eq!(width(&short), 540.0, "two lanes at the least width");
        let long = render(&ladder("407 Proxy Authentication Required", "t"));
        let label = "407 Proxy Authentication Required (retransmission)";
        assert!(long.contains(&format!(">{label}</text>")), "{long}");
        // the lane holds the label between the two lifelines
        assert!(
            lane_width(&ladder("407 Proxy Authentication Required", "t"))
                >= text_width(label.chars().count(), 12.0),
        );
        let title =
            "Call 1: a-very-long-user-name-at-a-long-domain → another-long-user, rejected (407)";
        let titled = render(&ladder("ACK", title));
        assert!(
            width(&titled) >= text_width(title.chars().count(), 15.0),
            "{}",
            width(&titled)
        );
    }
}
