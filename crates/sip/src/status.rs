//! The SIP status code catalog: for every code of RFC 3261 and the extensions phones and
//! providers send, its reason phrase, what it means, what it means for a call, and its usual
//! causes, in English and German. Facts follow the RFCs and the German reference page this
//! project grew from (../shared/seed); the texts are our own.

use serde::Serialize;

/// Output language of explanations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    En,
    De,
}

/// Texts about one code in one language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Texts {
    /// What the code says.
    pub meaning: &'static str,
    /// What it means for a call (the INVITE it answers).
    pub for_call: &'static str,
    /// Usual causes and what to check.
    pub causes: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusInfo {
    pub code: u16,
    pub phrase: &'static str,
    /// Where the code is defined.
    pub rfc: &'static str,
    pub en: Texts,
    pub de: Texts,
}

impl StatusInfo {
    pub fn texts(&self, lang: Lang) -> &Texts {
        match lang {
            Lang::En => &self.en,
            Lang::De => &self.de,
        }
    }
}

/// An explanation assembled for output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Explanation {
    pub code: u16,
    pub phrase: String,
    pub class: String,
    pub meaning: String,
    pub for_call: String,
    pub causes: String,
    pub rfc: String,
}

/// What a response class means.
pub fn class_meaning(code: u16, lang: Lang) -> &'static str {
    match (code / 100, lang) {
        (1, Lang::En) => "Provisional: the request was received and is being processed; a final answer follows.",
        (2, Lang::En) => "Success: the request was accepted.",
        (3, Lang::En) => "Redirection: the request should be sent elsewhere; the response names where.",
        (4, Lang::En) => "Client error: the request cannot be fulfilled as sent (syntax, authorization, the target, or the offer); it may succeed if changed or sent elsewhere.",
        (5, Lang::En) => "Server error: a server failed to handle an apparently valid request; another server may succeed.",
        (6, Lang::En) => "Global failure: no server will fulfil the request; do not retry it elsewhere.",
        (7, Lang::En) => "Non-standard: some SIP stacks log 7xx for events of their own; not sent by compliant peers.",
        (1, Lang::De) => "Vorläufige Antwort: die Anfrage ist angekommen und wird bearbeitet; eine endgültige Antwort folgt.",
        (2, Lang::De) => "Erfolg: die Anfrage wurde angenommen.",
        (3, Lang::De) => "Umleitung: die Anfrage soll an ein anderes Ziel gehen; die Antwort nennt es.",
        (4, Lang::De) => "Fehler in der Anfrage: so wie gesendet kann sie nicht erfüllt werden (Syntax, Berechtigung, Ziel oder Angebot); geändert oder an anderer Stelle kann sie gelingen.",
        (5, Lang::De) => "Fehler auf Server-Seite: ein Server konnte eine offenbar korrekte Anfrage nicht bearbeiten; ein anderer Server kann es schaffen.",
        (6, Lang::De) => "Globaler Fehler: kein Server wird die Anfrage erfüllen; sie soll nicht anderswo wiederholt werden.",
        (7, Lang::De) => "Nicht standardisiert: manche SIP-Stacks protokollieren 7xx für eigene Ereignisse; kein regelkonformer Teilnehmer sendet sie.",
        (_, Lang::En) => "Not a valid SIP status class.",
        (_, Lang::De) => "Keine gültige SIP-Statusklasse.",
    }
}

/// The catalog entry of a code, if it has one.
pub fn lookup(code: u16) -> Option<&'static StatusInfo> {
    CATALOG
        .binary_search_by_key(&code, |s| s.code)
        .ok()
        .map(|i| &CATALOG[i])
}

/// An explanation of `code` in `lang`; codes not in the catalog are explained by their class.
pub fn explain(code: u16, lang: Lang) -> Explanation {
    let class = class_meaning(code, lang).to_string();
    match lookup(code) {
        Some(s) => {
            let t = s.texts(lang);
            Explanation {
                code,
                phrase: s.phrase.to_string(),
                class,
                meaning: t.meaning.to_string(),
                for_call: t.for_call.to_string(),
                causes: t.causes.to_string(),
                rfc: s.rfc.to_string(),
            }
        }
        None => Explanation {
            code,
            phrase: String::new(),
            meaning: match lang {
                Lang::En => "A code not in the catalog; peers treat it as the x00 code of its class.",
                Lang::De => "Ein Code außerhalb des Katalogs; Gegenstellen behandeln ihn wie den x00-Code seiner Klasse.",
            }
            .to_string(),
            for_call: String::new(),
            causes: String::new(),
            rfc: "RFC 3261 section 21".to_string(),
            class,
        },
    }
}

macro_rules! status {
    ($code:expr, $phrase:expr, $rfc:expr,
     en: $m:expr, $c:expr, $k:expr;
     de: $dm:expr, $dc:expr, $dk:expr) => {
        StatusInfo {
            code: $code,
            phrase: $phrase,
            rfc: $rfc,
            en: Texts {
                meaning: $m,
                for_call: $c,
                causes: $k,
            },
            de: Texts {
                meaning: $dm,
                for_call: $dc,
                causes: $dk,
            },
        }
    };
}

