//! IPv4 and IPv6 fragment reassembly, in capture order, in or out of order, with a timeout and
//! caps on pending datagrams and bytes. What is dropped or never completes becomes an anomaly.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

use voipscope_wire::anomaly::{Anomaly, AnomalyKind, Detail, FragmentDrop};
use voipscope_wire::decode::FragmentPiece;
use voipscope_wire::numbers::IpProtocol;

/// A datagram whose fragments have not all arrived within this capture time is dropped
/// (Linux's `ipfrag_time` default).
pub const FRAGMENT_TIMEOUT_NS: i64 = 30_000_000_000;
/// At most this many datagrams wait for fragments at once; the oldest is dropped beyond it.
pub const MAX_PENDING_DATAGRAMS: usize = 4096;
/// At most this many bytes of fragments are held at once; the oldest datagram is dropped beyond.
pub const MAX_PENDING_FRAGMENT_BYTES: usize = 64 * 1024 * 1024;
/// No IP datagram is longer.
const MAX_DATAGRAM: u32 = 65_535;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Key {
    src: IpAddr,
    dst: IpAddr,
    id: u32,
    protocol: IpProtocol,
}

struct Pending {
    first_ts: i64,
    first_frame: u64,
    frames: Vec<u64>,
    pieces: Vec<(u32, Vec<u8>)>,
    total: Option<u32>,
    bytes: usize,
    depth: u8,
}

/// A datagram put back together.
#[derive(Debug)]
pub struct Reassembled {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub protocol: IpProtocol,
    pub data: Vec<u8>,
    /// Every frame that carried a fragment, in capture order.
    pub frames: Vec<u64>,
    pub depth: u8,
}

#[derive(Default)]
pub struct FragmentTable {
    pending: HashMap<Key, Pending>,
    /// Keys in arrival order of their first fragment, for timeouts and eviction.
    order: VecDeque<(i64, Key)>,
    bytes: usize,
}

impl FragmentTable {
    pub fn pending_datagrams(&self) -> usize {
        self.pending.len()
    }

    fn drop_key(
        &mut self,
        key: &Key,
        kind: AnomalyKind,
        why: FragmentDrop,
        anomalies: &mut Vec<Anomaly>,
    ) {
        if let Some(p) = self.pending.remove(key) {
            self.bytes -= p.bytes;
            anomalies.push(Anomaly::new(
                kind,
                p.first_frame,
                Detail::FragmentsDropped {
                    src: key.src,
                    dst: key.dst,
                    id: key.id,
                    pieces: p.pieces.len(),
                    frames: p.frames,
                    why,
                },
            ));
        }
    }

    /// Drops datagrams older than the timeout at capture time `now`.
    pub fn expire(&mut self, now: i64, anomalies: &mut Vec<Anomaly>) {
        while let Some(&(t, key)) = self.order.front() {
            if now.saturating_sub(t) <= FRAGMENT_TIMEOUT_NS {
                break;
            }
            self.order.pop_front();
            if self.pending.get(&key).is_some_and(|p| p.first_ts == t) {
                self.drop_key(
                    &key,
                    AnomalyKind::FragmentIncomplete,
                    FragmentDrop::TimedOut,
                    anomalies,
                );
            }
        }
    }

    /// At the end of the capture: everything still pending is incomplete.
    pub fn finish(&mut self, anomalies: &mut Vec<Anomaly>) {
        while let Some((_, key)) = self.order.pop_front() {
            self.drop_key(
                &key,
                AnomalyKind::FragmentIncomplete,
                FragmentDrop::CaptureEnded,
                anomalies,
            );
        }
    }

