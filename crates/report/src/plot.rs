//! Plots of the report, drawn with plotters as SVG: per stream, delta and jitter over time with
//! loss events marked; for the capture, a quality overview of every stream (MOS, loss, jitter).
//!
//! Labels that come from the capture (addresses, codec names) are escaped by plotters' SVG
//! backend; titles are built from our own numbers and those labels only.
//!
//! Text is measured (and, in PNGs, drawn) with DejaVu Sans compiled into the binary
//! (`assets/fonts`, Bitstream Vera license), never a system font, so a plot looks the same on
//! every machine.

use plotters::prelude::*;
use voipscope_wire::timefmt::TimeBase;

use voipscope_rtp::series::Series;
use voipscope_rtp::RtpStream;

static FONT: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");

fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // the font is compiled in and known to parse; a failure would only lose the labels
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

const WIDTH: u32 = 900;
const STREAM_HEIGHT: u32 = 420;

const DELTA_COLOR: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
const JITTER_COLOR: RGBColor = RGBColor(0xd6, 0x27, 0x28);
const LOSS_COLOR: RGBColor = RGBColor(0x9c, 0x27, 0xb0);

fn upper(values: impl Iterator<Item = f32>) -> f32 {
    let m = values.fold(0.0f32, |a, b| if b.is_finite() { a.max(b) } else { a });
    if m <= 0.0 {
        1.0
    } else {
        m * 1.1
    }
}

/// Delta (time since the previous packet) and jitter of one stream over time, in two panels
/// sharing the time axis; a mark on the time axis for each point where packets went missing.
/// `base`: the capture's time base.
pub fn stream_svg(s: &RtpStream, base: TimeBase) -> String {
    series_svg(
        &stream_title(s),
        &s.series,
        base.s(s.start_ns) as f32,
        base.s(s.end_ns) as f32,
    )
}

/// The plot of [`stream_svg`] from its parts.
pub fn series_svg(title: &str, series: &Series, start: f32, end: f32) -> String {
    register_font();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, STREAM_HEIGHT)).into_drawing_area();
        if draw_stream(&root, title, series, start, end).is_err() {
            // plotters only fails on backend errors, which a String backend does not have
            let _ = root.present();
        }
    }
    out
}

fn draw_stream<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    title: &str,
    series: &Series,
    start: f32,
    end: f32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let points = &series.points;
    let (top, bottom) = root.split_vertically(STREAM_HEIGHT / 2 + 10);
    // the series counts from the capture's first RTP packet; the plot, as every other view,
    // from the capture's first frame: `start` is the stream's first packet on that clock
    let shift = start - points.first().map_or(0.0, |p| p.t);
    let t0 = start;
    let t1 = points.last().map_or(end, |p| p.t + shift).max(t0 + 0.001);
    let per_point = series.packets_per_point.max(1);
    let note = if per_point > 1 {
        format!(" (max of {per_point} packets per point)")
    } else {
        String::new()
    };

    let delta_max = upper(points.iter().map(|p| p.delta_ms));
    let mut chart = ChartBuilder::on(&top)
        .caption(title, ("sans-serif", 16))
        .margin(8)
        .x_label_area_size(24)
        .y_label_area_size(56)
        .build_cartesian_2d(t0..t1, 0f32..delta_max)?;
    chart
        .configure_mesh()
        .y_desc(format!("delta ms{note}"))
        .x_labels(10)
        .y_labels(6)
        .draw()?;
    chart.draw_series(LineSeries::new(
        points.iter().map(|p| (p.t + shift, p.delta_ms)),
        DELTA_COLOR.stroke_width(1),
    ))?;
    chart.draw_series(
        points
            .iter()
            .filter(|p| p.lost > 0)
            .map(|p| TriangleMarker::new((p.t + shift, delta_max * 0.95), 5, LOSS_COLOR.filled())),
    )?;

    let jitter_max = upper(points.iter().map(|p| p.jitter_ms));
    let mut chart = ChartBuilder::on(&bottom)
        .margin(8)
        .x_label_area_size(30)
        .y_label_area_size(56)
        .build_cartesian_2d(t0..t1, 0f32..jitter_max)?;
    chart
        .configure_mesh()
        .x_desc(
            "seconds from the capture's first frame, as in the ladder (triangles: packets lost)",
        )
        .y_desc("jitter ms")
        .x_labels(10)
        .y_labels(6)
        .draw()?;
    chart.draw_series(LineSeries::new(
        points.iter().map(|p| (p.t + shift, p.jitter_ms)),
        JITTER_COLOR.stroke_width(1),
    ))?;
    root.present()?;
    Ok(())
}

