//! What a stream's payload type is: name, clock rate and kind (audio, event, comfort noise)
//! from the media plan when it names the endpoint, else from the static payload table.

use compact_str::CompactString;

use super::record::ClockSource;
use super::state::StreamKey;
use crate::clock;
use crate::dtmf;
use voipscope_sdp::plan::MediaPlan;

/// How one payload type of a stream is read.
#[derive(Clone, Debug)]
pub(super) struct PayloadInfo {
    pub(super) pt: u8,
    /// In place: codec names are short.
    pub(super) name: Option<CompactString>,
    /// The rate Wireshark uses (0: none, as for telephone-event).
    pub(super) wireshark_clock: u32,
    /// The rate we use, and where it came from.
    pub(super) clock: Option<u32>,
    pub(super) clock_source: ClockSource,
    pub(super) event: bool,
    pub(super) comfort_noise: bool,
    pub(super) packets: u64,
    /// The first packet of this type (set by the caller; a finding about the type cites it).
    pub(super) first_frame: u64,
}

pub(super) fn payload_info(
    pt: u8,
    h_payload: &[u8],
    plan: &MediaPlan,
    key: &StreamKey,
) -> PayloadInfo {
    let planned = plan
        .for_flow(&key.src, &key.dst)
        .and_then(|e| e.format(pt))
        .cloned();
    let mut info = PayloadInfo {
        first_frame: 0,
        pt,
        name: None,
        wireshark_clock: 0,
        clock: None,
        clock_source: ClockSource::Unknown,
        event: false,
        comfort_noise: pt == 13 || pt == 19,
        packets: 0,
    };
    if let Some(f) = planned {
        let event = voipscope_wire::text::starts_with_ignore_ascii_case(&f.name, "telephone-event");
        info.event = event;
        info.comfort_noise |= f.name.eq_ignore_ascii_case("CN");
        info.clock = f.clock_rate.or_else(|| {
            let r = clock::wireshark_dynamic(&f.name);
            (r != 0).then_some(r)
        });
        info.clock_source = ClockSource::Sdp;
        info.wireshark_clock = if pt < 96 {
            clock::wireshark_static(pt)
        } else if event {
            0
        } else {
            f.clock_rate
                .unwrap_or_else(|| clock::wireshark_dynamic(&f.name))
        };
        info.name = Some(f.name.clone());
        return info;
    }
    if let Some((name, rate)) = voipscope_sdp::static_payload(pt) {
        info.name = Some(CompactString::const_new(name));
        info.clock = Some(rate);
        info.clock_source = ClockSource::StaticPayloadType;
        info.wireshark_clock = clock::wireshark_static(pt);
    } else if pt >= 96 && (pt == 101 || dtmf::looks_like_event(h_payload)) {
        // Wireshark's default rtpevent payload type is 101; others by their shape.
        info.event = true;
        info.name = Some(CompactString::const_new("telephone-event"));
        info.clock = Some(8000);
        info.clock_source = ClockSource::EventDefault;
    } else {
        info.wireshark_clock = clock::wireshark_static(pt);
    }
    info
}

/// What a packet reads of its payload type, copied out of the stream's list of payload types
/// (which holds names and lies in the state's cold part): nearly every packet has the type of
/// the packet before it, and with thousands of streams each line a packet reads is a miss.
#[derive(Clone, Copy, Debug)]
pub(super) struct CurrentPayload {
    /// Its position in [`StreamState::payloads`].
    pub(super) slot: u8,
    pub(super) pt: u8,
    pub(super) event: bool,
    pub(super) comfort_noise: bool,
    pub(super) wireshark_clock: u32,
    pub(super) clock: Option<u32>,
}

impl CurrentPayload {
    pub(super) fn of(slot: usize, info: &PayloadInfo) -> CurrentPayload {
        CurrentPayload {
            // payload types are 7 bits, so a stream has at most 128 of them
            slot: slot as u8,
            pt: info.pt,
            event: info.event,
            comfort_noise: info.comfort_noise,
            wireshark_clock: info.wireshark_clock,
            clock: info.clock,
        }
    }
}
