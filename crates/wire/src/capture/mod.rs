//! Capture files: recognise the format by its magic number, open the bytes (mapped file, gzip
//! stream, stdin), and cut the record stream into chunks of whole records that can be decoded
//! independently and in parallel.
//!
//! `records` walks records, validating every header and re-synchronising after damage; `scan`
//! holds the header checks and finds where a worker that starts mid-file should begin. The
//! pipeline checks that consecutive walks meet, so the result never depends on the parallelism.

pub mod feed;
pub mod open;
pub mod records;
pub mod scan;
pub mod write;

pub use open::{open_input, Input};
pub use records::{RawFrame, RecordIter};

use crate::numbers::LinkType;

/// Largest record (classic pcap) we accept before calling the header damaged. Real captures use
/// a snap length of at most 262144 bytes.
pub const MAX_PCAP_RECORD: u32 = 262_144;
/// Largest pcapng block we accept before calling it damaged (a block "claiming 4 GB" is damage).
pub const MAX_PCAPNG_BLOCK: u32 = 16 * 1024 * 1024;

/// The container format, found by magic number (never by file name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Container {
    Pcap,
    PcapNg,
}

impl Container {
    pub fn name(self) -> &'static str {
        match self {
            Container::Pcap => "pcap",
            Container::PcapNg => "pcapng",
        }
    }
}

/// One pcapng interface: the link type and how to turn its timestamps into nanoseconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    pub link: LinkType,
    pub snaplen: u32,
    /// Timestamp units per second (10^6 unless `if_tsresol` says otherwise).
    pub units_per_sec: u64,
    /// `if_tsoffset`: seconds to add to every timestamp.
    pub offset_s: i64,
}

/// What record parsing needs to know at a position in the file: the byte order and, for classic
/// pcap, the file header; for pcapng, the interfaces of the current section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormatState {
    Pcap {
        big_endian: bool,
        nanos: bool,
        snaplen: u32,
        link: LinkType,
    },
    PcapNg {
        big_endian: bool,
        interfaces: Vec<Interface>,
        /// Time of the last timestamped packet, for Simple Packet Blocks that carry none.
        last_ts_ns: i64,
    },
}

impl FormatState {
    pub fn container(&self) -> Container {
        match self {
            FormatState::Pcap { .. } => Container::Pcap,
            FormatState::PcapNg { .. } => Container::PcapNg,
        }
    }
}

/// Why a byte stream is not a capture we can read (exit code 2 territory).
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("{0}: cannot read: {1}")]
    Io(String, std::io::Error),
    #[error("{0}: empty file")]
    Empty(String),
    #[error("{0}: not a pcap or pcapng capture (magic number {1})")]
    NotACapture(String, String),
    #[error("{0}: file header cut short ({1} bytes)")]
    ShortHeader(String, usize),
    #[error("{0}: {1}")]
    BadHeader(String, String),
}

pub(crate) fn u16_at(b: &[u8], off: usize, big_endian: bool) -> Option<u16> {
    let s: [u8; 2] = b.get(off..off + 2)?.try_into().ok()?;
    Some(if big_endian {
        u16::from_be_bytes(s)
    } else {
        u16::from_le_bytes(s)
    })
}

pub(crate) fn u32_at(b: &[u8], off: usize, big_endian: bool) -> Option<u32> {
    let s: [u8; 4] = b.get(off..off + 4)?.try_into().ok()?;
    Some(if big_endian {
        u32::from_be_bytes(s)
    } else {
        u32::from_le_bytes(s)
    })
}

/// Reads the file header at the start of `head` and returns the initial format state and the
/// header's length. pcapng's section header is not consumed: the scanner reads it as a block.
pub fn read_file_header(name: &str, head: &[u8]) -> Result<(FormatState, usize), CaptureError> {
    if head.is_empty() {
        return Err(CaptureError::Empty(name.to_string()));
    }
    if head.len() < 4 {
        return Err(CaptureError::ShortHeader(name.to_string(), head.len()));
    }
    let magic = [head[0], head[1], head[2], head[3]];
    match magic {
        [0x0a, 0x0d, 0x0d, 0x0a] => {
            if head.len() < 28 {
                return Err(CaptureError::ShortHeader(name.to_string(), head.len()));
            }
            let big_endian = match head.get(8..12) {
                Some([0x1a, 0x2b, 0x3c, 0x4d]) => true,
                Some([0x4d, 0x3c, 0x2b, 0x1a]) => false,
                _ => {
                    return Err(CaptureError::BadHeader(
                        name.to_string(),
                        "pcapng section header with an unknown byte-order magic".into(),
                    ))
                }
            };
            Ok((
                FormatState::PcapNg {
                    big_endian,
                    interfaces: Vec::new(),
                    last_ts_ns: 0,
                },
                0,
            ))
        }
        [0xd4, 0xc3, 0xb2, 0xa1]
        | [0xa1, 0xb2, 0xc3, 0xd4]
        | [0x4d, 0x3c, 0xb2, 0xa1]
        | [0xa1, 0xb2, 0x3c, 0x4d] => {
            if head.len() < 24 {
                return Err(CaptureError::ShortHeader(name.to_string(), head.len()));
            }
            let (hdr, _) = pcap_parser::parse_pcap_header(head)
                .map(|(rest, h)| (h, rest.len()))
                .map_err(|e| CaptureError::BadHeader(name.to_string(), format!("{e:?}")))?;
            let link = LinkType(u16::try_from(hdr.network.0).unwrap_or(u16::MAX));
            Ok((
                FormatState::Pcap {
                    big_endian: hdr.is_bigendian(),
                    nanos: hdr.is_nanosecond_precision(),
                    snaplen: hdr.snaplen,
                    link,
                },
                24,
            ))
        }
        _ => Err(CaptureError::NotACapture(
            name.to_string(),
            format!(
                "{:02x} {:02x} {:02x} {:02x}",
                magic[0], magic[1], magic[2], magic[3]
            ),
        )),
    }
}
