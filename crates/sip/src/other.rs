//! SIP traffic that is neither a call nor a registration, summarised rather than listed as
//! calls: OPTIONS keep-alives per path, subscriptions and their notifications (with the
//! RFC 4235 dialog package's states), MESSAGE, PUBLISH, and Call-IDs whose start was not
//! captured.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use super::CallIdLog;

/// OPTIONS between two addresses: what phones and proxies use to keep NAT bindings and check
/// each other.
#[derive(Clone, Debug, PartialEq)]
pub struct KeepAlive {
    /// The side that sends the OPTIONS, and the side that answers.
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub requests: u64,
    pub responses: u64,
    pub last_status: Option<u16>,
    pub first_ns: i64,
    pub last_ns: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Subscription {
    pub call_id: String,
    pub event: Option<String>,
    pub from: String,
    pub to: String,
    pub subscribes: u32,
    pub notifies: u32,
    /// Final status of the first SUBSCRIBE.
    pub status: Option<u16>,
    /// Subscription-State of the last NOTIFY (`active`, `terminated;reason=timeout`).
    pub subscription_state: Option<String>,
    /// States reported by the dialog event package (`trying`, `early`, `confirmed`, ...).
    pub dialog_states: Vec<String>,
    pub first_frame: u64,
    pub first_ns: i64,
}

/// A MESSAGE or PUBLISH request and its outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub call_id: String,
    pub method: String,
    pub from: String,
    pub to: String,
    pub event: Option<String>,
    pub status: Option<u16>,
    pub frame: u64,
    pub ts_ns: i64,
}

/// A Call-ID without a request that starts anything we follow: its INVITE or REGISTER was
/// before the capture, or it holds only responses or in-dialog requests.
#[derive(Clone, Debug, PartialEq)]
pub struct Unmatched {
    pub call_id: String,
    pub methods: Vec<String>,
    pub statuses: Vec<u16>,
    pub first_frame: u64,
    pub first_ns: i64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct OtherSip {
    pub keepalives: Vec<KeepAlive>,
    pub subscriptions: Vec<Subscription>,
    pub requests: Vec<Request>,
    pub unmatched: Vec<Unmatched>,
}

fn dialog_states(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(i) = rest.find("<state") {
        rest = &rest[i..];
        let Some(gt) = rest.find('>') else { break };
        let after = &rest[gt + 1..];
        let Some(end) = after.find('<') else { break };
        let s = after[..end].trim();
        if !s.is_empty() {
            out.push(s.to_string());
        }
        rest = &after[end..];
    }
    out
}

/// What one Call-ID that is neither a call nor a registration holds.
#[derive(Clone, Debug, PartialEq)]
pub enum OtherRecord {
    /// OPTIONS only, per path (merged with other Call-IDs' on the same path).
    KeepAlives(Vec<KeepAlive>),
    Subscription(Subscription),
    Requests(Vec<Request>),
    Unmatched(Unmatched),
}

impl KeepAlive {
    /// Adds a later Call-ID's OPTIONS on the same path.
    pub fn merge(&mut self, later: &KeepAlive) {
        self.requests += later.requests;
        self.responses += later.responses;
        if later.last_status.is_some() {
            self.last_status = later.last_status;
        }
        self.first_ns = self.first_ns.min(later.first_ns);
        self.last_ns = later.last_ns;
    }

