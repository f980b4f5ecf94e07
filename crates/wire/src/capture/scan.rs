//! Record headers: whether a valid record starts at an offset, where records start again after
//! damage, and where a worker that starts in the middle of a file should begin.

use super::{u16_at, u32_at, FormatState, Interface, MAX_PCAPNG_BLOCK, MAX_PCAP_RECORD};
use crate::anomaly::Damage;
use crate::numbers::LinkType;

const PCAPNG_SHB: u32 = 0x0A0D_0D0A;
const PCAPNG_IDB: u32 = 1;
const PCAPNG_OBSOLETE_PB: u32 = 2;
const PCAPNG_SPB: u32 = 3;
const PCAPNG_EPB: u32 = 6;
const KNOWN_BLOCKS: [u32; 11] = [
    PCAPNG_SHB,
    PCAPNG_IDB,
    PCAPNG_OBSOLETE_PB,
    PCAPNG_SPB,
    4,
    5,
    PCAPNG_EPB,
    7,
    0x0A,
    0x0BAD,
    0x4000_0BAD,
];

/// What is at a position of the buffer.
pub(crate) enum Probe {
    /// A whole valid record of this length; `frame` when it holds a packet.
    Record { len: usize, frame: bool },
    /// A valid header whose record runs past the end of the buffer.
    Incomplete { needed: usize },
    /// Not a valid record header.
    Damaged(Damage),
}

/// What is at `off`: a whole valid record, one cut by the end of the buffer, or damage.
pub(crate) fn probe(state: &FormatState, buf: &[u8], off: usize) -> Probe {
    match state {
        FormatState::Pcap {
            big_endian,
            nanos,
            snaplen,
            ..
        } => probe_pcap(buf, off, *big_endian, *nanos, *snaplen, false),
        FormatState::PcapNg { big_endian, .. } => probe_pcapng(buf, off, *big_endian),
    }
}

/// Looks for the next offset after `from` where records start again: a chain of valid record
/// headers (three, or up to the end of the buffer).
pub(crate) fn resync(state: &FormatState, buf: &[u8], from: usize) -> Option<usize> {
    let step = match state {
        FormatState::Pcap { .. } => 1,
        FormatState::PcapNg { .. } => 4,
    };
    let mut cand = from + step;
    while cand + 12 <= buf.len() {
        if chain_ok(state, buf, cand, 3) {
            return Some(cand);
        }
        cand += step;
    }
    None
}

/// Where a worker starting near `from` should begin: the first offset at or after it where
/// eight records in a row (or all up to the end) look valid, with timestamps within a day of
/// each other. A wrong guess is caught when the previous range's walk does not end there.
pub fn find_sync(state: &FormatState, buf: &[u8], from: usize, limit: usize) -> Option<usize> {
    let (step, mut cand) = match state {
        FormatState::Pcap { .. } => (1, from),
        FormatState::PcapNg { .. } => (4, from.next_multiple_of(4)),
    };
    let end = limit.min(buf.len());
    while cand + 16 <= end {
        if chain_ok(state, buf, cand, 8) && times_close(state, buf, cand) {
            return Some(cand);
        }
        cand += step;
    }
    None
}

fn times_close(state: &FormatState, buf: &[u8], start: usize) -> bool {
    let FormatState::Pcap { big_endian, .. } = state else {
        return true;
    };
    let mut off = start;
    let mut first = None;
    for _ in 0..8 {
        let (Some(sec), Some(caplen)) = (
            u32_at(buf, off, *big_endian),
            u32_at(buf, off + 8, *big_endian),
        ) else {
            return true;
        };
        let f = *first.get_or_insert(sec);
        if sec.abs_diff(f) > 86_400 {
            return false;
        }
        off += 16 + caplen as usize;
    }
    true
}

fn chain_ok(state: &FormatState, buf: &[u8], start: usize, records: usize) -> bool {
    let mut off = start;
    for _ in 0..records {
        let probe = match state {
            FormatState::Pcap {
                big_endian,
                nanos,
                snaplen,
                ..
            } => probe_pcap(buf, off, *big_endian, *nanos, *snaplen, true),
            FormatState::PcapNg { big_endian, .. } => {
                let known =
                    u32_at(buf, off, *big_endian).is_some_and(|t| KNOWN_BLOCKS.contains(&t));
                if known {
                    probe_pcapng(buf, off, *big_endian)
                } else {
                    Probe::Damaged(Damage::Implausible)
                }
            }
        };
        match probe {
            Probe::Record { len, .. } => {
                off += len;
                if off == buf.len() {
                    return true;
                }
            }
            Probe::Incomplete { .. } => return off != start,
            Probe::Damaged(_) => return false,
        }
    }
    true
}

