//! Rule 5: codecs. A call rejected with 488, 415 or 606 where the offer and what the callee is
//! known to speak (its answers elsewhere in the capture) share no codec; an answer naming a
//! codec the offer did not; RTP whose payload type no SDP of the call negotiated.

use std::collections::BTreeSet;
use std::net::IpAddr;

use super::{txt, CallFacts, Ctx, Finding, Severity};
use crate::correlate::CallRecord;
use voipscope_sdp::SessionDescription;
use voipscope_sip::calls::Side;
use voipscope_sip::Call;

/// Hosts whose codecs are remembered; beyond this the set starts afresh.
pub const MAX_HOSTS: usize = 100_000;

/// Audio/video codec names of a description (telephone-event and comfort noise left out).
/// The codec names of the media sections not refused, as written (comfort noise and DTMF
/// events are not codecs a peer can refuse).
fn codec_names(sdp: &SessionDescription) -> impl Iterator<Item = &str> {
    sdp.media
        .iter()
        .filter(|m| m.port != 0)
        .flat_map(|m| m.formats.iter())
        .filter_map(|f| f.name.as_deref())
        .filter(|n| !n.eq_ignore_ascii_case("TELEPHONE-EVENT") && !n.eq_ignore_ascii_case("CN"))
}

fn codecs(sdp: &SessionDescription) -> BTreeSet<String> {
    codec_names(sdp).map(|n| n.to_ascii_uppercase()).collect()
}

/// Whether `answer` names a codec `offer` does not (the sets are built only when it does:
/// nearly every answer repeats its offer's codecs).
fn names_a_codec_not_in(answer: &SessionDescription, offer: &SessionDescription) -> bool {
    codec_names(answer).any(|a| !codec_names(offer).any(|o| o.eq_ignore_ascii_case(a)))
}

fn join(set: &BTreeSet<String>) -> String {
    set.iter().cloned().collect::<Vec<_>>().join(", ")
}

/// Every host's codecs, from every description it sent in the calls seen. A busy day has a
/// host per phone, and most phones offer one of a few codec lists: each host keeps the number
/// of its set of codec names, and each set is held once (an IPv4 host costs 8 bytes).
#[derive(Debug, Default)]
pub struct HostCodecs {
    names: Vec<String>,
    /// Distinct sets of name numbers (sorted), and where each is in `sets`.
    sets: Vec<Box<[u16]>>,
    set_index: rustc_hash::FxHashMap<Box<[u16]>, u16>,
    v4: rustc_hash::FxHashMap<u32, u16>,
    v6: rustc_hash::FxHashMap<u128, u16>,
}

/// Distinct codec names remembered; a name past these is not remembered for any host.
const MAX_NAMES: usize = 4096;
/// Distinct codec sets remembered; a host whose set would be a new one past these keeps its
/// old set.
const MAX_SETS: usize = u16::MAX as usize;

