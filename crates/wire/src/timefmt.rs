//! Capture timestamps (nanoseconds since the Unix epoch) as text: ISO 8601 UTC, and seconds
//! from the capture's first frame (the `*_s` times of every output).

/// Days since 1970-01-01 to a civil date (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `2009-03-11T14:23:45.123456789Z`.
pub fn iso8601(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let frac = ns.rem_euclid(1_000_000_000);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    if !(0..=9999).contains(&y) {
        return format!(
            "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{frac:09}Z",
            sod / 3600,
            sod / 60 % 60,
            sod % 60
        );
    }
    // digit by digit: core::fmt took 1% of a busy capture's time (one per call)
    let mut text = *b"0000-00-00T00:00:00.000000000Z";
    let mut put = |at: usize, width: usize, mut v: u64| {
        for digit in text[at..at + width].iter_mut().rev() {
            *digit = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, 4, y as u64);
    put(5, 2, u64::from(mo));
    put(8, 2, u64::from(d));
    put(11, 2, (sod / 3600) as u64);
    put(14, 2, (sod / 60 % 60) as u64);
    put(17, 2, (sod % 60) as u64);
    put(20, 9, frac as u64);
    text.iter().map(|&b| char::from(b)).collect()
}

/// Where the relative times of an output count from: the capture's first frame. Records hold
/// absolute nanoseconds; views turn them into seconds with this.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimeBase {
    pub base_ns: i64,
}

impl TimeBase {
    pub fn new(base_ns: i64) -> TimeBase {
        TimeBase { base_ns }
    }

    /// Microseconds from the base, truncated (so outputs stay stable across platforms).
    pub fn us(self, ts_ns: i64) -> i64 {
        ts_ns.saturating_sub(self.base_ns) / 1_000
    }

    /// Seconds from the base, rounded to the microsecond.
    pub fn s(self, ts_ns: i64) -> f64 {
        self.us(ts_ns) as f64 / 1e6
    }
}

/// A duration in nanoseconds as milliseconds, truncated to the microsecond.
pub fn ms(duration_ns: i64) -> f64 {
    (duration_ns / 1_000) as f64 / 1e3
}

/// A duration in nanoseconds as seconds, truncated to the microsecond.
pub fn secs(duration_ns: i64) -> f64 {
    (duration_ns / 1_000) as f64 / 1e6
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_instants() {
        assert_eq!(super::iso8601(0), "1970-01-01T00:00:00.000000000Z");
        assert_eq!(
            super::iso8601(1_236_781_425_123_456_000),
            "2009-03-11T14:23:45.123456000Z"
        );
        assert_eq!(super::iso8601(-1), "1969-12-31T23:59:59.999999999Z");
        // outside the years of four digits, as core::fmt writes them
        assert_eq!(super::iso8601(i64::MAX), "2262-04-11T23:47:16.854775807Z");
        assert_eq!(super::iso8601(i64::MIN), "1677-09-21T00:12:43.145224192Z");
    }

    /// The hand-written digits equal core::fmt's on instants all over the range.
    #[test]
    fn digits_equal_core_fmt() {
        let mut ns: i64 = -3_000_000_000_000_000_000;
        while ns < 3_000_000_000_000_000_000 {
            let secs = ns.div_euclid(1_000_000_000);
            let frac = ns.rem_euclid(1_000_000_000);
            let (y, mo, d) = super::civil_from_days(secs.div_euclid(86_400));
            let sod = secs.rem_euclid(86_400);
            let expected = format!(
                "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{frac:09}Z",
                sod / 3600,
                sod / 60 % 60,
                sod % 60
            );
            assert_eq!(super::iso8601(ns), expected);
            ns += 7_777_777_777_777_777;
        }
    }
}
