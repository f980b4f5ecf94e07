//! The Q.850 cause catalog: what the cause number of a `Reason: Q.850;cause=N` header (RFC
//! 3326) means, in English and German. Gateways to the telephone network put the ISDN/ISUP
//! cause there when they end or refuse a call; it often says more than the SIP status (a 480 with
//! cause 18 is a phone that did not answer, with cause 20 one that is switched off). The cause
//! names follow ITU-T Q.850; the explanations are our own.

use super::status::Lang;

/// One cause: its Q.850 name, and what it means for the call.
struct Cause {
    code: u32,
    en: (&'static str, &'static str),
    de: (&'static str, &'static str),
}

macro_rules! causes {
    ($($code:literal, $en:literal, $en_m:literal, $de:literal, $de_m:literal;)*) => {
        &[$(Cause { code: $code, en: ($en, $en_m), de: ($de, $de_m) },)*]
    };
}

const CAUSES: &[Cause] = causes![
    1, "unallocated number", "the dialled number does not exist",
       "nicht zugeteilte Rufnummer", "die gewählte Nummer gibt es nicht";
    2, "no route to specified transit network", "the network asked to carry the call cannot be reached",
       "kein Weg zum angegebenen Transitnetz", "das Netz, das den Ruf tragen soll, ist nicht erreichbar";
    3, "no route to destination", "the network has no way to the called number",
       "kein Weg zum Ziel", "das Netz kennt keinen Weg zur gerufenen Nummer";
    6, "channel unacceptable", "the channel offered for the call cannot be used",
       "Kanal nicht annehmbar", "der angebotene Kanal ist nicht nutzbar";
    16, "normal call clearing", "the call ended normally; one side hung up",
       "normale Auslösung", "der Ruf endete regulär; eine Seite hat aufgelegt";
    17, "user busy", "the called user is busy",
       "Teilnehmer besetzt", "der Angerufene ist besetzt";
    18, "no user responding", "the called phone did not respond in time, so it did not ring",
       "keine Antwort vom Teilnehmer", "das gerufene Telefon reagierte nicht rechtzeitig und klingelte nicht";
    19, "no answer from user (user alerted)", "the phone rang, but nobody answered",
       "keine Antwort (Teilnehmer gerufen)", "das Telefon klingelte, aber niemand nahm ab";
    20, "subscriber absent", "the called mobile is switched off or out of coverage",
       "Teilnehmer abwesend", "das gerufene Mobiltelefon ist aus oder ohne Netz";
    21, "call rejected", "the called side refused the call, by its user or a rule",
       "Ruf abgewiesen", "die gerufene Seite hat den Ruf abgelehnt, durch den Benutzer oder eine Regel";
    22, "number changed", "the called number is no longer in use; it has changed",
       "Rufnummer geändert", "die gerufene Nummer ist nicht mehr in Betrieb, sie wurde geändert";
    26, "non-selected user clearing", "another device of the user answered the call",
       "Auslösung eines nicht gewählten Teilnehmers", "ein anderes Gerät des Teilnehmers hat den Ruf angenommen";
    27, "destination out of order", "the called side cannot be reached; its line or device is down",
       "Ziel außer Betrieb", "die gerufene Seite ist nicht erreichbar; Leitung oder Gerät ausgefallen";
    28, "invalid number format (address incomplete)", "the number is incomplete or malformed",
       "ungültiges Nummernformat (unvollständige Adresse)", "die Nummer ist unvollständig oder falsch aufgebaut";
    29, "facility rejected", "a supplementary service the call asked for was refused",
       "Leistungsmerkmal abgelehnt", "ein angefordertes Leistungsmerkmal wurde abgelehnt";
    31, "normal, unspecified", "the call ended normally, without a more precise cause",
       "normal, nicht näher bestimmt", "der Ruf endete regulär, ohne genauere Ursache";
    34, "no circuit/channel available", "no line or channel is free for the call",
       "kein Kanal verfügbar", "keine Leitung und kein Kanal ist für den Ruf frei";
    38, "network out of order", "the network failed and will not recover soon",
       "Netz außer Betrieb", "das Netz ist ausgefallen und bald nicht wieder verfügbar";
    41, "temporary failure", "the network failed for a moment; trying again may work",
       "vorübergehender Fehler", "das Netz hatte einen kurzen Fehler; ein neuer Versuch kann gelingen";
    42, "switching equipment congestion", "the exchange is overloaded",
       "Überlast in der Vermittlung", "die Vermittlungsstelle ist überlastet";
    43, "access information discarded", "information the call carried could not be passed on",
       "Zugangsinformation verworfen", "Informationen des Rufs konnten nicht weitergegeben werden";
    44, "requested circuit/channel not available", "the line or channel asked for is not free",
       "angeforderter Kanal nicht verfügbar", "die angeforderte Leitung bzw. der Kanal ist nicht frei";
    47, "resource unavailable, unspecified", "a resource the call needs is not available",
       "Ressource nicht verfügbar, nicht näher bestimmt", "eine benötigte Ressource ist nicht verfügbar";
    50, "requested facility not subscribed", "the caller's account does not include this service",
       "Leistungsmerkmal nicht abonniert", "der Anschluss des Anrufers umfasst diesen Dienst nicht";
    55, "incoming calls barred within CUG", "the called user accepts no calls from this closed user group",
       "ankommende Rufe in der geschlossenen Benutzergruppe gesperrt", "der Angerufene nimmt aus dieser Benutzergruppe keine Rufe an";
    57, "bearer capability not authorized", "the caller may not use this kind of call, such as data or video",
       "Übertragungsfähigkeit nicht erlaubt", "der Anrufer darf diese Rufart nicht nutzen, etwa Daten oder Video";
    58, "bearer capability not presently available", "this kind of call cannot be carried now",
       "Übertragungsfähigkeit derzeit nicht verfügbar", "diese Rufart kann zurzeit nicht getragen werden";
    63, "service or option not available, unspecified", "a service the call needs is not available",
       "Dienst nicht verfügbar, nicht näher bestimmt", "ein benötigter Dienst ist nicht verfügbar";
    65, "bearer capability not implemented", "the network does not support this kind of call",
       "Übertragungsfähigkeit nicht implementiert", "das Netz unterstützt diese Rufart nicht";
    69, "requested facility not implemented", "the service asked for is not supported",
       "Leistungsmerkmal nicht implementiert", "das angeforderte Leistungsmerkmal wird nicht unterstützt";
    79, "service or option not implemented, unspecified", "something the call asked for is not supported",
       "Dienst nicht implementiert, nicht näher bestimmt", "etwas, das der Ruf verlangt, wird nicht unterstützt";
    81, "invalid call reference value", "a message named a call the other side does not know",
       "ungültige Rufreferenz", "eine Nachricht nannte einen Ruf, den die Gegenseite nicht kennt";
    88, "incompatible destination", "the called side cannot handle this kind of call",
       "inkompatibles Ziel", "die gerufene Seite kann diese Rufart nicht verarbeiten";
    95, "invalid message, unspecified", "a signalling message was invalid",
       "ungültige Nachricht, nicht näher bestimmt", "eine Signalisierungsnachricht war ungültig";
    96, "mandatory information element is missing", "a signalling message lacked a required part",
       "zwingendes Informationselement fehlt", "einer Signalisierungsnachricht fehlte ein Pflichtteil";
    97, "message type non-existent or not implemented", "a signalling message was of an unknown type",
       "Nachrichtentyp unbekannt oder nicht implementiert", "eine Signalisierungsnachricht hatte einen unbekannten Typ";
    99, "information element non-existent or not implemented", "a signalling message held an unknown part",
       "Informationselement unbekannt oder nicht implementiert", "eine Signalisierungsnachricht enthielt einen unbekannten Teil";
    100, "invalid information element contents", "a part of a signalling message held an invalid value",
       "ungültiger Inhalt eines Informationselements", "ein Teil einer Signalisierungsnachricht hatte einen ungültigen Wert";
    102, "recovery on timer expiry", "a signalling timer ran out; the other side did not answer in time",
       "Auslösung nach Zeitablauf", "ein Signalisierungs-Timer lief ab; die Gegenseite antwortete nicht rechtzeitig";
    111, "protocol error, unspecified", "the signalling went wrong in a way not described more precisely",
       "Protokollfehler, nicht näher bestimmt", "in der Signalisierung trat ein nicht näher bestimmter Fehler auf";
    127, "interworking, unspecified", "a network on the way, often a SIP-ISDN gateway, gave no more precise cause",
       "Netzübergang, nicht näher bestimmt", "ein Netz auf dem Weg, oft ein SIP-ISDN-Gateway, nannte keine genauere Ursache";
];

