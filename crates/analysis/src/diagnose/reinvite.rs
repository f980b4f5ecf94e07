//! Rule 12: an offer inside a call that was refused. A re-INVITE or UPDATE (a switch to T.38
//! fax, hold, a codec change) answered with an error leaves the call up on its earlier media,
//! so the call looks fine while the fax, the hold or the new codec failed.

use super::{txt, Ctx, Finding, Severity};
use voipscope_sdp::{Direction, SessionDescription};
use voipscope_sip::calls::MessageRef;
use voipscope_sip::status;
use voipscope_sip::Call;
use voipscope_sip::{CSeq, Method};

/// What an in-dialog offer asked for, from its SDP (and the description before it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Asked {
    T38,
    Hold,
    Resume,
    CodecChange,
    Other,
    NoSdp,
}

impl Asked {
    fn of(offer: Option<&SessionDescription>, before: Option<&SessionDescription>) -> Asked {
        let Some(sdp) = offer else {
            return Asked::NoSdp;
        };
        let t38 = |d: &SessionDescription| {
            d.media.iter().any(|m| {
                m.port != 0
                    && (m.kind.eq_ignore_ascii_case("image")
                        || m.proto.to_ascii_lowercase().contains("udptl"))
            })
        };
        if t38(sdp) && !before.is_some_and(t38) {
            return Asked::T38;
        }
        let held = |d: &SessionDescription| {
            d.media.iter().filter(|m| m.port != 0).any(|m| {
                matches!(m.direction, Direction::Sendonly | Direction::Inactive)
                    || m.address.as_deref() == Some("0.0.0.0")
            })
        };
        match (held(sdp), before.map(held)) {
            (true, Some(false) | None) => return Asked::Hold,
            (false, Some(true)) => return Asked::Resume,
            _ => {}
        }
        let codecs = |d: &SessionDescription| -> Vec<String> {
            d.media
                .iter()
                .filter(|m| m.port != 0)
                .filter_map(|m| m.main_codec())
                .map(|f| {
                    f.name
                        .as_deref()
                        .map_or_else(|| f.id.to_string(), str::to_string)
                })
                .collect()
        };
        match before {
            Some(b) if codecs(b) != codecs(sdp) => Asked::CodecChange,
            _ => Asked::Other,
        }
    }

    fn text(self, sdp: Option<&SessionDescription>, lang: voipscope_sip::status::Lang) -> String {
        let codec = sdp
            .and_then(|d| d.media.iter().find(|m| m.port != 0))
            .and_then(|m| m.main_codec())
            .map(|f| {
                f.name
                    .as_deref()
                    .map_or_else(|| f.id.to_string(), str::to_string)
            })
            .unwrap_or_default();
        match self {
            Asked::T38 => txt!(
                lang,
                "a switch to T.38 fax".into(),
                "einen Wechsel auf T.38-Fax".into()
            ),
            Asked::Hold => txt!(
                lang,
                "putting the call on hold".into(),
                "das Halten des Anrufs".into()
            ),
            Asked::Resume => txt!(
                lang,
                "resuming the held call".into(),
                "das Fortsetzen des gehaltenen Anrufs".into()
            ),
            Asked::CodecChange => txt!(
                lang,
                format!("a change of codec to {codec}"),
                format!("einen Codec-Wechsel auf {codec}")
            ),
            Asked::Other => txt!(
                lang,
                "a new description of the same media".into(),
                "eine neue Beschreibung derselben Medien".into()
            ),
            Asked::NoSdp => txt!(
                lang,
                "an offer from the other side (it carried no SDP)".into(),
                "ein Angebot der Gegenseite (es trug kein SDP)".into()
            ),
        }
    }
}

fn is_offer_request(m: &MessageRef, first_cseq: &CSeq) -> bool {
    !m.retransmission
        && !m.duplicate
        && match &m.method {
            Some(Method::Invite) => m.cseq != *first_cseq,
            Some(Method::Update) => true,
            _ => false,
        }
}

