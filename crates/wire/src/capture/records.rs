//! Reading the records of one chunk into frames: timestamp in nanoseconds, link type, data.
//!
//! Record boundaries were validated by the scanner; this reads contents only, so a record whose
//! inside is inconsistent becomes an anomaly on that frame and reading goes on with the next.

use super::scan::{probe, resync, Probe};
use super::{u16_at, u32_at, FormatState, MAX_PCAPNG_BLOCK};
use crate::anomaly::{Anomaly, AnomalyKind, Detail};
use crate::numbers::LinkType;

/// One captured frame.
#[derive(Clone, Copy, Debug)]
pub struct RawFrame<'a> {
    /// 1-based, as in Wireshark.
    pub number: u64,
    /// Capture timestamp, nanoseconds since the Unix epoch.
    pub ts_ns: i64,
    pub link: LinkType,
    /// Length of the packet on the wire (may exceed `data.len()` when cut by the snap length).
    pub orig_len: u32,
    pub data: &'a [u8],
}

/// Walks records from `start`, validating each header as it goes (re-synchronising after
/// damage), and yields the frames of records that start before `stop_at`.
pub struct RecordIter<'a> {
    buf: &'a [u8],
    pos: usize,
    stop_at: usize,
    /// The buffer ends where the input ends: a record cut short there is a truncated tail.
    at_eof: bool,
    state: FormatState,
    next_frame: u64,
    pub anomalies: Vec<Anomaly>,
    /// A packet block took its time from an earlier packet this walk never saw.
    pub inherited_time: bool,
    /// Bytes before this have been asked of the cache (see [`READ_AHEAD`]).
    fetched_to: usize,
}

/// How far ahead of the walk the input is fetched into the cache. Each record's length is in
/// its header, so the walk reads one header after another, and the CPU's own prefetcher stops
/// at every 4 KiB page: the first read of each record waited on memory (a fifth of a one-thread
/// run, perf). Fetching a few pages ahead keeps the walk and the decoding after it in cache.
const READ_AHEAD: usize = 8192;

const NS: i64 = 1_000_000_000;
/// `last_ts_ns` of a walk that starts without knowing the previous packet's time.
pub const UNKNOWN_TIME: i64 = i64::MIN;