/// The class a cause number falls in (Q.850's ranges), for a cause the catalog does not list.
fn class(code: u32, lang: Lang) -> Option<&'static str> {
    let (en, de) = match code {
        0..=31 => ("normal event", "normales Ereignis"),
        32..=47 => ("resource unavailable", "Ressource nicht verfügbar"),
        48..=63 => ("service or option not available", "Dienst nicht verfügbar"),
        64..=79 => (
            "service or option not implemented",
            "Dienst nicht implementiert",
        ),
        80..=95 => ("invalid message", "ungültige Nachricht"),
        96..=111 => ("protocol error", "Protokollfehler"),
        112..=127 => ("interworking", "Netzübergang"),
        _ => return None,
    };
    Some(match lang {
        Lang::En => en,
        Lang::De => de,
    })
}

/// What a Q.850 cause means, as one phrase: `user busy: the called user is busy`. Unlisted
/// causes give their class; numbers outside Q.850 give None.
pub fn meaning(code: u32, lang: Lang) -> Option<String> {
    if let Some(c) = CAUSES.iter().find(|c| c.code == code) {
        let (name, what) = match lang {
            Lang::En => c.en,
            Lang::De => c.de,
        };
        return Some(format!("{name}: {what}"));
    }
    class(code, lang).map(|class| match lang {
        Lang::En => format!("a cause of the class \"{class}\""),
        Lang::De => format!("eine Ursache der Klasse \"{class}\""),
    })
}

