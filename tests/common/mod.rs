//! Helpers shared by the integration tests: where the shared captures are, running the binary,
//! and writing small captures byte by byte.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

/// `../shared/captures`, or None (with a message) when it is missing outside CI. In CI a missing
/// directory fails the test: the comparison with Wireshark must never be skipped silently there.
pub fn shared_captures() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/captures");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "{} is missing; CI must have ../shared beside the repository",
            dir.display()
        );
    }
    eprintln!(
        "skipping: {} not found (set up ../shared to run this test)",
        dir.display()
    );
    None
}

pub fn expected_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/expected")
}

/// Every capture file in the shared directory, sorted by name.
pub fn all_captures(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read captures dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().to_string();
            n.ends_with(".pcap") || n.ends_with(".pcapng")
        })
        .collect();
    v.sort();
    v
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn voipscope(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_voipscope"))
        .args(args)
        .output()
        .expect("run voipscope");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn analyze_json(path: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["analyze", path, "--format", "json"];
    args.extend_from_slice(extra);
    let r = voipscope(&args);
    assert_eq!(r.code, 0, "voipscope failed on {path}: {}", r.stderr);
    serde_json::from_str(&r.stdout).expect("valid JSON")
}

/// A temporary file that is removed when dropped.
pub struct TempFile(pub PathBuf);

impl TempFile {
    pub fn new(name: &str, bytes: &[u8]) -> TempFile {
        let dir = std::env::temp_dir().join(format!("voipscope-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        TempFile(p)
    }
    pub fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A classic pcap file in either byte order and time resolution.
pub struct Pcap {
    pub big_endian: bool,
    pub nanos: bool,
    pub link: u32,
    pub snaplen: u32,
    pub bytes: Vec<u8>,
}

impl Pcap {
    pub fn new(link: u32) -> Pcap {
        Pcap::with(link, false, false, 65535)
    }

    pub fn with(link: u32, big_endian: bool, nanos: bool, snaplen: u32) -> Pcap {
        let mut p = Pcap {
            big_endian,
            nanos,
            link,
            snaplen,
            bytes: Vec::new(),
        };
        let magic: u32 = if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
        p.u32(magic);
        p.u16(2);
        p.u16(4);
        p.u32(0);
        p.u32(0);
        p.u32(snaplen);
        p.u32(link);
        p
    }

    fn u16(&mut self, v: u16) {
        let b = if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.bytes.extend(b);
    }

    fn u32(&mut self, v: u32) {
        let b = if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.bytes.extend(b);
    }

    /// Adds a frame at `t_us` microseconds; keeps at most `snaplen` bytes of it.
    pub fn frame(&mut self, t_us: u64, data: &[u8]) -> &mut Self {
        let cap = data.len().min(self.snaplen as usize);
        self.u32((t_us / 1_000_000) as u32);
        let frac = t_us % 1_000_000;
        self.u32(if self.nanos {
            (frac * 1000) as u32
        } else {
            frac as u32
        });
        self.u32(cap as u32);
        self.u32(data.len() as u32);
        self.bytes.extend_from_slice(&data[..cap]);
        self
    }
}

/// Ethernet/IPv4/UDP frame with `payload`.
pub fn udp4(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
        .ipv4(src, dst, 64)
        .udp(sport, dport)
        .write(&mut v, payload)
        .unwrap();
    v
}

/// Ethernet/IPv4/TCP frame with `payload` at sequence number `seq`.
pub fn tcp4(
    src: [u8; 4],
    sport: u16,
    dst: [u8; 4],
    dport: u16,
    seq: u32,
    payload: &[u8],
) -> Vec<u8> {
    let mut v = Vec::new();
    etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
        .ipv4(src, dst, 64)
        .tcp(sport, dport, seq, 65000)
        .ack(1)
        .psh()
        .write(&mut v, payload)
        .unwrap();
    v
}

pub fn sip_invite(call_id: &str) -> Vec<u8> {
    let body = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
    format!(
        "INVITE sip:bob@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n\
         From: <sip:alice@10.0.0.1>;tag=a\r\nTo: <sip:bob@10.0.0.2>\r\nCall-ID: {call_id}\r\n\
         CSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Runs voipscope with these arguments and reads its JSON output.
#[allow(dead_code)]
pub fn run_json(args: &[&str]) -> serde_json::Value {
    let r = voipscope(args);
    assert_eq!(r.code, 0, "voipscope {args:?} failed: {}", r.stderr);
    serde_json::from_str(&r.stdout).expect("valid JSON")
}