fn scaled_ns(units: u64, units_per_sec: u64, offset_s: i64) -> i64 {
    let secs = (units / units_per_sec) as i128;
    let frac = (units % units_per_sec) as i128 * NS as i128 / units_per_sec as i128;
    let ns = (secs + offset_s as i128) * NS as i128 + frac;
    ns.clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

impl<'a> RecordIter<'a> {
    /// Frames are numbered from `first_frame`.
    pub fn new(
        buf: &'a [u8],
        start: usize,
        stop_at: usize,
        at_eof: bool,
        state: FormatState,
        first_frame: u64,
    ) -> Self {
        RecordIter {
            buf,
            pos: start,
            stop_at,
            at_eof,
            state,
            next_frame: first_frame,
            anomalies: Vec::new(),
            inherited_time: false,
            fetched_to: start,
        }
    }

    fn fetch_ahead(&mut self) {
        let until = self
            .pos
            .saturating_add(READ_AHEAD)
            .min(self.stop_at)
            .min(self.buf.len());
        while self.fetched_to < until {
            crate::prefetch::address(self.buf.as_ptr().wrapping_add(self.fetched_to));
            self.fetched_to += 64;
        }
    }

    /// Where the walk stands: after the last record read (or the end of the buffer).
    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn state(&self) -> &FormatState {
        &self.state
    }

    pub fn next_frame(&self) -> u64 {
        self.next_frame
    }

    fn anomaly(&mut self, kind: AnomalyKind, frame: u64, detail: Detail) {
        self.anomalies.push(Anomaly::new(kind, frame, detail));
    }

    fn pcapng_frame(&mut self, record: &'a [u8], number: u64) -> RawFrame<'a> {
        let FormatState::PcapNg {
            big_endian,
            interfaces,
            last_ts_ns,
        } = &mut self.state
        else {
            unreachable!("pcapng_frame on pcap state")
        };
        let be = *big_endian;
        let kind = u32_at(record, 0, be).unwrap_or(0);
        let empty = RawFrame {
            number,
            ts_ns: *last_ts_ns,
            link: LinkType(u16::MAX),
            orig_len: 0,
            data: &[],
        };
        // Enhanced (6) and obsolete (2) packet blocks share a layout but for the interface id width.
        let (if_id, ts_high, ts_low, caplen, origlen, data_off) = match kind {
            6 => (
                u32_at(record, 8, be),
                u32_at(record, 12, be),
                u32_at(record, 16, be),
                u32_at(record, 20, be),
                u32_at(record, 24, be),
                28usize,
            ),
            2 => (
                u16_at(record, 8, be).map(u32::from),
                u32_at(record, 12, be),
                u32_at(record, 16, be),
                u32_at(record, 20, be),
                u32_at(record, 24, be),
                28usize,
            ),
            _ => {
                // Simple packet block: interface 0, no timestamp.
                let origlen = u32_at(record, 8, be).unwrap_or(0);
                let Some(iface) = interfaces.first() else {
                    self.anomalies.push(Anomaly::new(
                        AnomalyKind::BadInterface,
                        number,
                        Detail::SimpleBlockBeforeInterface,
                    ));
                    return empty;
                };
                let room = record.len().saturating_sub(16);
                let mut caplen = (origlen as usize).min(room);
                if iface.snaplen > 0 {
                    caplen = caplen.min(iface.snaplen as usize);
                }
                if *last_ts_ns == UNKNOWN_TIME {
                    self.inherited_time = true;
                }
                return RawFrame {
                    number,
                    ts_ns: *last_ts_ns,
                    link: iface.link,
                    orig_len: origlen,
                    data: record.get(12..12 + caplen).unwrap_or(&[]),
                };
            }
        };
        let (Some(if_id), Some(hi), Some(lo), Some(caplen), Some(origlen)) =
            (if_id, ts_high, ts_low, caplen, origlen)
        else {
            self.anomalies.push(Anomaly::new(
                AnomalyKind::DamagedRecord,
                number,
                Detail::PacketBlockTooShort,
            ));
            return empty;
        };
        let Some(data) = record.get(data_off..data_off + caplen as usize) else {
            self.anomalies.push(Anomaly::new(
                AnomalyKind::DamagedRecord,
                number,
                Detail::PacketBlockOverclaims {
                    caplen,
                    holds: record.len().saturating_sub(data_off + 4),
                },
            ));
            return empty;
        };
        let Some(iface) = interfaces.get(if_id as usize) else {
            self.anomalies.push(Anomaly::new(
                AnomalyKind::BadInterface,
                number,
                Detail::UnknownInterface { interface: if_id },
            ));
            return RawFrame { data, ..empty };
        };
        let units = (u64::from(hi) << 32) | u64::from(lo);
        let ts_ns = scaled_ns(units, iface.units_per_sec, iface.offset_s);
        *last_ts_ns = ts_ns;
        RawFrame {
            number,
            ts_ns,
            link: iface.link,
            orig_len: origlen,
            data,
        }
    }

    fn apply_block(&mut self, record: &[u8]) {
        let FormatState::PcapNg {
            big_endian,
            interfaces,
            ..
        } = &mut self.state
        else {
            return;
        };
        match u32_at(record, 0, *big_endian) {
            Some(0x0A0D_0D0A) => {
                *big_endian = matches!(record.get(8..12), Some([0x1a, 0x2b, 0x3c, 0x4d]));
                interfaces.clear();
            }
            Some(1) => interfaces.push(
                super::scan::parse_interface(record, *big_endian)
                    .unwrap_or(super::scan::UNKNOWN_INTERFACE),
            ),
            _ => {}
        }
    }
}

impl<'a> Iterator for RecordIter<'a> {
    type Item = RawFrame<'a>;

    fn next(&mut self) -> Option<RawFrame<'a>> {
        loop {
            if self.pos >= self.stop_at || self.pos >= self.buf.len() {
                return None;
            }
            self.fetch_ahead();
            match probe(&self.state, self.buf, self.pos) {
                Probe::Record { len, frame } => {
                    let record = &self.buf[self.pos..self.pos + len];
                    self.pos += len;
                    if !frame {
                        self.apply_block(record);
                        continue;
                    }
                    let number = self.next_frame;
                    self.next_frame += 1;
                    if let Some(f) = self.frame(record, number) {
                        return Some(f);
                    }
                }
                Probe::Incomplete { needed } => {
                    if self.at_eof {
                        self.anomalies.push(Anomaly::new(
                            AnomalyKind::TruncatedRecord,
                            self.next_frame,
                            Detail::EndsInsideRecord {
                                at: self.pos as u64,
                                needed,
                            },
                        ));
                        self.pos = self.buf.len();
                    }
                    return None;
                }
                Probe::Damaged(why) => match resync(&self.state, self.buf, self.pos) {
                    Some(next) => {
                        self.anomalies.push(Anomaly::new(
                            AnomalyKind::DamagedRecord,
                            self.next_frame,
                            Detail::DamagedSkipped {
                                damage: why,
                                at: self.pos as u64,
                                skipped: next - self.pos,
                            },
                        ));
                        self.pos = next;
                    }
                    None if !self.at_eof
                        && self.buf.len() - self.pos <= 2 * MAX_PCAPNG_BLOCK as usize =>
                    {
                        // more bytes may show where records start again
                        return None;
                    }
                    None => {
                        self.anomalies.push(Anomaly::new(
                            AnomalyKind::DamagedRecord,
                            self.next_frame,
                            Detail::DamagedNoResync {
                                damage: why,
                                at: self.pos as u64,
                                rest: self.buf.len() - self.pos,
                            },
                        ));
                        self.pos = self.buf.len();
                        return None;
                    }
                },
            }
        }
    }
}

impl<'a> RecordIter<'a> {
    fn frame(&mut self, record: &'a [u8], number: u64) -> Option<RawFrame<'a>> {
        match &self.state {
            FormatState::Pcap {
                big_endian,
                nanos,
                link,
                ..
            } => {
                let parsed = if *big_endian {
                    pcap_parser::parse_pcap_frame_be(record)
                } else {
                    pcap_parser::parse_pcap_frame(record)
                };
                let Ok((_, rec)) = parsed else {
                    self.anomaly(AnomalyKind::DamagedRecord, number, Detail::RecordUnreadable);
                    return None;
                };
                let frac_ns = if *nanos {
                    i64::from(rec.ts_usec)
                } else {
                    i64::from(rec.ts_usec) * 1000
                };
                Some(RawFrame {
                    number,
                    ts_ns: i64::from(rec.ts_sec) * NS + frac_ns,
                    link: *link,
                    orig_len: rec.origlen,
                    data: rec.data,
                })
            }
            FormatState::PcapNg { .. } => Some(self.pcapng_frame(record, number)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_and_decimal_resolutions() {
        assert_eq!(scaled_ns(1_500_000, 1_000_000, 0), 1_500_000_000);
        // 2^-10 s units (if_tsresol = 0x8a)
        assert_eq!(scaled_ns(1024 + 512, 1024, 0), 1_500_000_000);
        assert_eq!(scaled_ns(3, 1_000_000_000, 10), 10_000_000_003);
    }
}