fn stream_title(s: &RtpStream) -> String {
    format!(
        "Stream {}: {} -> {} SSRC {} {}",
        s.number,
        s.src,
        s.dst,
        crate::json::ssrc(s.ssrc),
        s.codec.as_deref().unwrap_or("")
    )
}

/// [`stream_svg`] as a PNG file.
pub fn stream_png(s: &RtpStream, base: TimeBase, path: &std::path::Path) -> std::io::Result<()> {
    register_font();
    let root = BitMapBackend::new(path, (WIDTH, STREAM_HEIGHT)).into_drawing_area();
    draw_stream(
        &root,
        &stream_title(s),
        &s.series,
        base.s(s.start_ns) as f32,
        base.s(s.end_ns) as f32,
    )
    .map_err(|e| std::io::Error::other(format!("{}: {e:?}", path.display())))
}

/// What the quality overview shows of a stream.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamQuality {
    pub number: usize,
    pub call_number: Option<usize>,
    pub mos: Option<f64>,
    pub lost_pct: f64,
    pub max_jitter_ms: f64,
}

impl StreamQuality {
    pub fn of(s: &RtpStream) -> StreamQuality {
        StreamQuality {
            number: s.number,
            call_number: s.call_number,
            mos: s.quality.as_ref().map(|q| q.mos),
            lost_pct: s.rfc3550.lost_pct,
            max_jitter_ms: s.wireshark.max_jitter_ms,
        }
    }

    /// Whether the stream carries no audio, only RFC 4733 events (DTMF): its loss and jitter
    /// say nothing of how the call sounded.
    pub fn events_only(s: &RtpStream) -> bool {
        s.codec.is_none() && s.event_packets > 0
    }
}

const GOOD: RGBColor = RGBColor(0x2c, 0xa0, 0x2c);
const FAIR: RGBColor = RGBColor(0xf0, 0xad, 0x4e);
const BAD: RGBColor = RGBColor(0xd9, 0x53, 0x4f);

/// A bar's color by the thresholds the findings use: MOS under 3.6 and loss of 1 % or more
/// are judged (`media-quality`); jitter is colored by how much a 60 ms buffer would absorb.
fn mos_color(v: f32) -> RGBColor {
    match v {
        v if v >= 4.0 => GOOD,
        v if v >= 3.6 => FAIR,
        _ => BAD,
    }
}

fn loss_color(v: f32) -> RGBColor {
    match v {
        v if v < 1.0 => GOOD,
        v if v < 5.0 => FAIR,
        _ => BAD,
    }
}

fn jitter_color(v: f32) -> RGBColor {
    match v {
        v if v < 30.0 => GOOD,
        v if v < 60.0 => FAIR,
        _ => BAD,
    }
}

/// [`quality_overview_svg`] as a PNG file.
pub fn quality_overview_png(
    streams: &[StreamQuality],
    path: &std::path::Path,
) -> std::io::Result<()> {
    register_font();
    let root = BitMapBackend::new(path, (WIDTH, OVERVIEW_HEIGHT)).into_drawing_area();
    draw_overview(&root, streams)
        .map_err(|e| std::io::Error::other(format!("{}: {e:?}", path.display())))
}

const OVERVIEW_HEIGHT: u32 = 140 + 3 * 150;

/// MOS, loss and maximum jitter of every stream, one bar group per stream, so the worst stand
/// out at a glance.
pub fn quality_overview_svg(streams: &[StreamQuality]) -> String {
    register_font();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, OVERVIEW_HEIGHT)).into_drawing_area();
        if draw_overview(&root, streams).is_err() {
            let _ = root.present();
        }
    }
    out
}