impl HostCodecs {
    /// Adds the codecs of every description of the call to its sender's host.
    pub fn add_call(&mut self, o: &Call) {
        for e in &o.sdp {
            let host = match e.by {
                Side::Callee => o.callee.ip(),
                Side::Caller => o.caller.ip(),
            };
            if self.hosts() >= MAX_HOSTS && self.set_of(host).is_none() {
                self.v4.clear();
                self.v6.clear();
            }
            // in place: a description nearly always names a set this host already has
            let mut ids: smallvec::SmallVec<[u16; 8]> =
                self.set_of(host).map_or_else(Default::default, |s| {
                    smallvec::SmallVec::from_slice(&self.sets[usize::from(s)])
                });
            let before = ids.len();
            // names are kept upper case; a name is copied only the first time it is seen
            for name in codec_names(&e.sdp) {
                let id = match self.names.iter().position(|n| n.eq_ignore_ascii_case(name)) {
                    Some(id) => id,
                    None if self.names.len() < MAX_NAMES => {
                        self.names.push(name.to_ascii_uppercase());
                        self.names.len() - 1
                    }
                    None => continue,
                } as u16;
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            if ids.len() == before {
                continue;
            }
            ids.sort_unstable();
            let Some(set) = self.intern(&ids) else {
                continue;
            };
            match host {
                IpAddr::V4(a) => self.v4.insert(u32::from(a), set),
                IpAddr::V6(a) => self.v6.insert(u128::from(a), set),
            };
        }
    }

    fn hosts(&self) -> usize {
        self.v4.len() + self.v6.len()
    }

    fn set_of(&self, host: IpAddr) -> Option<u16> {
        match host {
            IpAddr::V4(a) => self.v4.get(&u32::from(a)).copied(),
            IpAddr::V6(a) => self.v6.get(&u128::from(a)).copied(),
        }
    }

    fn intern(&mut self, ids: &[u16]) -> Option<u16> {
        if let Some(&n) = self.set_index.get(ids) {
            return Some(n);
        }
        if self.sets.len() >= MAX_SETS {
            return None;
        }
        let n = self.sets.len() as u16;
        let ids: Box<[u16]> = ids.into();
        self.sets.push(ids.clone());
        self.set_index.insert(ids, n);
        Some(n)
    }

    fn of(&self, host: IpAddr) -> BTreeSet<String> {
        self.set_of(host).map_or_else(BTreeSet::new, |s| {
            self.sets[usize::from(s)]
                .iter()
                .map(|&id| self.names[usize::from(id)].clone())
                .collect()
        })
    }
}

pub fn call(c: &CallRecord, facts: &CallFacts<'_>, ctx: Ctx, out: &mut Vec<Finding>) {
    let lang = ctx.lang;
    {
        let offer = c.sdp.iter().find(|e| e.by == Side::Caller);
        if let (Some(code @ (488 | 415 | 606)), Some(offer)) = (c.final_status, offer) {
            let known = &facts.known.codecs.of(c.callee.ip());
            let offered = codecs(&offer.sdp);
            let common: BTreeSet<_> = offered.intersection(known).cloned().collect();
            let explanation = if known.is_empty() {
                txt!(
                    lang,
                    format!("The offer proposed {}; the callee answered {code}, so it accepts none of them (or not the media type or transport offered). The capture shows no answer of the callee that would list what it supports.", join(&offered)),
                    format!("Das Angebot nannte {}; der Angerufene antwortete {code}, akzeptiert also keinen davon (oder nicht den Medientyp bzw. das Transportprofil). Die Aufzeichnung zeigt keine Antwort des Angerufenen, die seine Codecs nennt.", join(&offered))
                )
            } else if common.is_empty() {
                txt!(
                    lang,
                    format!("The offer proposed {}; the callee is seen elsewhere in this capture using {}. There is no codec in common.", join(&offered), join(known)),
                    format!("Das Angebot nannte {}; der Angerufene nutzt an anderer Stelle dieser Aufzeichnung {}. Es gibt keinen gemeinsamen Codec.", join(&offered), join(known))
                )
            } else {
                txt!(
                    lang,
                    format!("The offer proposed {}; {} is also used by the callee elsewhere, so the refusal is about something else in the offer (media type, ptime, SRTP profile, or a codec parameter).", join(&offered), join(&common)),
                    format!("Das Angebot nannte {}; {} nutzt der Angerufene auch anderswo, die Ablehnung betrifft also etwas anderes im Angebot (Medientyp, ptime, SRTP-Profil oder einen Codec-Parameter).", join(&offered), join(&common))
                )
            };
            let mut explanation = explanation;
            if let Some(w) = &c.warning {
                explanation.push_str(&format!(" Warning {}: \"{}\".", w.code, w.text));
            }
            out.push(
                Finding::new("codec-mismatch", Severity::Error)
                    .call(c)
                    .text(
                        txt!(
                            lang,
                            format!("{code}: no codec both sides accept"),
                            format!("{code}: kein Codec, den beide Seiten akzeptieren")
                        ),
                        explanation,
                        txt!(
                            lang,
                            "Enable a common codec on both sides (G.711 PCMA/PCMU is supported almost everywhere), or let a media gateway transcode.".to_string(),
                            "Auf beiden Seiten einen gemeinsamen Codec aktivieren (G.711 PCMA/PCMU kann fast jedes Gerät) oder ein Media-Gateway umkodieren lassen.".to_string()
                        ),
                    )
                    .evidence(
                        std::iter::once(offer.frame).chain(super::frames_of_status(c, code)),
                    ),
            );
        }
        // an answer naming a codec its offer did not
        let mut last_offer: Option<&voipscope_sip::calls::SdpEvent> = None;
        for e in &c.sdp {
            match last_offer {
                Some(o) if o.by != e.by => {
                    let extra: BTreeSet<String> = if names_a_codec_not_in(&e.sdp, &o.sdp) {
                        codecs(&e.sdp)
                            .difference(&codecs(&o.sdp))
                            .cloned()
                            .collect()
                    } else {
                        BTreeSet::new()
                    };
                    if !extra.is_empty() {
                        out.push(
                            Finding::new("answer-codec-not-offered", Severity::Warning)
                                .call(c)
                                .text(
                                    txt!(lang, format!("The answer names {} that the offer did not", join(&extra)), format!("Die Antwort nennt {}, das nicht angeboten war", join(&extra))),
                                    txt!(
                                        lang,
                                        format!("Frame {} offered {}; frame {} answered with {}. RFC 3264 lets an answer use only offered codecs; a strict peer may send nothing or drop the call.", o.frame, join(&codecs(&o.sdp)), e.frame, join(&codecs(&e.sdp))),
                                        format!("Frame {} bot {} an; Frame {} antwortete mit {}. Nach RFC 3264 darf eine Antwort nur angebotene Codecs nutzen; ein strenger Partner sendet dann nichts oder beendet den Anruf.", o.frame, join(&codecs(&o.sdp)), e.frame, join(&codecs(&e.sdp)))
                                    ),
                                    txt!(lang, "Check the codec settings of the answering side.".to_string(), "Die Codec-Einstellungen der antwortenden Seite prüfen.".to_string()),
                                )
                                .evidence([o.frame, e.frame]),
                        );
                    }
                    last_offer = None;
                }
                _ => last_offer = Some(e),
            }
        }
        // RTP whose payload type no SDP of the call named
        let mut negotiated = PayloadTypes::default();
        for pt in c
            .sdp
            .iter()
            .flat_map(|e| e.sdp.media.iter())
            .flat_map(|m| m.formats.iter())
            .filter_map(|f| f.id.parse::<u8>().ok())
        {
            negotiated.insert(pt);
        }
        if negotiated.is_empty() {
            return;
        }
        for &number in &c.media.streams {
            let Some(s) = facts.stream(number) else {
                continue;
            };
            let si = number - 1;
            if s.encrypted {
                continue;
            }
            for p in s
                .payload_types
                .iter()
                .filter(|p| !negotiated.contains(p.pt))
            {
                out.push(
                    Finding::new("rtp-payload-not-negotiated", Severity::Warning)
                        .call(c)
                        .text(
                            txt!(lang, format!("Stream {} sends payload type {} that no SDP negotiated", si + 1, p.pt), format!("Stream {} sendet Payload-Typ {}, den kein SDP ausgehandelt hat", si + 1, p.pt)),
                            txt!(
                                lang,
                                format!("{} packets of stream {} ({} -> {}) carry payload type {}, but the call's SDP named only {}. The receiver may play noise or nothing.", p.packets, si + 1, s.src, s.dst, p.pt, negotiated.iter().map(|pt| pt.to_string()).collect::<Vec<_>>().join(", ")),
                                format!("{} Pakete von Stream {} ({} -> {}) tragen Payload-Typ {}, das SDP des Anrufs nannte aber nur {}. Der Empfänger spielt dann Rauschen oder nichts.", p.packets, si + 1, s.src, s.dst, p.pt, negotiated.iter().map(|pt| pt.to_string()).collect::<Vec<_>>().join(", "))
                            ),
                            txt!(lang, "Check the sender's codec and DTMF payload type settings against its SDP.".to_string(), "Codec- und DTMF-Payload-Einstellungen des Senders mit seinem SDP vergleichen.".to_string()),
                        )
                        .evidence([p.first_frame])
                        .stream(number),
                );
            }
        }
    }
}

/// A set of RTP payload types, in place (once per call, where a tree set was two allocations).
#[derive(Default)]
struct PayloadTypes([u64; 4]);

impl PayloadTypes {
    fn insert(&mut self, pt: u8) {
        self.0[usize::from(pt / 64)] |= 1 << (pt % 64);
    }

    fn contains(&self, pt: u8) -> bool {
        self.0[usize::from(pt / 64)] & (1 << (pt % 64)) != 0
    }

    fn is_empty(&self) -> bool {
        self.0 == [0; 4]
    }

    /// In ascending order, as a tree set gave them.
    fn iter(&self) -> impl Iterator<Item = u8> + '_ {
        (0..=u8::MAX).filter(|&pt| self.contains(pt))
    }
}