pub fn call(c: &Call, ctx: Ctx, out: &mut Vec<Finding>) {
    let lang = ctx.lang;
    let Some(first) = c.messages.iter().find(|m| m.method == Some(Method::Invite)) else {
        return;
    };
    let first_cseq = first.cseq.clone();
    // in the dialog: after the call was answered (an INVITE retried with credentials after a
    // 401/407 has a new CSeq too, but comes before any 2xx)
    let Some(answered_at) = c.messages.iter().position(|m| {
        m.status.is_some_and(|s| (200..300).contains(&s)) && m.cseq.method == Method::Invite
    }) else {
        return;
    };
    // a transaction seen on several hops (a B2BUA's two legs under one Call-ID) is one offer
    let mut judged: Vec<&CSeq> = Vec::new();
    for (i, req) in c.messages.iter().enumerate() {
        if i < answered_at || !is_offer_request(req, &first_cseq) || judged.contains(&&req.cseq) {
            continue;
        }
        let Some(answer) = c.messages[i + 1..].iter().find(|m| {
            m.cseq == req.cseq && m.status.is_some_and(|s| s >= 200) && !m.retransmission
        }) else {
            continue;
        };
        judged.push(&req.cseq);
        let Some(code) = answer.status.filter(|&s| s >= 300 && s != 401 && s != 407) else {
            continue;
        };
        let offer = c.sdp.iter().find(|e| e.frame == req.frame).map(|e| &e.sdp);
        let before = c.sdp.iter().rfind(|e| e.frame < req.frame).map(|e| &e.sdp);
        let asked = Asked::of(offer, before);
        let what = asked.text(offer, lang);
        let method = match &req.method {
            Some(Method::Invite) => "re-INVITE",
            Some(m) => m.as_str(),
            None => continue,
        };
        let e = status::explain(code, lang);
        let after = ctx.base.s(answer.ts_ns) - ctx.base.s(req.ts_ns);
        let suggestion = match asked {
            Asked::T38 => txt!(
                lang,
                "Enable T.38 on the side that refused (or on its gateway), or have the fax sent as G.711 pass-through instead of switching to T.38.".to_string(),
                "T.38 auf der ablehnenden Seite (oder ihrem Gateway) aktivieren, oder das Fax als G.711-Durchleitung senden statt auf T.38 zu wechseln.".to_string()
            ),
            Asked::Hold | Asked::Resume => txt!(
                lang,
                "Check that the far end accepts hold by re-INVITE (sendonly/inactive, RFC 6337); some gateways want c=0.0.0.0, others refuse it.".to_string(),
                "Prüfen, ob die Gegenseite Halten per Re-INVITE akzeptiert (sendonly/inactive, RFC 6337); manche Gateways wollen c=0.0.0.0, andere lehnen es ab.".to_string()
            ),
            Asked::CodecChange => txt!(
                lang,
                "Enable the new codec on both sides, or keep the one the call started with.".to_string(),
                "Den neuen Codec auf beiden Seiten aktivieren oder beim Codec des Anrufbeginns bleiben.".to_string()
            ),
            _ => txt!(
                lang,
                "Compare this offer with the one the call started with; the refusing side's logs for this Call-ID say what it disliked.".to_string(),
                "Dieses Angebot mit dem des Anrufbeginns vergleichen; die Logs der ablehnenden Seite zu dieser Call-ID sagen, was sie störte.".to_string()
            ),
        };
        out.push(
            Finding::new("reinvite-refused", Severity::Warning)
                .call(c)
                .text(
                    txt!(
                        lang,
                        format!("{method} refused with {code} {}: {what} failed", e.phrase),
                        format!("{method} mit {code} {} abgelehnt: {what} scheiterte", e.phrase)
                    ),
                    txt!(
                        lang,
                        format!("The {method} of frame {}, which asked for {what}, was answered by {} with {} after {after:.3} s. {} The call went on with its earlier media.", req.frame, answer.src, answer.label, e.meaning),
                        format!("Das {method} in Frame {}, das {what} verlangte, beantwortete {} nach {after:.3} s mit {}. {} Der Anruf lief mit seinen bisherigen Medien weiter.", req.frame, answer.src, answer.label, e.meaning)
                    ),
                    suggestion,
                )
                .evidence([req.frame, answer.frame]),
        );
    }
}