/// The meaning of a `Reason` header's cause, when its protocol is Q.850.
pub fn of_reason(reason: &super::fields::ReasonValue, lang: Lang) -> Option<String> {
    if !reason.protocol.eq_ignore_ascii_case("Q.850") {
        return None;
    }
    meaning(reason.cause?, lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_are_listed_once_in_order_with_both_languages() {
        for pair in CAUSES.windows(2) {
            assert!(pair[0].code < pair[1].code, "{}", pair[1].code);
        }
        for c in CAUSES {
            for (name, what) in [c.en, c.de] {
                assert!(!name.is_empty() && !what.is_empty(), "{}", c.code);
            }
        }
    }

    #[test]
    fn known_unlisted_and_impossible_causes() {
        assert_eq!(
            meaning(16, Lang::En).as_deref(),
            Some("normal call clearing: the call ended normally; one side hung up")
        );
        assert!(meaning(17, Lang::De)
            .unwrap()
            .starts_with("Teilnehmer besetzt"));
        assert_eq!(
            meaning(45, Lang::En).as_deref(),
            Some("a cause of the class \"resource unavailable\"")
        );
        assert_eq!(meaning(200, Lang::En), None);
    }

    #[test]
    fn only_q850_reasons_are_read() {
        let sip =
            super::super::fields::parse_reason("SIP;cause=200;text=\"Call completed elsewhere\"");
        assert_eq!(of_reason(&sip[0], Lang::En), None);
        let q = super::super::fields::parse_reason("Q.850;cause=18");
        assert!(of_reason(&q[0], Lang::En)
            .unwrap()
            .starts_with("no user responding"));
    }
}
