//! RFC 4733 telephone-event packets to digits: an event is the run of packets with one RTP
//! timestamp; its duration is the largest duration field seen (end packets are sent three
//! times and must not count as three digits).

const EVENT_NAMES: &[u8; 16] = b"0123456789*#ABCD";

/// One key press.
#[derive(Clone, Debug, PartialEq)]
pub struct DtmfEvent {
    /// `0`-`9`, `*`, `#`, `A`-`D`, or `event N` for other events (flash, tones).
    pub digit: String,
    pub frame: u64,
    /// The event's first packet.
    pub ts_ns: i64,
    pub duration_ms: f64,
    pub volume_dbm0: i8,
    /// An end packet was seen.
    pub ended: bool,
}

/// Reads a telephone-event payload: (event, end, volume, duration).
pub fn read_payload(p: &[u8]) -> Option<(u8, bool, u8, u16)> {
    if p.len() < 4 {
        return None;
    }
    Some((
        p[0],
        p[1] & 0x80 != 0,
        p[1] & 0x3F,
        u16::from_be_bytes([p[2], p[3]]),
    ))
}

/// Whether a payload looks like a telephone event (4 bytes, event code and volume in range,
/// the reserved bit clear): used when no SDP names the payload type.
pub fn looks_like_event(p: &[u8]) -> bool {
    p.len() == 4 && p[0] <= 16 && p[1] & 0x40 == 0
}

/// Collects the events of one stream.
#[derive(Clone, Debug, Default)]
pub struct DtmfCollector {
    events: Vec<DtmfEvent>,
    current_ts: Option<u32>,
    max_duration: u16,
}

/// Events kept per stream.
pub const MAX_EVENTS: usize = 1000;

impl DtmfCollector {
    pub fn push(&mut self, payload: &[u8], timestamp: u32, frame: u64, ts_ns: i64, clock: u32) {
        let Some((event, end, volume, duration)) = read_payload(payload) else {
            return;
        };
        let clock = if clock == 0 { 8000 } else { clock };
        if self.current_ts != Some(timestamp) {
            if self.events.len() >= MAX_EVENTS {
                return;
            }
            self.current_ts = Some(timestamp);
            self.max_duration = 0;
            let digit = EVENT_NAMES
                .get(usize::from(event))
                .map_or_else(|| format!("event {event}"), |c| char::from(*c).to_string());
            self.events.push(DtmfEvent {
                digit,
                frame,
                ts_ns,
                duration_ms: 0.0,
                volume_dbm0: -(volume as i8),
                ended: false,
            });
        }
        if let Some(e) = self.events.last_mut() {
            self.max_duration = self.max_duration.max(duration);
            e.duration_ms = f64::from(self.max_duration) * 1000.0 / f64::from(clock);
            e.ended |= end;
        }
    }

    pub fn into_events(self) -> Vec<DtmfEvent> {
        self.events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_packets_sent_three_times_make_one_digit() {
        let mut c = DtmfCollector::default();
        c.push(&[5, 10, 0, 160], 1000, 1, 0, 8000);
        c.push(&[5, 10, 1, 64], 1000, 2, 20_000_000, 8000);
        for f in 3..6 {
            c.push(&[5, 0x80 | 10, 3, 32], 1000, f, 100_000_000, 8000);
        }
        c.push(&[11, 0x80 | 10, 1, 64], 5000, 7, 1_000_000_000, 8000);
        let e = c.into_events();
        assert_eq!(e.len(), 2);
        assert_eq!(
            (e[0].digit.as_str(), e[0].duration_ms, e[0].ended),
            ("5", 100.0, true)
        );
        assert_eq!(e[1].digit, "#");
    }
}
