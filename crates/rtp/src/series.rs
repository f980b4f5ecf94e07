//! Per-stream time series for plots in bounded memory: every packet is kept up to
//! [`SERIES_POINTS`]; beyond that neighbouring points are merged pairwise, keeping the
//! maximum of each value, so peaks survive and memory stays fixed.

use serde::Serialize;

/// Points kept per stream.
pub const SERIES_POINTS: usize = 256;

#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Point {
    /// Seconds from the capture start.
    pub t: f32,
    pub delta_ms: f32,
    pub jitter_ms: f32,
    /// Transit difference D (ms) against the previous in-order packet.
    pub diff_ms: f32,
    /// Packets missing before this one (sequence gap).
    pub lost: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Series {
    /// Packets per point (1 until the cap is reached, then 2, 4, ...).
    pub packets_per_point: u32,
    pub points: Vec<Point>,
    #[serde(skip)]
    pending: Option<(Point, u32)>,
    /// Nothing is kept: the analysis draws no plot.
    #[serde(skip)]
    off: bool,
}

impl Series {
    /// A series that keeps nothing, for analyses that draw no plot.
    pub fn off() -> Series {
        Series {
            off: true,
            ..Series::default()
        }
    }

    pub fn push(&mut self, p: Point) {
        if self.off {
            return;
        }
        if self.packets_per_point == 0 {
            self.packets_per_point = 1;
        }
        let merged = match self.pending.take() {
            None => (p, 1),
            Some((a, n)) => (max_point(a, p), n + 1),
        };
        if merged.1 < self.packets_per_point {
            self.pending = Some(merged);
            return;
        }
        // Short streams keep short vectors (grown by doubling); at the cap the points are
        // merged in place, so a long stream never allocates again.
        self.points.push(merged.0);
        if self.points.len() >= SERIES_POINTS {
            let half = self.points.len() / 2;
            for i in 0..half {
                self.points[i] = max_point(self.points[2 * i], self.points[2 * i + 1]);
            }
            self.points.truncate(half);
            self.packets_per_point *= 2;
        }
    }

    /// Asks the CPU to fetch the slot the next point will be written to.
    pub fn prefetch_next(&self) {
        if self.off {
            return;
        }
        // the free capacity is not a value to borrow; its first slot's address is the hint
        let next = self.points.as_ptr().wrapping_add(self.points.len());
        voipscope_wire::prefetch::address(next.cast::<u8>());
    }

    pub fn finish(&mut self) {
        if let Some((p, _)) = self.pending.take() {
            self.points.push(p);
        }
    }
}

fn max_point(a: Point, b: Point) -> Point {
    Point {
        t: a.t,
        delta_ms: a.delta_ms.max(b.delta_ms),
        jitter_ms: a.jitter_ms.max(b.jitter_ms),
        diff_ms: a.diff_ms.max(b.diff_ms),
        lost: a.lost + b.lost,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_bounded_and_keeps_the_peak() {
        let mut s = Series::default();
        for i in 0..100_000u32 {
            let jitter = if i == 77_777 { 500.0 } else { 1.0 };
            s.push(Point {
                t: i as f32,
                jitter_ms: jitter,
                ..Default::default()
            });
        }
        s.finish();
        assert!(s.points.len() <= SERIES_POINTS);
        assert!(s.points.iter().any(|p| p.jitter_ms == 500.0));
    }

    #[test]
    fn off_keeps_nothing() {
        let mut s = Series::off();
        s.push(Point::default());
        s.finish();
        assert!(s.points.is_empty());
    }
}
