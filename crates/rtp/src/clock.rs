//! Clock rates of RTP payload types: Wireshark's tables (so the `wireshark` figures use the
//! same rate it does), and an estimate from the stream itself when nothing names the type.

/// Wireshark's `get_clock_rate` for static payload types (RFC 3551 tables 4 and 5); 0 where
/// it has none.
pub fn wireshark_static(pt: u8) -> u32 {
    const RATES: [u32; 35] = [
        8000, 8000, 8000, 8000, 8000, 8000, 16000, 8000, 8000, 8000, // 0-9
        44100, 44100, 8000, 8000, 90000, 8000, 11025, 22050, 8000, 8000, // 10-19
        0, 0, 0, 0, 0, 90000, 90000, 0, 90000, 0, // 20-29
        0, 90000, 90000, 90000, 90000, // 30-34
    ];
    RATES.get(usize::from(pt)).copied().unwrap_or(0)
}

/// Wireshark's `get_dyn_pt_clock_rate`: the rate for an encoding name without a rate in its
/// rtpmap, matched by prefix, longest entries last.
pub fn wireshark_dynamic(name: &str) -> u32 {
    const TABLE: &[(&str, u32)] = &[
        ("AMR", 8000),
        ("AMR-WB", 16000),
        ("BV16", 8000),
        ("BV32", 16000),
        ("DV", 90000),
        ("EVRC", 8000),
        ("EVRCWB", 16000),
        ("EVS", 16000),
        ("G7221", 16000),
        ("G726-16", 8000),
        ("G726-24", 8000),
        ("G726-32", 8000),
        ("G726-40", 8000),
        ("G729D", 8000),
        ("G729E", 8000),
        ("GSM-EFR", 8000),
        ("H263-1998", 90000),
        ("H263-2000", 90000),
        ("H264", 90000),
        ("MP4V-ES", 90000),
        ("opus", 48000),
        ("raw", 90000),
        ("red", 1000),
        ("t140", 1000),
        ("telephone-event", 8000),
    ];
    TABLE
        .iter()
        .rev()
        .find(|(n, _)| {
            name.len() >= n.len() && name.as_bytes()[..n.len()].eq_ignore_ascii_case(n.as_bytes())
        })
        .map_or(0, |(_, r)| *r)
}

/// Rates a stream's clock is snapped to when estimated.
const COMMON_RATES: [u32; 9] = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 48000, 90000];

/// Estimates a clock rate from (arrival ns, extended timestamp) of consecutive packets: the
/// median of timestamp units per second, snapped to the nearest common rate.
pub fn estimate(samples: &[(i64, i64)]) -> Option<u32> {
    let mut rates: Vec<f64> = samples
        .windows(2)
        .filter_map(|w| {
            let dt = (w[1].0 - w[0].0) as f64 / 1e9;
            let dts = (w[1].1 - w[0].1) as f64;
            (dt > 0.002 && dts > 0.0).then(|| dts / dt)
        })
        .collect();
    if rates.len() < 3 {
        return None;
    }
    rates.sort_by(f64::total_cmp);
    let median = rates[rates.len() / 2];
    COMMON_RATES
        .iter()
        .copied()
        .min_by(|a, b| {
            let da = (f64::from(*a) / median).ln().abs();
            let db = (f64::from(*b) / median).ln().abs();
            da.total_cmp(&db)
        })
        .filter(|r| (f64::from(*r) / median).ln().abs() < 0.25)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables() {
        assert_eq!(wireshark_static(0), 8000);
        assert_eq!(wireshark_static(9), 8000);
        assert_eq!(wireshark_static(20), 0);
        assert_eq!(wireshark_static(100), 0);
        assert_eq!(wireshark_dynamic("opus"), 48000);
        assert_eq!(wireshark_dynamic("AMR-WB"), 16000);
        assert_eq!(wireshark_dynamic("AMR"), 8000);
        assert_eq!(wireshark_dynamic("speex"), 0);
    }

    #[test]
    fn estimates_opus_clock() {
        let s: Vec<(i64, i64)> = (0..20)
            .map(|i| (i * 20_000_000 + (i % 3) * 300_000, i * 960))
            .collect();
        assert_eq!(estimate(&s), Some(48000));
    }
}
