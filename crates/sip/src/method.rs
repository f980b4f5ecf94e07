//! SIP request methods as a type: the methods of RFC 3261 and the extensions phones send,
//! and any other token as written. Rules and views compare methods, never label texts.

use compact_str::CompactString;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    Invite,
    Ack,
    Bye,
    Cancel,
    Register,
    Options,
    Prack,
    Subscribe,
    Notify,
    Publish,
    Info,
    Refer,
    Message,
    Update,
    /// Any other method, as written.
    Other(CompactString),
}

impl Method {
    /// The method of a request line (methods are case-sensitive, RFC 3261 section 7.1).
    pub fn from_name(name: &str) -> Method {
        match name {
            "INVITE" => Method::Invite,
            "ACK" => Method::Ack,
            "BYE" => Method::Bye,
            "CANCEL" => Method::Cancel,
            "REGISTER" => Method::Register,
            "OPTIONS" => Method::Options,
            "PRACK" => Method::Prack,
            "SUBSCRIBE" => Method::Subscribe,
            "NOTIFY" => Method::Notify,
            "PUBLISH" => Method::Publish,
            "INFO" => Method::Info,
            "REFER" => Method::Refer,
            "MESSAGE" => Method::Message,
            "UPDATE" => Method::Update,
            other => Method::Other(other.into()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Method::Invite => "INVITE",
            Method::Ack => "ACK",
            Method::Bye => "BYE",
            Method::Cancel => "CANCEL",
            Method::Register => "REGISTER",
            Method::Options => "OPTIONS",
            Method::Prack => "PRACK",
            Method::Subscribe => "SUBSCRIBE",
            Method::Notify => "NOTIFY",
            Method::Publish => "PUBLISH",
            Method::Info => "INFO",
            Method::Refer => "REFER",
            Method::Message => "MESSAGE",
            Method::Update => "UPDATE",
            Method::Other(m) => m,
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A CSeq header: the sequence number and the method of the transaction it names.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CSeq {
    pub number: u32,
    pub method: Method,
}

impl std::fmt::Display for CSeq {
    /// As written in the header: `1 INVITE`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.number, self.method)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_others_are_kept() {
        for name in ["INVITE", "ACK", "BYE", "UPDATE", "PRACK", "FOO", "invite"] {
            assert_eq!(Method::from_name(name).as_str(), name);
        }
        assert_eq!(Method::from_name("invite"), Method::Other("invite".into()));
    }
}
