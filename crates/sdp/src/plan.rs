//! The media plan: which RTP payload types each endpoint expects, learned from SDP in capture
//! order, so RTP that follows is read with the negotiated codec and clock rate (RFC 3264: an
//! endpoint receives on the address:port of its own description, with its payload numbers).

use std::net::{IpAddr, SocketAddr};

use rustc_hash::FxHashMap;

use super::SessionDescription;

/// Endpoints remembered at most; later ones are counted in [`MediaPlan::dropped`].
pub const MAX_PLANNED_ENDPOINTS: usize = 200_000;

/// One payload type as an SDP named it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedFormat {
    pub pt: u8,
    pub name: compact_str::CompactString,
    pub clock_rate: Option<u32>,
}

/// What one address:port was last described as.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlannedEndpoint {
    pub formats: Vec<PlannedFormat>,
    pub encrypted: bool,
    /// `m=image` (T.38 over UDPTL).
    pub udptl: bool,
}

impl PlannedEndpoint {
    pub fn format(&self, pt: u8) -> Option<&PlannedFormat> {
        self.formats.iter().find(|f| f.pt == pt)
    }
}

/// One endpoint's place in the plan.
#[derive(Debug, Default)]
struct Slot {
    /// The endpoint it describes; None when the slot is free.
    addr: Option<SocketAddr>,
    entry: PlannedEndpoint,
    /// The [`MediaPlan::generation`] at which it was last described: what a stream checks at
    /// every new description.
    learned_at: u64,
    /// Live calls and streams that still need it.
    pins: u32,
    /// When it was last described, on the analysis' activity clock.
    learned_active: i64,
}

#[derive(Debug, Default)]
pub struct MediaPlan {
    /// Positions in `slots`. A position names its endpoint until the endpoint is forgotten
    /// ([`MediaPlan::prune`]); a stream that keeps one checks it with [`MediaPlan::holds`].
    index: FxHashMap<SocketAddr, u32>,
    slots: Vec<Slot>,
    free: Vec<u32>,
    generation: u64,
    pub dropped: u64,
}

impl MediaPlan {
    /// Learns the endpoints of one description (`active`: the activity clock); a later
    /// description of the same endpoint replaces the formats it names and keeps the others
    /// (re-INVITEs often list fewer).
    pub fn learn(&mut self, sdp: &SessionDescription, active: i64) {
        self.generation += 1;
        for m in &sdp.media {
            let Some(ip) = m.address.as_deref().and_then(|a| a.parse::<IpAddr>().ok()) else {
                continue;
            };
            if m.port == 0 || ip.is_unspecified() {
                continue;
            }
            let key = SocketAddr::new(ip, m.port);
            let id = match self.index.get(&key) {
                Some(&id) => id as usize,
                None if self.index.len() >= MAX_PLANNED_ENDPOINTS => {
                    self.dropped += 1;
                    continue;
                }
                None => {
                    let slot = Slot {
                        addr: Some(key),
                        ..Slot::default()
                    };
                    let id = match self.free.pop() {
                        Some(id) => {
                            self.slots[id as usize] = slot;
                            id
                        }
                        None => {
                            self.slots.push(slot);
                            (self.slots.len() - 1) as u32
                        }
                    };
                    self.index.insert(key, id);
                    id as usize
                }
            };
            let slot = &mut self.slots[id];
            slot.learned_at = self.generation;
            slot.learned_active = active;
            let e = &mut slot.entry;
            e.encrypted |= m.is_encrypted();
            e.udptl |= m.kind.eq_ignore_ascii_case("image");
            for f in &m.formats {
                let (Ok(pt), Some(name)) = (f.id.parse::<u8>(), f.name.as_deref()) else {
                    continue;
                };
                let planned = PlannedFormat {
                    pt,
                    name: name.into(),
                    clock_rate: f.clock_rate,
                };
                match e.formats.iter_mut().find(|x| x.pt == pt) {
                    Some(x) => *x = planned,
                    None => e.formats.push(planned),
                }
            }
        }
    }

    /// Counts the descriptions learned: a stream that read the plan at generation G need only
    /// read an endpoint again if its [`MediaPlan::learned_at`] is later than G.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn endpoint(&self, addr: &SocketAddr) -> Option<&PlannedEndpoint> {
        self.endpoint_id(addr).map(|id| self.entry(id))
    }

    /// The position of an endpoint's entry.
    pub fn endpoint_id(&self, addr: &SocketAddr) -> Option<u32> {
        self.index.get(addr).copied()
    }

    /// Whether the position still describes `addr` (positions of forgotten endpoints are
    /// given to others).
    pub fn holds(&self, id: u32, addr: &SocketAddr) -> bool {
        self.slots
            .get(id as usize)
            .is_some_and(|s| s.addr.as_ref() == Some(addr))
    }

    /// The entry at a position from [`MediaPlan::endpoint_id`].
    pub fn entry(&self, id: u32) -> &PlannedEndpoint {
        &self.slots[id as usize].entry
    }

    /// When the entry at a position was last described.
    pub fn learned_at(&self, id: u32) -> u64 {
        self.slots[id as usize].learned_at
    }

    /// The description that applies to a packet: its destination's, else its source's (a
    /// symmetric RTP peer sends from the port it receives on).
    pub fn for_flow(&self, src: &SocketAddr, dst: &SocketAddr) -> Option<&PlannedEndpoint> {
        self.endpoint(dst).or_else(|| self.endpoint(src))
    }

    /// A live call or stream needs the endpoint's description kept.
    pub fn pin(&mut self, addr: &SocketAddr) {
        if let Some(&id) = self.index.get(addr) {
            self.slots[id as usize].pins += 1;
        }
    }

    /// The call or stream that pinned the endpoint is finished.
    pub fn unpin(&mut self, addr: &SocketAddr) {
        if let Some(&id) = self.index.get(addr) {
            let s = &mut self.slots[id as usize];
            s.pins = s.pins.saturating_sub(1);
        }
    }

    /// Forgets endpoints no live call or stream needs that were last described `idle` or more
    /// before `now` (activity clock).
    pub fn prune(&mut self, now: i64, idle: i64) {
        for (id, s) in self.slots.iter_mut().enumerate() {
            let Some(addr) = s.addr else { continue };
            if s.pins == 0 && now.saturating_sub(s.learned_active) >= idle {
                self.index.remove(&addr);
                *s = Slot::default();
                self.free.push(id as u32);
            }
        }
    }

    /// Endpoints described now.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }
}
