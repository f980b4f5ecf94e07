//! Quality estimate: a simplified E-model (ITU-T G.107 (06/2015) section 7) from what a
//! capture shows. Only the packet-loss impairment is computed from the stream; delay is not
//! known from one capture point, so Id = 0 and the output says so.
//!
//! Effective loss Ppl counts lost packets and packets a fixed jitter buffer would have
//! dropped as too late (their transit difference D above the buffer depth).

use serde::Serialize;

/// Default depth of the simulated fixed jitter buffer.
pub const DEFAULT_JITTER_BUFFER_MS: f64 = 60.0;
/// G.107 7.1: the basic signal-to-noise ratio R0 minus Is at default values (93.2).
pub const R_DEFAULT: f64 = 93.2;

/// Equipment impairment Ie and packet-loss robustness Bpl of a codec (ITU-T G.113 (11/2007)
/// Appendix I, Tables I.1 and I.3).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CodecConstants {
    pub ie: f64,
    pub bpl: f64,
    /// Which row of G.113 the constants come from.
    pub source: &'static str,
}

/// The constants for a codec name (as in `a=rtpmap` or the static payload table).
pub fn constants(codec: &str) -> CodecConstants {
    use voipscope_wire::text::starts_with_ignore_ascii_case as starts;
    if starts(codec, "G729") {
        CodecConstants {
            ie: 11.0,
            bpl: 19.0,
            source: "G.113 Table I.3: G.729A with VAD",
        }
    } else if starts(codec, "G723") {
        CodecConstants {
            ie: 15.0,
            bpl: 16.1,
            source: "G.113 Table I.3: G.723.1 6.3 kbit/s with VAD",
        }
    } else if codec.eq_ignore_ascii_case("PCMU") || codec.eq_ignore_ascii_case("PCMA") {
        CodecConstants {
            ie: 0.0,
            bpl: 25.1,
            source: "G.113 Table I.3: G.711 with PLC",
        }
    } else {
        CodecConstants {
            ie: 0.0,
            bpl: 25.1,
            source: "no G.113 values for this codec: G.711 with PLC used",
        }
    }
}

/// The quality estimate of a stream.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Quality {
    pub jitter_buffer_ms: f64,
    /// Packets the buffer would have dropped as late.
    pub late: u64,
    /// Effective packet loss in percent (lost + late).
    pub effective_loss_pct: f64,
    pub burst_ratio: f64,
    pub ie_eff: f64,
    /// One-way delay impairment; 0 because a single capture point does not show the delay.
    pub id: f64,
    pub r_factor: f64,
    pub mos: f64,
    pub constants: CodecConstants,
}

/// G.107 formula (B-4) and (7-27): MOS from R.
pub fn mos_from_r(r: f64) -> f64 {
    if r < 0.0 {
        1.0
    } else if r > 100.0 {
        4.5
    } else {
        1.0 + 0.035 * r + r * (r - 60.0) * (100.0 - r) * 7e-6
    }
}

/// `expected` packets, `lost` of them missing in `bursts` runs, `late` beyond the buffer.
pub fn estimate(
    codec: &str,
    expected: u64,
    lost: u64,
    bursts: u64,
    late: u64,
    jitter_buffer_ms: f64,
) -> Quality {
    let k = constants(codec);
    let ppl = if expected > 0 {
        ((lost + late) as f64 * 100.0 / expected as f64).min(100.0)
    } else {
        0.0
    };
    // BurstR (G.107 7.2, eq. 7-30 for random loss = 1): mean observed burst length over the
    // mean length random loss would give, 1 / (1 - p).
    let burst_ratio = if bursts > 0 {
        ((lost as f64 / bursts as f64) * (1.0 - ppl / 100.0)).max(1.0)
    } else {
        1.0
    };
    // G.107 eq. 7-29
    let ie_eff = k.ie + (95.0 - k.ie) * ppl / (ppl / burst_ratio + k.bpl);
    let id = 0.0;
    let r = R_DEFAULT - id - ie_eff;
    Quality {
        jitter_buffer_ms,
        late,
        effective_loss_pct: ppl,
        burst_ratio,
        ie_eff,
        id,
        r_factor: r,
        mos: mos_from_r(r),
        constants: k,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_g711_is_4_4() {
        let q = estimate("PCMU", 1000, 0, 0, 0, 60.0);
        assert!((q.r_factor - 93.2).abs() < 1e-9);
        assert!((q.mos - 4.41).abs() < 0.01, "{}", q.mos);
    }

    #[test]
    fn loss_lowers_mos_and_bursts_lower_it_more() {
        let random = estimate("PCMU", 1000, 50, 50, 0, 60.0);
        let bursty = estimate("PCMU", 1000, 50, 5, 0, 60.0);
        assert!(random.mos < 4.3);
        assert!(bursty.mos < random.mos);
        assert!(estimate("G729", 1000, 0, 0, 0, 60.0).mos < 4.2);
    }
}