    /// Adds one fragment; returns the datagram when this fragment completes it.
    pub fn add(
        &mut self,
        piece: &FragmentPiece<'_>,
        frame: u64,
        ts: i64,
        anomalies: &mut Vec<Anomaly>,
    ) -> Option<Reassembled> {
        self.expire(ts, anomalies);
        let key = Key {
            src: piece.src,
            dst: piece.dst,
            id: piece.id,
            protocol: piece.protocol,
        };
        let end = piece.offset + piece.data.len() as u32;
        if end > MAX_DATAGRAM {
            anomalies.push(Anomaly::new(
                AnomalyKind::MalformedHeader,
                frame,
                Detail::FragmentBeyondMax { end },
            ));
            return None;
        }
        while !self.pending.contains_key(&key)
            && (self.pending.len() >= MAX_PENDING_DATAGRAMS
                || self.bytes + piece.data.len() > MAX_PENDING_FRAGMENT_BYTES)
        {
            let Some((_, old)) = self.order.pop_front() else {
                break;
            };
            self.drop_key(
                &old,
                AnomalyKind::FragmentCapReached,
                FragmentDrop::TooManyPending,
                anomalies,
            );
        }
        let p = self.pending.entry(key).or_insert_with(|| {
            self.order.push_back((ts, key));
            Pending {
                first_ts: ts,
                first_frame: frame,
                frames: Vec::new(),
                pieces: Vec::new(),
                total: None,
                bytes: 0,
                depth: piece.depth,
            }
        });
        if p.pieces
            .iter()
            .any(|(o, d)| *o == piece.offset && d.len() != piece.data.len())
        {
            anomalies.push(Anomaly::new(
                AnomalyKind::FragmentOverlap,
                frame,
                Detail::FragmentOverlap {
                    offset: piece.offset,
                },
            ));
        }
        p.frames.push(frame);
        p.pieces.push((piece.offset, piece.data.to_vec()));
        p.bytes += piece.data.len();
        self.bytes += piece.data.len();
        if !piece.more {
            p.total = Some(end);
        }
        let total = p.total?;
        // complete when the pieces cover 0..total without a hole
        p.pieces.sort_by_key(|(o, _)| *o);
        let mut covered = 0u32;
        for (o, d) in &p.pieces {
            if *o > covered {
                return None;
            }
            covered = covered.max(o + d.len() as u32);
        }
        if covered < total {
            return None;
        }
        let p = self.pending.remove(&key)?;
        self.bytes -= p.bytes;
        let mut data = vec![0u8; total as usize];
        for (o, d) in &p.pieces {
            let start = *o as usize;
            let end = (start + d.len()).min(data.len());
            data[start..end].copy_from_slice(&d[..end - start]);
        }
        Some(Reassembled {
            src: key.src,
            dst: key.dst,
            protocol: key.protocol,
            data,
            frames: p.frames,
            depth: p.depth,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(offset: u32, more: bool, data: &[u8]) -> FragmentPiece<'_> {
        FragmentPiece {
            src: "10.0.0.1".parse().unwrap(),
            dst: "10.0.0.2".parse().unwrap(),
            id: 7,
            protocol: IpProtocol::UDP,
            offset,
            more,
            data,
            depth: 0,
        }
    }

    #[test]
    fn out_of_order_fragments_reassemble() {
        let mut t = FragmentTable::default();
        let mut a = Vec::new();
        assert!(t.add(&piece(16, false, b"world!"), 2, 0, &mut a).is_none());
        assert!(t.add(&piece(8, true, b"--------"), 3, 1, &mut a).is_none());
        let r = t.add(&piece(0, true, b"hello, w"), 4, 2, &mut a).unwrap();
        assert_eq!(r.data, b"hello, w--------world!");
        assert_eq!(r.frames, vec![2, 3, 4]);
        assert!(a.is_empty());
        assert_eq!(t.pending_datagrams(), 0);
    }

    #[test]
    fn incomplete_datagram_times_out() {
        let mut t = FragmentTable::default();
        let mut a = Vec::new();
        t.add(&piece(0, true, b"12345678"), 1, 0, &mut a);
        t.expire(FRAGMENT_TIMEOUT_NS + 1, &mut a);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].kind, AnomalyKind::FragmentIncomplete);
        assert_eq!(t.pending_datagrams(), 0);
    }
}
