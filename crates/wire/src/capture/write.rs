//! Writing classic pcap: the file header and one record. Shared by the synthetic and teaching
//! captures and by the per-call export, so every capture the project writes has the same
//! little-endian layout.

use std::io::{self, Write};

/// The 24-byte file header: version 2.4, little-endian, microsecond or nanosecond timestamps.
pub fn pcap_header<W: Write>(w: &mut W, link: u16, nanos: bool, snaplen: u32) -> io::Result<()> {
    let magic: u32 = if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
    let mut h = [0u8; 24];
    h[0..4].copy_from_slice(&magic.to_le_bytes());
    h[4..6].copy_from_slice(&2u16.to_le_bytes());
    h[6..8].copy_from_slice(&4u16.to_le_bytes());
    h[16..20].copy_from_slice(&snaplen.to_le_bytes());
    h[20..24].copy_from_slice(&u32::from(link).to_le_bytes());
    w.write_all(&h)
}

/// One record: `data` as captured, `orig_len` its length on the wire (at least `data.len()`).
pub fn pcap_record<W: Write>(
    w: &mut W,
    ts_ns: i64,
    nanos: bool,
    data: &[u8],
    orig_len: u32,
) -> io::Result<()> {
    let per_sec: i64 = if nanos { 1_000_000_000 } else { 1_000_000 };
    let secs = ts_ns.div_euclid(1_000_000_000) as u32;
    let frac = (ts_ns.rem_euclid(1_000_000_000) * per_sec / 1_000_000_000) as u32;
    let caplen = data.len() as u32;
    let mut rec = [0u8; 16];
    rec[0..4].copy_from_slice(&secs.to_le_bytes());
    rec[4..8].copy_from_slice(&frac.to_le_bytes());
    rec[8..12].copy_from_slice(&caplen.to_le_bytes());
    rec[12..16].copy_from_slice(&orig_len.max(caplen).to_le_bytes());
    w.write_all(&rec)?;
    w.write_all(data)
}