    /// Where the path sorts among paths: by the addresses as text.
    pub fn path_key(&self) -> (String, String) {
        (self.src.to_string(), self.dst.to_string())
    }
}

/// The record of one Call-ID without INVITE or REGISTER.
pub fn build_one(log: &CallIdLog) -> Option<OtherRecord> {
    let first = log.entries.first().map(|e| &e.msg)?;
    let has = |m: &str| log.has_request(m);
    if has("SUBSCRIBE") || has("NOTIFY") {
        let mut s = Subscription {
            call_id: log.call_id.clone(),
            event: None,
            from: first.from.uri.to_string(),
            to: first.to.uri.to_string(),
            subscribes: 0,
            notifies: 0,
            status: None,
            subscription_state: None,
            dialog_states: Vec::new(),
            first_frame: first.frame,
            first_ns: first.ts_ns,
        };
        for e in log.entries.iter().filter(|e| !e.is_repeat()) {
            let m = &e.msg;
            match m.method() {
                Some("SUBSCRIBE") => {
                    s.subscribes += 1;
                    s.event = s.event.take().or_else(|| m.rare().event.clone());
                }
                Some("NOTIFY") => {
                    s.notifies += 1;
                    s.event = s.event.take().or_else(|| m.rare().event.clone());
                    s.subscription_state = m
                        .rare()
                        .subscription_state
                        .clone()
                        .or(s.subscription_state.take());
                    if let Some(body) = &m.rare().body_text {
                        s.dialog_states.extend(dialog_states(body));
                    }
                }
                _ => {}
            }
            if m.cseq_method == "SUBSCRIBE" && s.status.is_none() {
                s.status = m.status().filter(|c| *c >= 200);
            }
        }
        return Some(OtherRecord::Subscription(s));
    }
    if has("MESSAGE") || has("PUBLISH") {
        let mut requests: Vec<Request> = Vec::new();
        for e in log.entries.iter().filter(|e| !e.is_repeat()) {
            let m = &e.msg;
            match m.method() {
                Some(method @ ("MESSAGE" | "PUBLISH")) => requests.push(Request {
                    call_id: log.call_id.clone(),
                    method: method.to_string(),
                    from: m.from.uri.to_string(),
                    to: m.to.uri.to_string(),
                    event: m.rare().event.clone(),
                    status: None,
                    frame: m.frame,
                    ts_ns: m.ts_ns,
                }),
                None if m.cseq_method == "MESSAGE" || m.cseq_method == "PUBLISH" => {
                    if let (Some(code), Some(r)) = (
                        m.status().filter(|c| *c >= 200),
                        requests.iter_mut().rev().find(|r| r.status.is_none()),
                    ) {
                        r.status = Some(code);
                    }
                }
                _ => {}
            }
        }
        return Some(OtherRecord::Requests(requests));
    }
    let only_options = log.entries.iter().all(|e| e.msg.cseq_method == "OPTIONS");
    if only_options {
        let mut keep: Vec<KeepAlive> = Vec::new();
        for e in &log.entries {
            let m = &e.msg;
            // Keyed by the requester's side so a request and its response meet.
            let (a, b) = if m.is_request() {
                (m.src, m.dst)
            } else {
                (m.dst, m.src)
            };
            let at = match keep.iter().position(|k| k.src == a && k.dst == b) {
                Some(i) => i,
                None => {
                    keep.push(KeepAlive {
                        src: a,
                        dst: b,
                        requests: 0,
                        responses: 0,
                        last_status: None,
                        first_ns: m.ts_ns,
                        last_ns: m.ts_ns,
                    });
                    keep.len() - 1
                }
            };
            let k = &mut keep[at];
            k.last_ns = m.ts_ns;
            match m.status() {
                Some(code) => {
                    k.responses += 1;
                    k.last_status = Some(code);
                }
                None => k.requests += 1,
            }
        }
        return Some(OtherRecord::KeepAlives(keep));
    }
    let mut methods: Vec<String> = Vec::new();
    let mut statuses: Vec<u16> = Vec::new();
    for e in &log.entries {
        match e.msg.method() {
            Some(m) if !methods.iter().any(|x| x == m) => methods.push(m.to_string()),
            Some(_) => {}
            None => {
                let c = e.msg.status().unwrap_or(0);
                if !statuses.contains(&c) {
                    statuses.push(c);
                }
            }
        }
    }
    Some(OtherRecord::Unmatched(Unmatched {
        call_id: log.call_id.clone(),
        methods,
        statuses,
        first_frame: first.frame,
        first_ns: first.ts_ns,
    }))
}

/// The other SIP of Call-IDs held in memory, each record with its log's place in the order
/// logs started: keep-alives merged per path and listed by address, the rest in that order.
pub fn merge(mut records: Vec<(u64, OtherRecord)>) -> OtherSip {
    records.sort_by_key(|(seq, _)| *seq);
    let mut out = OtherSip::default();
    let mut keep: BTreeMap<(String, String), KeepAlive> = BTreeMap::new();
    for (_, r) in records {
        match r {
            OtherRecord::KeepAlives(list) => {
                for k in list {
                    match keep.get_mut(&k.path_key()) {
                        Some(e) => e.merge(&k),
                        None => {
                            keep.insert(k.path_key(), k);
                        }
                    }
                }
            }
            OtherRecord::Subscription(s) => out.subscriptions.push(s),
            OtherRecord::Requests(list) => out.requests.extend(list),
            OtherRecord::Unmatched(u) => out.unmatched.push(u),
        }
    }
    out.keepalives = keep.into_values().collect();
    out
}

/// The other SIP of these Call-IDs (in the order they started).
pub fn build(logs: &[CallIdLog]) -> OtherSip {
    merge(
        logs.iter()
            .enumerate()
            .filter_map(|(i, l)| build_one(l).map(|r| (i as u64, r)))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn dialog_package_states() {
        let body = r#"<dialog-info><dialog id="a"><state event="remote">confirmed</state></dialog><dialog><state>terminated</state></dialog></dialog-info>"#;
        assert_eq!(super::dialog_states(body), vec!["confirmed", "terminated"]);
    }
}