fn probe_pcap(
    buf: &[u8],
    off: usize,
    big_endian: bool,
    nanos: bool,
    snaplen: u32,
    strict: bool,
) -> Probe {
    let (Some(frac), Some(caplen), Some(origlen)) = (
        u32_at(buf, off + 4, big_endian),
        u32_at(buf, off + 8, big_endian),
        u32_at(buf, off + 12, big_endian),
    ) else {
        return Probe::Incomplete {
            needed: off + 16 - buf.len(),
        };
    };
    let frac_limit = if nanos { 1_000_000_000 } else { 1_000_000 };
    if frac >= frac_limit {
        return Probe::Damaged(Damage::SubsecondField { frac });
    }
    let max = MAX_PCAP_RECORD.max(snaplen.min(MAX_PCAPNG_BLOCK));
    if caplen > max {
        return Probe::Damaged(Damage::CaplenTooLarge { caplen });
    }
    if strict && (origlen < caplen || origlen > 1 << 20) {
        return Probe::Damaged(Damage::Implausible);
    }
    let len = 16 + caplen as usize;
    if off + len > buf.len() {
        return Probe::Incomplete {
            needed: off + len - buf.len(),
        };
    }
    Probe::Record { len, frame: true }
}

fn probe_pcapng(buf: &[u8], off: usize, big_endian: bool) -> Probe {
    let Some(kind) = u32_at(buf, off, big_endian) else {
        return Probe::Incomplete {
            needed: off + 12 - buf.len(),
        };
    };
    let order = if kind == PCAPNG_SHB {
        match buf.get(off + 8..off + 12) {
            Some([0x1a, 0x2b, 0x3c, 0x4d]) => true,
            Some([0x4d, 0x3c, 0x2b, 0x1a]) => false,
            Some(_) => return Probe::Damaged(Damage::UnknownByteOrder),
            None => {
                return Probe::Incomplete {
                    needed: off + 12 - buf.len(),
                }
            }
        }
    } else {
        big_endian
    };
    let Some(len) = u32_at(buf, off + 4, order) else {
        return Probe::Incomplete {
            needed: off + 8 - buf.len(),
        };
    };
    if len < 12 || len % 4 != 0 || len > MAX_PCAPNG_BLOCK {
        return Probe::Damaged(Damage::BlockLength {
            block_type: kind,
            len,
        });
    }
    let len = len as usize;
    if off + len > buf.len() {
        return Probe::Incomplete {
            needed: off + len - buf.len(),
        };
    }
    if u32_at(buf, off + len - 4, order) != Some(len as u32) {
        return Probe::Damaged(Damage::BlockTrailer { block_type: kind });
    }
    let frame = matches!(kind, PCAPNG_EPB | PCAPNG_SPB | PCAPNG_OBSOLETE_PB);
    Probe::Record { len, frame }
}

/// Stands in for an interface whose description could not be read, so later interface numbers
/// still line up.
pub(crate) const UNKNOWN_INTERFACE: Interface = Interface {
    link: LinkType(u16::MAX),
    snaplen: 0,
    units_per_sec: 1_000_000,
    offset_s: 0,
};

/// `if_tsresol` as units per second: 10^n, or 2^n when the top bit is set. pcap-parser 0.17's
/// own `ts_resolution()` compares the unmasked byte with 63 and so rejects every binary
/// resolution; see the test below.
pub(crate) fn ts_units_per_sec(tsresol: u8) -> Option<u64> {
    let n = u32::from(tsresol & 0x7F);
    if tsresol & 0x80 != 0 {
        (n <= 63).then(|| 1u64 << n)
    } else {
        10u64.checked_pow(n)
    }
}

pub(crate) fn parse_interface(block: &[u8], big_endian: bool) -> Option<Interface> {
    let parsed = if big_endian {
        pcap_parser::pcapng::parse_interfacedescriptionblock_be(block)
    } else {
        pcap_parser::pcapng::parse_interfacedescriptionblock_le(block)
    };
    match parsed {
        Ok((_, idb)) => Some(Interface {
            link: LinkType(u16::try_from(idb.linktype.0).unwrap_or(u16::MAX)),
            snaplen: idb.snaplen,
            units_per_sec: ts_units_per_sec(idb.if_tsresol).unwrap_or(1_000_000),
            offset_s: idb.ts_offset(),
        }),
        Err(_) => {
            // Fall back to the fixed part: link type and snap length are all we need to decode.
            Some(Interface {
                link: LinkType(u16_at(block, 8, big_endian)?),
                snaplen: u32_at(block, 12, big_endian)?,
                units_per_sec: 1_000_000,
                offset_s: 0,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interface_with_binary_resolution() {
        let mut b = 1u32.to_le_bytes().to_vec();
        b.extend(32u32.to_le_bytes());
        b.extend(101u16.to_le_bytes());
        b.extend([0, 0]);
        b.extend(65535u32.to_le_bytes());
        b.extend(9u16.to_le_bytes());
        b.extend(1u16.to_le_bytes());
        b.extend([0x8a, 0, 0, 0]);
        b.extend([0, 0, 0, 0]);
        b.extend(32u32.to_le_bytes());
        // what pcap-parser itself makes of it: the option is read, the resolution refused
        let (_, idb) = pcap_parser::pcapng::parse_interfacedescriptionblock_le(&b).unwrap();
        assert_eq!(idb.if_tsresol, 0x8a);
        assert_eq!(idb.ts_resolution(), None);
        let i = parse_interface(&b, false).unwrap();
        assert_eq!((i.link, i.units_per_sec), (LinkType::RAW, 1024));
        assert_eq!(ts_units_per_sec(6), Some(1_000_000));
        assert_eq!(ts_units_per_sec(9), Some(1_000_000_000));
        assert_eq!(ts_units_per_sec(20), None);
    }
}