/// Sorted by code (a test checks), so lookup is a binary search.
pub static CATALOG: &[StatusInfo] = &[
    status!(100, "Trying", "RFC 3261",
        en: "The next hop received the request and is working on it.",
            "The call is being routed; nothing has rung yet. It stops INVITE retransmissions.",
            "Normal. If nothing follows for seconds, the next hop cannot reach the callee.";
        de: "Der nächste Knoten hat die Anfrage erhalten und bearbeitet sie.",
            "Der Anruf wird vermittelt; es klingelt noch nicht. Die INVITE-Wiederholungen enden damit.",
            "Normal. Folgt sekundenlang nichts, erreicht der nächste Knoten den Angerufenen nicht."),
    status!(180, "Ringing", "RFC 3261",
        en: "The callee's device is alerting the user.",
            "The phone rings; the caller hears ringback (generated locally unless early media arrives).",
            "Normal. No audio while ringing usually means the caller's phone expects early media (183) or plays nothing itself.";
        de: "Das Endgerät des Angerufenen klingelt.",
            "Es klingelt; der Anrufer hört einen Freiton (lokal erzeugt, außer es kommt Early Media).",
            "Normal. Kein Freiton beim Klingeln heißt meist, dass das Telefon Early Media (183) erwartet oder selbst nichts spielt."),
    status!(181, "Call Is Being Forwarded", "RFC 3261",
        en: "A proxy or the callee forwards the call to another destination.",
            "The call is diverted (call forwarding); the final answer comes from the new target.",
            "Call forwarding rules on the callee's line or PBX.";
        de: "Ein Proxy oder der Angerufene leitet den Anruf an ein anderes Ziel um.",
            "Der Anruf wird umgeleitet (Rufumleitung); die endgültige Antwort kommt vom neuen Ziel.",
            "Rufumleitung am Anschluss oder in der TK-Anlage des Angerufenen."),
    status!(182, "Queued", "RFC 3261",
        en: "The callee is temporarily unavailable and the call is queued rather than rejected.",
            "The caller waits in a queue (call center, busy line with camp-on).",
            "Queues and waiting features of the callee's system.";
        de: "Der Angerufene ist gerade nicht verfügbar; der Anruf wird in eine Warteschlange gestellt statt abgewiesen.",
            "Der Anrufer wartet in einer Warteschleife (Callcenter, Anklopfen bei besetzt).",
            "Warteschlangen und Wartefunktionen beim Angerufenen."),
    status!(183, "Session Progress", "RFC 3261",
        en: "Progress information, usually with SDP for early media (announcements, ringback from the network).",
            "Early media: the caller hears tones or announcements from the far end before any answer.",
            "Normal from gateways and providers. One-way or no early media points to NAT or a wrong SDP address.";
        de: "Fortschrittsmeldung, meist mit SDP für Early Media (Ansagen, Freiton aus dem Netz).",
            "Early Media: der Anrufer hört vor der Annahme Töne oder Ansagen der Gegenseite.",
            "Normal bei Gateways und Providern. Einseitige oder fehlende Early Media deutet auf NAT oder eine falsche SDP-Adresse."),
    status!(199, "Early Dialog Terminated", "RFC 6228",
        en: "An early dialog created by a fork was terminated before the final response.",
            "One forked branch stopped ringing; other branches may still answer.",
            "Parallel forking (several devices ringing) where one device rejected or timed out.";
        de: "Ein durch Verzweigung (Forking) entstandener früher Dialog wurde vor der endgültigen Antwort beendet.",
            "Ein Zweig hat aufgehört zu klingeln; andere Zweige können noch annehmen.",
            "Paralleles Klingeln mehrerer Geräte, von denen eines abgelehnt hat oder abgelaufen ist."),
    status!(200, "OK", "RFC 3261",
        en: "The request succeeded.",
            "The call was answered; it is up once the caller sends ACK.",
            "Normal. A 200 repeated every 0.5-4 s means the ACK did not arrive: the call will drop after about 32 s.";
        de: "Die Anfrage war erfolgreich.",
            "Der Anruf wurde angenommen; er steht, sobald der Anrufer ACK sendet.",
            "Normal. Wird das 200 alle 0,5-4 s wiederholt, kommt das ACK nicht an: der Anruf bricht nach etwa 32 s ab."),
    status!(202, "Accepted", "RFC 3265/6665",
        en: "The request was accepted and will be processed later (REFER, SUBSCRIBE).",
            "A transfer or subscription was accepted; its outcome arrives in NOTIFY.",
            "Normal for REFER. Deprecated for SUBSCRIBE by RFC 6665.";
        de: "Die Anfrage wurde angenommen und wird später ausgeführt (REFER, SUBSCRIBE).",
            "Eine Weitervermittlung oder ein Abonnement wurde angenommen; das Ergebnis kommt per NOTIFY.",
            "Normal bei REFER. Für SUBSCRIBE seit RFC 6665 veraltet."),
    status!(204, "No Notification", "RFC 5839",
        en: "The request succeeded but no notification will be sent (the state has not changed).",
            "Not used for calls; seen with conditional SUBSCRIBE/PUBLISH.",
            "Event state unchanged since the subscriber's last version.";
        de: "Die Anfrage war erfolgreich, eine Benachrichtigung wird aber bewusst nicht gesendet (unveränderter Zustand).",
            "Nicht bei Anrufen; bei bedingtem SUBSCRIBE/PUBLISH.",
            "Der Ereigniszustand hat sich seit der letzten Version des Abonnenten nicht geändert."),
    status!(300, "Multiple Choices", "RFC 3261",
        en: "The target resolves to several destinations; Contact lists them.",
            "The call was not connected; the caller may choose one of the listed targets.",
            "A number or address that leads to several endpoints.";
        de: "Das Ziel führt zu mehreren Adressen; Contact nennt sie.",
            "Der Anruf wurde nicht verbunden; der Anrufer kann eines der genannten Ziele wählen.",
            "Eine Rufnummer oder Adresse mit mehreren Zielen."),
    status!(301, "Moved Permanently", "RFC 3261",
        en: "The user is no longer at this address; Contact gives the new one.",
            "The call should be placed to the new address; update contacts.",
            "A moved account or changed SIP address.";
        de: "Der Teilnehmer ist nicht mehr unter dieser Adresse erreichbar; Contact nennt die neue.",
            "Der Anruf soll an die neue Adresse gehen; Kontakte anpassen.",
            "Umgezogenes Konto oder geänderte SIP-Adresse."),
    status!(302, "Moved Temporarily", "RFC 3261",
        en: "The user is temporarily at another address; Contact gives it.",
            "The caller's proxy or phone should retry at the Contact address (call forwarding by redirect).",
            "Call forwarding implemented as a redirect server; a phone that ignores 302 fails the call.";
        de: "Der Teilnehmer ist vorübergehend unter einer anderen Adresse erreichbar; Contact nennt sie.",
            "Proxy oder Telefon des Anrufers soll es an der Contact-Adresse erneut versuchen (Umleitung per Redirect).",
            "Rufumleitung über einen Redirect-Server; ein Telefon, das 302 nicht befolgt, lässt den Anruf scheitern."),
    status!(305, "Use Proxy", "RFC 3261",
        en: "The target must be reached through the proxy named in Contact.",
            "The call must be sent again via that proxy.",
            "Deprecated in practice; phones configured without the required outbound proxy.";
        de: "Das Ziel ist nur über den in Contact genannten Proxy erreichbar.",
            "Der Anruf muss über diesen Proxy erneut gesendet werden.",
            "In der Praxis veraltet; Telefone ohne den nötigen Outbound-Proxy."),
    status!(380, "Alternative Service", "RFC 3261",
        en: "The call failed, but alternative services are possible (described in the body).",
            "The call was not connected; the body may describe another way (e.g. emergency call routing).",
            "Emergency services (RFC 7090) and service-specific redirection.";
        de: "Der Anruf ist gescheitert, alternative Dienste sind aber möglich (im Body beschrieben).",
            "Der Anruf wurde nicht verbunden; der Body kann einen anderen Weg beschreiben (z. B. Notruf-Lenkung).",
            "Notrufdienste (RFC 7090) und dienstspezifische Umleitung."),
    status!(400, "Bad Request", "RFC 3261",
        en: "The request could not be understood (malformed syntax).",
            "The call was refused before routing; the request itself is broken.",
            "A missing or malformed header, a wrong Content-Length, a broken SDP, or a message cut by MTU or an ALG. Check the request against the reason phrase and Warning.";
        de: "Die Anfrage ist syntaktisch fehlerhaft und wurde nicht verstanden.",
            "Der Anruf wurde vor der Vermittlung abgewiesen; die Anfrage selbst ist fehlerhaft.",
            "Fehlender oder falscher Header, falsche Content-Length, kaputtes SDP oder eine durch MTU oder ein ALG verstümmelte Nachricht. Grundtext und Warning prüfen."),
    status!(401, "Unauthorized", "RFC 3261",
        en: "The registrar or user agent requires authentication; the response carries a digest challenge.",
            "Not a failure yet: the caller is expected to resend the INVITE with credentials.",
            "Normal as a first answer. Repeated 401s mean wrong user name or password, wrong realm, or credentials for another account.";
        de: "Registrar oder Endgerät verlangt eine Authentifizierung; die Antwort enthält eine Digest-Aufforderung.",
            "Noch kein Fehler: der Anrufer soll das INVITE mit Zugangsdaten erneut senden.",
            "Als erste Antwort normal. Wiederholte 401 bedeuten falschen Benutzernamen oder falsches Passwort, falschen Realm oder Zugangsdaten eines anderen Kontos."),
    status!(402, "Payment Required", "RFC 3261",
        en: "Reserved for future use; some providers send it when the account has no credit.",
            "The call was refused for billing reasons.",
            "Prepaid balance exhausted or account blocked for payment.";
        de: "Für künftige Nutzung reserviert; manche Provider senden es bei fehlendem Guthaben.",
            "Der Anruf wurde aus Abrechnungsgründen abgelehnt: erst bezahlen, dann telefonieren.",
            "Prepaid-Guthaben aufgebraucht oder Konto wegen Zahlung gesperrt."),
    status!(403, "Forbidden", "RFC 3261",
        en: "The server understood the request and refuses it; authenticating again will not help.",
            "The call is not allowed from this account, address or to this destination.",
            "Wrong credentials after a challenge; the account is not registered or registered from another address:port; the PBX advertises its LAN address in Contact/SDP; the destination is barred; the provider allows one call at a time.";
        de: "Der Server hat die Anfrage verstanden und verweigert sie; erneute Authentifizierung hilft nicht.",
            "Der Anruf ist von diesem Konto, dieser Adresse oder zu diesem Ziel nicht erlaubt.",
            "Falsche Zugangsdaten nach der Aufforderung; Konto nicht oder von anderer Adresse/Port registriert; die Anlage nennt ihre LAN-Adresse in Contact/SDP; Ziel gesperrt; der Provider erlaubt nur ein Gespräch zugleich."),
    status!(404, "Not Found", "RFC 3261",
        en: "The user does not exist at the domain in the Request-URI.",
            "The dialled number or address does not exist (\"number not in service\").",
            "A mistyped number, a missing prefix or country code, an unknown extension, or a dial plan that does not match.";
        de: "Den Teilnehmer gibt es in der Domain der Request-URI nicht.",
            "Die gewählte Nummer oder Adresse existiert nicht (\"kein Anschluss unter dieser Nummer\").",
            "Vertippte Nummer, fehlende Vorwahl oder Ländervorwahl, unbekannte Nebenstelle oder ein unpassender Wählplan."),
    status!(405, "Method Not Allowed", "RFC 3261",
        en: "The method is known but not allowed for this address; Allow lists the allowed ones.",
            "The request type (e.g. SUBSCRIBE, MESSAGE, REFER) is not accepted by this peer.",
            "A feature the peer does not offer, such as presence or transfer.";
        de: "Die Methode ist bekannt, für diese Adresse aber nicht erlaubt; Allow nennt die erlaubten.",
            "Diese Art Anfrage (z. B. SUBSCRIBE, MESSAGE, REFER) nimmt die Gegenstelle nicht an.",
            "Eine Funktion, die die Gegenstelle nicht anbietet, etwa Präsenz oder Weitervermittlung."),
    status!(406, "Not Acceptable", "RFC 3261",
        en: "The response would need content the request's Accept headers do not allow.",
            "The call's requested options are not acceptable to the callee.",
            "Accept or Accept-Encoding headers too narrow.";
        de: "Die Antwort bräuchte Inhalte, die die Accept-Header der Anfrage nicht zulassen.",
            "Die Optionen des Anrufs sind beim Angerufenen nicht zulässig.",
            "Zu enge Accept- oder Accept-Encoding-Header."),
    status!(407, "Proxy Authentication Required", "RFC 3261",
        en: "A proxy requires authentication; the response carries a digest challenge.",
            "Not a failure yet: the caller should resend the INVITE with Proxy-Authorization.",
            "Normal as a first answer from a provider. Unanswered, the phone has no credentials for this proxy; repeated, the credentials are wrong.";
        de: "Ein Proxy verlangt eine Authentifizierung; die Antwort enthält eine Digest-Aufforderung.",
            "Noch kein Fehler: der Anrufer soll das INVITE mit Proxy-Authorization erneut senden.",
            "Als erste Antwort eines Providers normal. Bleibt sie unbeantwortet, fehlen dem Telefon Zugangsdaten für diesen Proxy; wiederholt sie sich, sind sie falsch."),
    status!(408, "Request Timeout", "RFC 3261",
        en: "No final response could be obtained in time (Timer C, or the next hop did not answer).",
            "The callee could not be reached in time; the call was given up.",
            "The callee's device is offline or its registration is stale; a NAT binding expired; a firewall drops the INVITE; the remote side never answered.";
        de: "Innerhalb der Frist kam keine endgültige Antwort (Timer C, oder der nächste Knoten hat nicht geantwortet).",
            "Der Angerufene war nicht rechtzeitig erreichbar; der Anruf wurde aufgegeben.",
            "Gerät des Angerufenen offline oder Registrierung veraltet; NAT-Bindung abgelaufen; Firewall verwirft das INVITE; die Gegenseite hat nie geantwortet."),
    status!(410, "Gone", "RFC 3261",
        en: "The user existed but is no longer available here, and no forwarding address is known.",
            "The number or address has been withdrawn.",
            "A disconnected number or deleted account.";
        de: "Den Teilnehmer gab es, er ist hier aber nicht mehr erreichbar; eine neue Adresse ist nicht bekannt.",
            "Die Nummer oder Adresse wurde aufgegeben.",
            "Abgemeldete Rufnummer oder gelöschtes Konto."),
    status!(412, "Conditional Request Failed", "RFC 3903",
        en: "A conditional PUBLISH refers to an entity tag the server no longer has.",
            "Not used for calls; the publisher must publish its full state again.",
            "Expired publication (SIP-If-Match with an old entity tag).";
        de: "Ein bedingtes PUBLISH verweist auf ein Entity-Tag, das der Server nicht mehr kennt.",
            "Nicht bei Anrufen; der Sender muss seinen vollen Zustand neu veröffentlichen.",
            "Abgelaufene Veröffentlichung (SIP-If-Match mit altem Entity-Tag)."),
    status!(413, "Request Entity Too Large", "RFC 3261",
        en: "The request body is larger than the server accepts.",
            "The call was refused because the message (usually the SDP or a multipart body) is too big.",
            "Very large SDP (many codecs, ICE candidates) or attachments.";
        de: "Der Body der Anfrage ist größer, als der Server annimmt.",
            "Der Anruf wurde abgelehnt, weil die Nachricht (meist SDP oder Multipart-Body) zu groß ist.",
            "Sehr großes SDP (viele Codecs, ICE-Kandidaten) oder Anhänge."),
    status!(414, "Request-URI Too Long", "RFC 3261",
        en: "The Request-URI is longer than the server will interpret.",
            "The call was refused because of its target address.",
            "Misconfigured dial strings or URI parameters.";
        de: "Die Request-URI ist länger, als der Server verarbeitet.",
            "Der Anruf wurde wegen seiner Zieladresse abgelehnt.",
            "Falsch konfigurierte Wählzeichenfolgen oder URI-Parameter."),
    status!(415, "Unsupported Media Type", "RFC 3261",
        en: "The body's type or encoding is not supported; Accept lists what is.",
            "The callee cannot read the offer's body type (e.g. multipart or a compressed body).",
            "A body type other than application/sdp, or Content-Encoding the peer lacks.";
        de: "Typ oder Kodierung des Bodys werden nicht unterstützt; Accept nennt die unterstützten.",
            "Der Angerufene kann den Body-Typ des Angebots nicht lesen (z. B. Multipart oder komprimiert).",
            "Ein anderer Body-Typ als application/sdp oder eine fehlende Content-Encoding-Unterstützung."),
    status!(416, "Unsupported URI Scheme", "RFC 3261",
        en: "The Request-URI's scheme (sips:, tel:, ...) is not supported.",
            "The call target was written in a form the server cannot route.",
            "tel: or sips: URIs sent to a server that only takes sip:.";
        de: "Das Schema der Request-URI (sips:, tel:, ...) wird nicht unterstützt.",
            "Das Anrufziel ist in einer Form geschrieben, die der Server nicht vermitteln kann.",
            "tel:- oder sips:-URIs an einen Server, der nur sip: annimmt."),
    status!(417, "Unknown Resource-Priority", "RFC 4412",
        en: "The request's Resource-Priority namespace or value is not known.",
            "A priority (emergency/government) call marker was not understood.",
            "Resource-Priority headers with namespaces the server does not support.";
        de: "Namensraum oder Wert des Resource-Priority-Headers ist unbekannt.",
            "Eine Prioritätskennzeichnung (Notfall/Behörden) wurde nicht verstanden.",
            "Resource-Priority mit Namensräumen, die der Server nicht kennt."),
    status!(420, "Bad Extension", "RFC 3261",
        en: "An extension listed in Proxy-Require or Require is not supported; Unsupported names it.",
            "The call demanded a SIP extension the callee lacks.",
            "Require: 100rel, timer or precondition sent to a peer without them.";
        de: "Eine in Proxy-Require oder Require genannte Erweiterung wird nicht unterstützt; Unsupported nennt sie.",
            "Der Anruf verlangte eine SIP-Erweiterung, die der Angerufene nicht hat.",
            "Require: 100rel, timer oder precondition an eine Gegenstelle ohne diese Erweiterung."),
    status!(421, "Extension Required", "RFC 3261",
        en: "The server needs an extension the request did not list; Require names it.",
            "The call must be retried with the named extension (often 100rel or timer).",
            "A phone that does not support or offer the extension the provider requires.";
        de: "Der Server braucht eine Erweiterung, die die Anfrage nicht nennt; Require nennt sie.",
            "Der Anruf muss mit der genannten Erweiterung (oft 100rel oder timer) wiederholt werden.",
            "Ein Telefon, das die vom Provider verlangte Erweiterung nicht unterstützt oder anbietet."),
    status!(422, "Session Interval Too Small", "RFC 4028",
        en: "The Session-Expires interval is below the server's minimum; Min-SE gives it.",
            "The call must be retried with a longer session timer.",
            "Session-Expires configured too short (below 90 s or the provider's minimum).";
        de: "Das Session-Expires-Intervall liegt unter dem Minimum des Servers; Min-SE nennt es.",
            "Der Anruf muss mit längerem Session-Timer wiederholt werden.",
            "Session-Expires zu kurz eingestellt (unter 90 s oder dem Minimum des Providers)."),
    status!(423, "Interval Too Brief", "RFC 3261",
        en: "The requested registration or subscription lifetime is too short; Min-Expires gives the minimum.",
            "Usually a REGISTER answer: retry with a longer Expires.",
            "Registration interval set below the registrar's minimum.";
        de: "Die gewünschte Gültigkeit der Registrierung oder des Abonnements ist zu kurz; Min-Expires nennt das Minimum.",
            "Meist eine Antwort auf REGISTER: mit längerem Expires wiederholen.",
            "Registrierungsintervall unter dem Minimum des Registrars eingestellt."),
    status!(424, "Bad Location Information", "RFC 6442",
        en: "The location information in the request is malformed or unsuitable.",
            "A call carrying location (often an emergency call) was refused because of it.",
            "Broken Geolocation headers or PIDF-LO bodies.";
        de: "Die Standortinformation der Anfrage ist fehlerhaft oder ungeeignet.",
            "Ein Anruf mit Standortangabe (oft ein Notruf) wurde deswegen abgelehnt.",
            "Fehlerhafte Geolocation-Header oder PIDF-LO-Bodys."),
    status!(425, "Bad Alert Message", "RFC 8876",
        en: "The alert message (Alert-Info with a CAP body) is not acceptable.",
            "An emergency alert was refused for its content.",
            "Malformed or unauthorised Common Alerting Protocol content.";
        de: "Die Alarmmeldung (Alert-Info mit CAP-Body) ist nicht annehmbar.",
            "Eine Notfallwarnung wurde wegen ihres Inhalts abgelehnt.",
            "Fehlerhafter oder nicht berechtigter Common-Alerting-Protocol-Inhalt."),
    status!(428, "Use Identity Header", "RFC 8224",
        en: "The server requires an Identity header (STIR/SHAKEN signature).",
            "The call was refused because it was not signed.",
            "A carrier that requires STIR/SHAKEN attestation on incoming calls.";
        de: "Der Server verlangt einen Identity-Header (STIR/SHAKEN-Signatur).",
            "Der Anruf wurde abgelehnt, weil er nicht signiert war.",
            "Ein Netzbetreiber, der STIR/SHAKEN-Bestätigung für eingehende Anrufe verlangt."),
    status!(429, "Provide Referrer Identity", "RFC 3892",
        en: "The REFER target requires a Referred-By token to accept the transfer.",
            "A transfer was refused until the referrer's identity is provided.",
            "Transfers between domains with strict policy.";
        de: "Das Ziel der Weitervermittlung verlangt ein Referred-By-Token.",
            "Eine Weitervermittlung wurde abgelehnt, bis die Identität des Vermittlers nachgewiesen ist.",
            "Weitervermittlung zwischen Domains mit strengen Regeln."),
    status!(430, "Flow Failed", "RFC 5626",
        en: "An outbound flow (SIP Outbound) to the user agent has failed.",
            "The edge proxy cannot reach the callee over its registered connection.",
            "A broken TCP/TLS connection or expired NAT binding of a SIP Outbound client.";
        de: "Ein ausgehender Flow (SIP Outbound) zum Endgerät ist ausgefallen.",
            "Der Edge-Proxy erreicht den Angerufenen über die registrierte Verbindung nicht.",
            "Abgebrochene TCP/TLS-Verbindung oder abgelaufene NAT-Bindung eines SIP-Outbound-Clients."),
    status!(433, "Anonymity Disallowed", "RFC 5079",
        en: "The callee refuses anonymous calls.",
            "The call was rejected because the caller withheld its identity.",
            "Caller ID suppressed (From: Anonymous, Privacy: id) towards a user who blocks anonymous calls.";
        de: "Der Angerufene nimmt keine anonymen Anrufe an.",
            "Der Anruf wurde abgelehnt, weil der Anrufer seine Rufnummer unterdrückt hat.",
            "Rufnummernunterdrückung (From: Anonymous, Privacy: id) bei einem Teilnehmer, der anonyme Anrufe sperrt."),
    status!(436, "Bad Identity-Info", "RFC 4474",
        en: "The Identity-Info URI cannot be dereferenced.",
            "The call's signature could not be checked.",
            "An unreachable certificate URL in Identity-Info.";
        de: "Die URI in Identity-Info ist nicht abrufbar.",
            "Die Signatur des Anrufs konnte nicht geprüft werden.",
            "Nicht erreichbare Zertifikats-URL in Identity-Info."),
    status!(437, "Unsupported Credential", "RFC 8224",
        en: "The certificate behind the Identity signature is not accepted.",
            "The call's signature is not trusted.",
            "An unknown or invalid STIR/SHAKEN certificate.";
        de: "Das Zertifikat hinter der Identity-Signatur wird nicht akzeptiert.",
            "Der Signatur des Anrufs wird nicht vertraut.",
            "Unbekanntes oder ungültiges STIR/SHAKEN-Zertifikat."),
    status!(438, "Invalid Identity Header", "RFC 8224",
        en: "The Identity header's signature does not verify.",
            "The call was refused because its signature is invalid.",
            "Headers changed after signing, or a wrong key.";
        de: "Die Signatur im Identity-Header lässt sich nicht verifizieren.",
            "Der Anruf wurde wegen ungültiger Signatur abgelehnt.",
            "Nach dem Signieren veränderte Header oder ein falscher Schlüssel."),
    status!(439, "First Hop Lacks Outbound Support", "RFC 5626",
        en: "The registrar supports SIP Outbound but the first hop proxy does not.",
            "Registration with outbound failed; mostly a REGISTER answer.",
            "A client asking for outbound behind a proxy without it.";
        de: "Der Registrar unterstützt SIP Outbound, der erste Proxy aber nicht.",
            "Registrierung mit Outbound gescheitert; meist eine Antwort auf REGISTER.",
            "Ein Client verlangt Outbound hinter einem Proxy ohne diese Funktion."),
    status!(440, "Max-Breadth Exceeded", "RFC 5393",
        en: "Forking would exceed the request's Max-Breadth.",
            "The call could not be forked to all targets.",
            "Forking loops or very wide parallel forking.";
        de: "Eine Verzweigung würde die Max-Breadth der Anfrage überschreiten.",
            "Der Anruf konnte nicht an alle Ziele verzweigt werden.",
            "Forking-Schleifen oder sehr breites paralleles Forking."),
    status!(469, "Bad Info Package", "RFC 6086",
        en: "The INFO request's Info-Package is not one the peer accepts.",
            "An INFO (e.g. DTMF) was refused; the call itself continues.",
            "Info-Package mismatch; use RFC 4733 DTMF in RTP instead.";
        de: "Das Info-Package der INFO-Anfrage nimmt die Gegenstelle nicht an.",
            "Eine INFO (z. B. DTMF) wurde abgelehnt; der Anruf selbst läuft weiter.",
            "Nicht passendes Info-Package; stattdessen DTMF nach RFC 4733 im RTP verwenden."),
    status!(470, "Consent Needed", "RFC 5360",
        en: "The request would reach recipients who have not consented.",
            "The request was refused until the recipients consent.",
            "Relays and exploders protecting against spam amplification.";
        de: "Die Anfrage würde Empfänger erreichen, die nicht zugestimmt haben.",
            "Die Anfrage wurde abgelehnt, bis die Empfänger zustimmen.",
            "Weiterleitungen und Verteiler, die sich gegen Spam-Verstärkung schützen."),
    status!(480, "Temporarily Unavailable", "RFC 3261",
        en: "The callee was reached but is currently unavailable (not registered, do not disturb).",
            "The call was not connected; the callee cannot take calls right now.",
            "The callee's phone is not registered, switched off or in do-not-disturb; no device answered within the ring time.";
        de: "Der Angerufene wurde gefunden, ist aber gerade nicht verfügbar (nicht registriert, nicht stören).",
            "Der Anruf wurde nicht verbunden; der Angerufene ist zur Zeit nicht erreichbar.",
            "Telefon des Angerufenen nicht registriert, ausgeschaltet oder auf Nicht stören; kein Gerät hat innerhalb der Klingelzeit angenommen."),
    status!(481, "Call/Transaction Does Not Exist", "RFC 3261",
        en: "The request refers to a dialog or transaction the server does not know.",
            "An in-dialog request (BYE, re-INVITE, NOTIFY) arrived after the dialog ended or at the wrong device.",
            "A restarted device, a dialog that already timed out, a wrong Record-Route path, or NAT sending it elsewhere.";
        de: "Die Anfrage bezieht sich auf einen Dialog oder eine Transaktion, die der Server nicht kennt.",
            "Eine Anfrage im Dialog (BYE, Re-INVITE, NOTIFY) kam nach dem Ende des Dialogs oder am falschen Gerät an.",
            "Neu gestartetes Gerät, bereits abgelaufener Dialog, falscher Record-Route-Weg oder NAT, das sie woanders hinschickt."),
    status!(482, "Loop Detected", "RFC 3261",
        en: "The request arrived at a server it already passed (its own Via is in the request).",
            "The call is routed in a circle and was stopped.",
            "Routing rules that send calls back and forth between two servers, or a PBX and provider pointing at each other.";
        de: "Die Anfrage kam bei einem Server an, den sie schon durchlaufen hat (sein eigener Via steht darin).",
            "Der Anruf wird im Kreis vermittelt und wurde gestoppt.",
            "Routing-Regeln, die Anrufe zwischen zwei Servern hin und her schicken, oder Anlage und Provider verweisen aufeinander."),
    status!(483, "Too Many Hops", "RFC 3261",
        en: "Max-Forwards reached zero.",
            "The call passed too many proxies (often a loop) and was stopped.",
            "Routing loops, or Max-Forwards set too low by a device.";
        de: "Max-Forwards ist bei null angekommen.",
            "Der Anruf hat zu viele Proxys durchlaufen (oft eine Schleife) und wurde gestoppt.",
            "Routing-Schleifen oder ein zu niedrig gesetztes Max-Forwards."),
    status!(484, "Address Incomplete", "RFC 3261",
        en: "The Request-URI is incomplete.",
            "The dialled number is too short; the caller may dial more digits (overlap dialling).",
            "Missing digits, an area code left out, or a dial plan that sends too early.";
        de: "Die Request-URI ist unvollständig.",
            "Die gewählte Nummer ist zu kurz; der Anrufer kann weitere Ziffern wählen (Blockwahl).",
            "Fehlende Ziffern, vergessene Vorwahl oder ein Wählplan, der zu früh sendet."),
    status!(485, "Ambiguous", "RFC 3261",
        en: "The Request-URI is ambiguous; the response may list candidates.",
            "The call was not connected because the target matches several users.",
            "Short or partial names in a directory lookup.";
        de: "Die Request-URI ist mehrdeutig; die Antwort kann Kandidaten nennen.",
            "Der Anruf wurde nicht verbunden, weil das Ziel auf mehrere Teilnehmer passt.",
            "Kurze oder unvollständige Namen bei einer Verzeichnissuche."),
    status!(486, "Busy Here", "RFC 3261",
        en: "The callee's device was reached but is busy.",
            "The callee is busy; the caller hears a busy tone. Other devices of the user may still be free.",
            "The callee is on another call, has call waiting off, or the line allows only one call at a time.";
        de: "Das Gerät des Angerufenen wurde erreicht, ist aber besetzt.",
            "Der Angerufene ist besetzt; der Anrufer hört das Besetztzeichen. Andere Geräte des Teilnehmers können frei sein.",
            "Der Angerufene telefoniert, Anklopfen ist aus, oder die Leitung erlaubt nur ein Gespräch zugleich."),
    status!(487, "Request Terminated", "RFC 3261",
        en: "The request was ended by a CANCEL (or a BYE) before it was answered.",
            "The caller hung up before the callee answered: a cancelled call, not a fault.",
            "Normal after CANCEL. Without a CANCEL, a forking proxy ended this branch because another answered.";
        de: "Die Anfrage wurde vor der Annahme durch CANCEL (oder BYE) beendet.",
            "Der Anrufer hat vor der Annahme aufgelegt: ein abgebrochener Anruf, kein Fehler.",
            "Normal nach CANCEL. Ohne CANCEL hat ein verzweigender Proxy diesen Zweig beendet, weil ein anderer angenommen hat."),
    status!(488, "Not Acceptable Here", "RFC 3261",
        en: "The session description is not acceptable to this user agent (codecs, media, transport, encryption).",
            "The callee or a provider refused the offered media: no codec or media type in common.",
            "No common codec; T.38 fax or video not supported; SRTP required or refused; the dialled destination not supported; a second simultaneous call not allowed by the provider.";
        de: "Die Sitzungsbeschreibung ist für dieses Endgerät nicht annehmbar (Codecs, Medien, Transport, Verschlüsselung).",
            "Angerufener oder Provider lehnt die angebotenen Medien ab: kein gemeinsamer Codec oder Medientyp.",
            "Kein gemeinsamer Codec; T.38-Fax oder Video nicht unterstützt; SRTP verlangt oder abgelehnt; Anwahl der Zielrufnummer nicht unterstützt; ein zweites gleichzeitiges Gespräch vom Provider nicht erlaubt."),
    status!(489, "Bad Event", "RFC 6665",
        en: "The server does not understand the event package in the Event header.",
            "A subscription (presence, message waiting, dialog) was refused.",
            "An event package the server does not offer (BLF, MWI on the wrong server).";
        de: "Der Server kennt das im Event-Header genannte Ereignispaket nicht.",
            "Ein Abonnement (Präsenz, Nachrichten, Dialog) wurde abgelehnt.",
            "Ein Ereignispaket, das der Server nicht anbietet (BLF, MWI am falschen Server)."),
    status!(491, "Request Pending", "RFC 3261",
        en: "A request in the same dialog is still being processed (glare).",
            "Both sides sent a re-INVITE or UPDATE at once; each retries after a random wait.",
            "Simultaneous hold/resume or session refresh from both sides.";
        de: "Eine Anfrage desselben Dialogs ist noch in Bearbeitung (Glare).",
            "Beide Seiten haben gleichzeitig ein Re-INVITE oder UPDATE gesendet; jede wiederholt nach zufälliger Wartezeit.",
            "Gleichzeitiges Halten/Fortsetzen oder Session-Refresh von beiden Seiten."),
    status!(493, "Undecipherable", "RFC 3261",
        en: "The request has an encrypted (S/MIME) body the server cannot decrypt.",
            "The call was refused because its body could not be read.",
            "S/MIME bodies without a matching key.";
        de: "Die Anfrage enthält einen verschlüsselten MIME-Body (S/MIME), den der Empfänger nicht entschlüsseln kann.",
            "Der Anruf wurde abgelehnt, weil sein Body nicht lesbar war.",
            "S/MIME-Bodys ohne passenden Schlüssel."),
    status!(494, "Security Agreement Required", "RFC 3329",
        en: "The server requires a security agreement (Security-Server header lists mechanisms).",
            "The call or registration must first agree on a security mechanism (IMS, TLS, IPsec).",
            "IMS and VoLTE networks requiring sec-agree the client did not offer.";
        de: "Der Server verlangt ein Security Agreement; Security-Server nennt die Verfahren.",
            "Anruf oder Registrierung müssen erst ein Sicherheitsverfahren aushandeln (IMS, TLS, IPsec).",
            "IMS- und VoLTE-Netze verlangen sec-agree, das der Client nicht angeboten hat."),
    status!(500, "Server Internal Error", "RFC 3261",
        en: "The server hit an unexpected condition and could not complete the request.",
            "The call failed inside a server; retrying later or elsewhere may work.",
            "A crash, a script error or an overload in the PBX or provider; check the server's log.";
        de: "Der Server ist auf einen unerwarteten Zustand gestoßen; die Bearbeitung wurde abgebrochen.",
            "Der Anruf ist in einem Server gescheitert; später oder woanders kann er gelingen.",
            "Absturz, Skriptfehler oder Überlast in Anlage oder beim Provider; das Server-Log prüfen."),
    status!(501, "Not Implemented", "RFC 3261",
        en: "The server does not support the function needed (an unknown method).",
            "The request's method is not implemented by the gateway or server.",
            "A method such as UPDATE, REFER or PRACK sent to a peer without it.";
        de: "Der Server unterstützt die benötigte Funktion (eine unbekannte Methode) nicht.",
            "Das SIP-Gateway unterstützt die angeforderte Aktion nicht.",
            "Eine Methode wie UPDATE, REFER oder PRACK an eine Gegenstelle ohne diese Methode."),
    status!(502, "Bad Gateway", "RFC 3261",
        en: "A gateway or proxy received an invalid response from the next server.",
            "The call failed beyond the server that answered.",
            "A broken downstream server or trunk; the gateway named in the request is faulty.";
        de: "Ein Gateway oder Proxy hat vom nächsten Server eine ungültige Antwort erhalten.",
            "Der Anruf ist hinter dem antwortenden Server gescheitert.",
            "Ein gestörter nachgelagerter Server oder Trunk; das in der Anfrage genannte Gateway ist fehlerhaft."),
    status!(503, "Service Unavailable", "RFC 3261",
        en: "The server is temporarily overloaded or in maintenance; Retry-After may say when to retry.",
            "The call could not be handled now; a proxy should try another server.",
            "Overload, maintenance, no trunk or channel free, the provider's service down, or no route configured for the destination.";
        de: "Der Server ist vorübergehend überlastet oder in Wartung; Retry-After kann den Zeitpunkt für einen neuen Versuch nennen.",
            "Der Anruf konnte gerade nicht bearbeitet werden; ein Proxy sollte einen anderen Server versuchen.",
            "Überlast, Wartung, kein freier Trunk oder Kanal, Dienst des Providers ausgefallen oder keine Route zum Ziel konfiguriert."),
    status!(504, "Server Time-out", "RFC 3261",
        en: "The server did not get a timely response from a server it needed (another proxy, DNS).",
            "The call failed because a server further on did not answer in time.",
            "An unreachable next hop, DNS failure, or a trunk that does not respond.";
        de: "Der Server hat von einem benötigten anderen Server (Proxy, DNS) nicht rechtzeitig Antwort erhalten.",
            "Der Anruf ist gescheitert, weil ein weiterer Server nicht rechtzeitig antwortete (Timeout).",
            "Nicht erreichbarer nächster Knoten, DNS-Fehler oder ein Trunk, der nicht antwortet."),
    status!(505, "Version Not Supported", "RFC 3261",
        en: "The SIP version of the request is not supported.",
            "The call was refused because of its protocol version.",
            "A device sending something other than SIP/2.0, or a corrupted start line.";
        de: "Die SIP-Protokollversion der Anfrage wird vom Server nicht unterstützt.",
            "Der Anruf wurde wegen seiner Protokollversion abgelehnt.",
            "Ein Gerät, das etwas anderes als SIP/2.0 sendet, oder eine verstümmelte erste Zeile."),
    status!(513, "Message Too Large", "RFC 3261",
        en: "The message is larger than the server can process.",
            "The call was refused for size; large messages must go over TCP.",
            "Messages above the UDP MTU (about 1300 bytes) sent over UDP: use TCP or shrink the SDP.";
        de: "Die Nachricht ist größer, als der Server verarbeiten kann.",
            "Der Anruf wurde wegen der Größe abgelehnt; große Nachrichten müssen über TCP gehen.",
            "Nachrichten über der UDP-MTU (etwa 1300 Byte) per UDP: TCP verwenden oder das SDP verkleinern."),
    status!(555, "Push Notification Service Not Supported", "RFC 8599",
        en: "The push notification service named in the request is not supported.",
            "Mostly a REGISTER answer from a proxy that cannot wake mobile clients by push.",
            "A mobile app registering with a pn-provider the server does not know.";
        de: "Der in der Anfrage genannte Push-Benachrichtigungsdienst wird nicht unterstützt.",
            "Meist eine Antwort auf REGISTER von einem Proxy, der mobile Clients nicht per Push wecken kann.",
            "Eine mobile App registriert sich mit einem pn-provider, den der Server nicht kennt."),
    status!(580, "Precondition Failure", "RFC 3312",
        en: "The preconditions of the session (QoS, security) cannot be met.",
            "The call failed because required resources could not be reserved.",
            "QoS preconditions in IMS/VoLTE or networks that cannot reserve bandwidth.";
        de: "Die Voraussetzungen der Sitzung (QoS, Sicherheit) können nicht erfüllt werden.",
            "Der Anruf ist gescheitert, weil benötigte Ressourcen nicht reserviert werden konnten.",
            "QoS-Preconditions in IMS/VoLTE oder Netze, die keine Bandbreite reservieren können."),
    status!(600, "Busy Everywhere", "RFC 3261",
        en: "The callee is busy and no other device of theirs will take the call.",
            "The callee is busy on every device; do not try elsewhere.",
            "All devices of the user busy, or a do-not-disturb that reports busy.";
        de: "Der Angerufene ist besetzt, und kein anderes seiner Geräte nimmt den Anruf an.",
            "Der Angerufene ist überall besetzt; andere Ziele nicht versuchen.",
            "Alle Geräte des Teilnehmers besetzt oder ein Nicht-stören, das besetzt meldet."),
    status!(603, "Decline", "RFC 3261",
        en: "The callee explicitly declined the call.",
            "The callee (or their device) rejected the call; it is not a network fault.",
            "The user pressed reject, a block list, or a device policy.";
        de: "Der Angerufene hat den Anruf ausdrücklich abgelehnt.",
            "Die Gegenstelle weist den Anruf ab (Taste Ablehnen, Sperrliste); kein Netzfehler.",
            "Der Teilnehmer hat Ablehnen gedrückt, eine Sperrliste oder eine Geräteregel."),
    status!(604, "Does Not Exist Anywhere", "RFC 3261",
        en: "The user does not exist anywhere.",
            "The target does not exist in this SIP network.",
            "A wrong number or a ported number the network does not know.";
        de: "Den Teilnehmer gibt es nirgends.",
            "Das Ziel existiert im angegebenen SIP-Netz nicht.",
            "Falsche Nummer oder eine portierte Nummer, die das Netz nicht kennt."),
    status!(606, "Not Acceptable", "RFC 3261",
        en: "The callee's devices reject some aspect of the session (media, bandwidth, addressing) everywhere.",
            "The call was refused as unacceptable; retrying elsewhere will not help.",
            "No common codec or media type; with some providers (e.g. a second outgoing call on a line that allows one) a policy refusal; contact the provider if the offer looks normal.";
        de: "Die Endgeräte des Angerufenen lehnen einen Aspekt der Sitzung (Medien, Bandbreite, Adressierung) überall ab.",
            "Der Anruf wurde als unzulässig abgelehnt; ein anderes Ziel hilft nicht.",
            "Kein gemeinsamer Codec oder Medientyp; bei manchen Providern (z. B. zweites gehendes Gespräch auf einer Leitung für eines) eine Regel des Providers; bei unauffälligem Angebot den Provider kontaktieren."),
    status!(607, "Unwanted", "RFC 8197",
        en: "The callee marked the call as unwanted (spam).",
            "The call was rejected as unwanted; the network may use this to rate the caller.",
            "Caller reported as spam or robocall by the user.";
        de: "Der Angerufene hat den Anruf als unerwünscht (Spam) markiert.",
            "Der Anruf wurde als unerwünscht abgelehnt; das Netz kann dies zur Bewertung des Anrufers nutzen.",
            "Anrufer vom Teilnehmer als Spam oder Werbeanruf gemeldet."),
    status!(608, "Rejected", "RFC 8688",
        en: "An intermediary (call analytics) rejected the call, not the callee.",
            "The network blocked the call; the Call-Info header may say whom to contact.",
            "Carrier spam filters or call-blocking services.";
        de: "Ein Netzelement (Anrufanalyse) hat den Anruf abgelehnt, nicht der Angerufene.",
            "Das Netz hat den Anruf gesperrt; Call-Info kann den Ansprechpartner nennen.",
            "Spamfilter des Netzbetreibers oder Anrufsperrdienste."),
    status!(701, "Party Hangs Up", "non-standard",
        en: "Not a SIP status: some stacks log 701 when the called party hangs up.",
            "The called party ended the call (logged locally, not sent on the wire by compliant peers).",
            "Stack-specific logging; look for the BYE in the capture instead.";
        de: "Kein SIP-Status: manche Stacks protokollieren 701, wenn der Angerufene auflegt.",
            "Der Angerufene hat aufgelegt (lokal protokolliert, von regelkonformen Geräten nicht gesendet).",
            "Stack-spezifisches Protokoll; in der Aufzeichnung stattdessen das BYE suchen."),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_is_sorted_unique_and_complete() {
        for w in CATALOG.windows(2) {
            assert!(w[0].code < w[1].code, "{} before {}", w[0].code, w[1].code);
        }
        // RFC 3261 section 21 and the extensions the issue names.
        let required = [
            100, 180, 181, 182, 183, 199, 200, 202, 204, 300, 301, 302, 305, 380, 400, 401, 402,
            403, 404, 405, 406, 407, 408, 410, 412, 413, 414, 415, 416, 417, 420, 421, 422, 423,
            424, 425, 428, 429, 433, 436, 437, 438, 439, 440, 469, 470, 480, 481, 482, 483, 484,
            485, 486, 487, 488, 489, 491, 493, 494, 500, 501, 502, 503, 504, 505, 513, 555, 580,
            600, 603, 604, 606, 607, 608, 701,
        ];
        for code in required {
            let s = lookup(code).unwrap_or_else(|| panic!("{code} missing"));
            for t in [&s.en, &s.de] {
                assert!(!t.meaning.is_empty() && !t.for_call.is_empty() && !t.causes.is_empty());
            }
            assert_ne!(s.en.meaning, s.de.meaning);
        }
    }

    #[test]
    fn unknown_codes_fall_back_to_their_class() {
        let e = explain(499, Lang::De);
        assert!(e.class.starts_with("Fehler in der Anfrage"));
        assert!(e.phrase.is_empty());
        assert_eq!(explain(486, Lang::En).phrase, "Busy Here");
    }
}
