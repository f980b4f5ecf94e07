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
    pub name: String,
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

#[derive(Debug, Default)]
pub struct MediaPlan {
    /// Positions in `entries`, which only grows: a position names its endpoint for good, so
    /// a stream can keep it and skip the address lookup.
    index: FxHashMap<SocketAddr, u32>,
    entries: Vec<PlannedEndpoint>,
    /// The [`MediaPlan::generation`] at which each entry was last described: what a stream
    /// checks at every new description.
    learned_at: Vec<u64>,
    generation: u64,
    pub dropped: u64,
}

impl MediaPlan {
    /// Learns the endpoints of one description; a later description of the same endpoint
    /// replaces the formats it names and keeps the others (re-INVITEs often list fewer).
    pub fn learn(&mut self, sdp: &SessionDescription) {
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
                None if self.entries.len() >= MAX_PLANNED_ENDPOINTS => {
                    self.dropped += 1;
                    continue;
                }
                None => {
                    self.index.insert(key, self.entries.len() as u32);
                    self.entries.push(PlannedEndpoint::default());
                    self.learned_at.push(0);
                    self.entries.len() - 1
                }
            };
            self.learned_at[id] = self.generation;
            let e = &mut self.entries[id];
            e.encrypted |= m.is_encrypted();
            e.udptl |= m.kind.eq_ignore_ascii_case("image");
            for f in &m.formats {
                let (Ok(pt), Some(name)) = (f.id.parse::<u8>(), f.name.as_deref()) else {
                    continue;
                };
                let planned = PlannedFormat {
                    pt,
                    name: name.to_string(),
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

    /// The position of an endpoint's entry, which names it for good.
    pub fn endpoint_id(&self, addr: &SocketAddr) -> Option<u32> {
        self.index.get(addr).copied()
    }

    /// The entry at a position from [`MediaPlan::endpoint_id`].
    pub fn entry(&self, id: u32) -> &PlannedEndpoint {
        &self.entries[id as usize]
    }

    /// When the entry at a position was last described.
    pub fn learned_at(&self, id: u32) -> u64 {
        self.learned_at[id as usize]
    }

    /// The description that applies to a packet: its destination's, else its source's (a
    /// symmetric RTP peer sends from the port it receives on).
    pub fn for_flow(&self, src: &SocketAddr, dst: &SocketAddr) -> Option<&PlannedEndpoint> {
        self.endpoint(dst).or_else(|| self.endpoint(src))
    }
}