fn draw_overview<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    streams: &[StreamQuality],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let root = root.titled(
        &format!(
            "Quality of {}",
            crate::text::counted(streams.len() as u64, "stream", "streams")
        ),
        ("sans-serif", 18),
    )?;
    let panels = root.split_evenly((3, 1));
    let n = streams.len().max(1) as u32;
    let mos: Vec<f32> = streams
        .iter()
        .map(|s| s.mos.map_or(0.0, |m| m as f32))
        .collect();
    let loss: Vec<f32> = streams.iter().map(|s| s.lost_pct as f32).collect();
    let jitter: Vec<f32> = streams.iter().map(|s| s.max_jitter_ms as f32).collect();
    let labels: Vec<String> = streams
        .iter()
        .map(|s| match s.call_number {
            Some(c) => format!("{} (c{c})", s.number),
            None => format!("{}", s.number),
        })
        .collect();
    type Color = fn(f32) -> RGBColor;
    let specs: [(&str, &Vec<f32>, f32, Color); 3] = [
        ("MOS (E-model)", &mos, 5.0, mos_color),
        ("lost %", &loss, upper(loss.iter().copied()), loss_color),
        (
            "max jitter ms",
            &jitter,
            // at least 60 ms tall, so small jitter looks small
            upper(jitter.iter().copied()).max(60.0),
            jitter_color,
        ),
    ];
    for (area, (label, values, top, color)) in panels.iter().zip(specs) {
        // plain rectangles, not plotters' Histogram: that one groups values in a HashMap and
        // draws them in a different order on every run, and reports must be byte-identical
        let mut chart = ChartBuilder::on(area)
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(56)
            .build_cartesian_2d(0.5f32..n as f32 + 0.5, 0f32..top)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc("stream (call)")
            .y_desc(label)
            .x_labels((n as usize).min(30))
            .x_label_formatter(&|x| {
                // bars sit at positions 1, 2, ...; each is labelled with its stream's number
                let at = x.round() as usize;
                if (x - x.round()).abs() < 1e-3 && *x >= 1.0 && at <= labels.len() {
                    labels[at - 1].clone()
                } else {
                    String::new()
                }
            })
            .draw()?;
        chart.draw_series(values.iter().enumerate().map(|(i, v)| {
            let x = i as f32 + 1.0;
            Rectangle::new([(x - 0.4, 0.0), (x + 0.4, *v)], color(*v).filled())
        }))?;
        if label == "lost %" && values.iter().all(|v| *v <= 0.0) {
            // an empty chart reads as missing data; say that nothing was lost
            chart.draw_series(std::iter::once(Text::new(
                "no packet lost",
                (n as f32 / 2.0 + 0.5, top / 2.0),
                ("sans-serif", 16).into_font().color(&GOOD),
            )))?;
        }
    }
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use voipscope_rtp::series::Point;

    #[test]
    fn stream_plot_is_svg_and_marks_losses() {
        let mut series = Series::default();
        for i in 0..50 {
            series.points.push(Point {
                t: i as f32 * 0.02,
                delta_ms: 20.0,
                jitter_ms: 0.5,
                diff_ms: 0.0,
                lost: u32::from(i == 25),
            });
        }
        let svg = series_svg("Stream 1: 10.0.0.1:4000 -> <script>", &series, 0.0, 1.0);
        assert!(svg.starts_with("<svg"), "{}", &svg[..80.min(svg.len())]);
        assert!(svg.contains("<polyline") || svg.contains("<path"));
        assert!(!svg.contains("<script>"), "capture text must be escaped");
    }

    #[test]
    fn png_plot_is_a_png() {
        let mut series = Series::default();
        for i in 0..20 {
            series.points.push(Point {
                t: i as f32 * 0.02,
                delta_ms: 20.0,
                jitter_ms: 0.5,
                diff_ms: 0.0,
                lost: 0,
            });
        }
        let path = std::env::temp_dir().join(format!("voipscope-plot-{}.png", std::process::id()));
        register_font();
        let root = BitMapBackend::new(&path, (WIDTH, STREAM_HEIGHT)).into_drawing_area();
        draw_stream(&root, "Stream 1", &series, 0.0, 0.4).unwrap();
        drop(root);
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
        let _ = std::fs::remove_file(&path);
    }
}
