//! The protocol numbers decoding dispatches on, each defined once and named: pcap link types
//! (tcpdump.org's LINKTYPE_ list), EtherTypes (IEEE registry), IP protocol numbers (IANA),
//! PPP protocols (RFC 1661 and successors). Each is a newtype over the number as the wire
//! carries it, with the known values as constants, so an unknown value is kept and counted.

/// A pcap/pcapng link type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkType(pub u16);

impl LinkType {
    /// BSD loopback, the address family in host order.
    pub const NULL: LinkType = LinkType(0);
    pub const ETHERNET: LinkType = LinkType(1);
    pub const PPP: LinkType = LinkType(9);
    /// Raw IP (the number OpenBSD and some tools use).
    pub const RAW_OPENBSD: LinkType = LinkType(12);
    /// Raw IP (the number other BSDs use).
    pub const RAW_BSD: LinkType = LinkType(14);
    pub const PPP_HDLC: LinkType = LinkType(50);
    pub const PPP_ETHER: LinkType = LinkType(51);
    pub const RAW: LinkType = LinkType(101);
    pub const IEEE802_11: LinkType = LinkType(105);
    /// OpenBSD loopback, the address family in network order.
    pub const LOOP: LinkType = LinkType(108);
    /// Linux cooked capture v1.
    pub const LINUX_SLL: LinkType = LinkType(113);
    pub const PPP_WITH_DIR: LinkType = LinkType(204);
    pub const IPV4: LinkType = LinkType(228);
    pub const IPV6: LinkType = LinkType(229);
    /// Linux cooked capture v2.
    pub const LINUX_SLL2: LinkType = LinkType(276);

    /// The name tcpdump gives it (`EN10MB`, `LINUX_SLL`), or `LINKTYPE_<n>`.
    pub fn name(self) -> String {
        match self {
            LinkType::NULL => "NULL".into(),
            LinkType::ETHERNET => "EN10MB".into(),
            LinkType::PPP => "PPP".into(),
            LinkType::RAW_OPENBSD | LinkType::RAW_BSD | LinkType::RAW => "RAW".into(),
            LinkType::PPP_HDLC => "PPP_HDLC".into(),
            LinkType::PPP_ETHER => "PPP_ETHER".into(),
            LinkType::IEEE802_11 => "IEEE802_11".into(),
            LinkType::LOOP => "LOOP".into(),
            LinkType::LINUX_SLL => "LINUX_SLL".into(),
            LinkType::PPP_WITH_DIR => "PPP_WITH_DIR".into(),
            LinkType::IPV4 => "IPV4".into(),
            LinkType::IPV6 => "IPV6".into(),
            LinkType::LINUX_SLL2 => "LINUX_SLL2".into(),
            LinkType(other) => format!("LINKTYPE_{other}"),
        }
    }
}

/// An EtherType (also the protocol field of GRE and of Linux cooked captures).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EtherType(pub u16);

impl EtherType {
    pub const IPV4: EtherType = EtherType(0x0800);
    pub const ARP: EtherType = EtherType(0x0806);
    /// Transparent Ethernet bridging (Ethernet in GRE, NVGRE).
    pub const TRANSPARENT_ETHERNET: EtherType = EtherType(0x6558);
    pub const RARP: EtherType = EtherType(0x8035);
    pub const VLAN: EtherType = EtherType(0x8100);
    /// PPP in GRE (PPTP).
    pub const PPP: EtherType = EtherType(0x880B);
    pub const SLOW_PROTOCOLS: EtherType = EtherType(0x8809);
    pub const MPLS_UNICAST: EtherType = EtherType(0x8847);
    pub const MPLS_MULTICAST: EtherType = EtherType(0x8848);
    pub const PPPOE_DISCOVERY: EtherType = EtherType(0x8863);
    pub const PPPOE_SESSION: EtherType = EtherType(0x8864);
    pub const IPV6: EtherType = EtherType(0x86DD);
    pub const EAPOL: EtherType = EtherType(0x888E);
    /// 802.1ad service tag (QinQ).
    pub const QINQ: EtherType = EtherType(0x88A8);
    /// ERSPAN type II (and type I, without a sequence number).
    pub const ERSPAN_II: EtherType = EtherType(0x88BE);
    pub const LLDP: EtherType = EtherType(0x88CC);
    /// ERSPAN type III.
    pub const ERSPAN_III: EtherType = EtherType(0x22EB);
    /// Vendor QinQ tags still seen on the wire.
    pub const QINQ_9100: EtherType = EtherType(0x9100);
    pub const QINQ_9200: EtherType = EtherType(0x9200);

    /// A VLAN tag of any of the kinds that stack.
    pub fn is_vlan_tag(self) -> bool {
        matches!(
            self,
            EtherType::VLAN | EtherType::QINQ | EtherType::QINQ_9100 | EtherType::QINQ_9200
        )
    }
}

/// An IP protocol number (IPv4 protocol, IPv6 next header).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IpProtocol(pub u8);

impl IpProtocol {
    pub const ICMP: IpProtocol = IpProtocol(1);
    pub const IGMP: IpProtocol = IpProtocol(2);
    /// IPv4 in IP.
    pub const IPIP: IpProtocol = IpProtocol(4);
    pub const TCP: IpProtocol = IpProtocol(6);
    pub const UDP: IpProtocol = IpProtocol(17);
    /// IPv6 in IP.
    pub const IPV6: IpProtocol = IpProtocol(41);
    pub const GRE: IpProtocol = IpProtocol(47);
    pub const ESP: IpProtocol = IpProtocol(50);
    pub const AH: IpProtocol = IpProtocol(51);
    pub const ICMPV6: IpProtocol = IpProtocol(58);
    pub const OSPF: IpProtocol = IpProtocol(89);
    pub const VRRP: IpProtocol = IpProtocol(112);
    pub const SCTP: IpProtocol = IpProtocol(132);
    /// IPv6 extension headers that may precede the transport of a reassembled datagram.
    pub const IPV6_HOP_BY_HOP: IpProtocol = IpProtocol(0);
    pub const IPV6_ROUTING: IpProtocol = IpProtocol(43);
    pub const IPV6_DEST_OPTIONS: IpProtocol = IpProtocol(60);
}

/// A PPP protocol number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PppProtocol(pub u16);

impl PppProtocol {
    pub const IPV4: PppProtocol = PppProtocol(0x0021);
    pub const IPV6: PppProtocol = PppProtocol(0x0057);
}

/// The ARPHRD type of a Linux cooked capture whose payload is GRE-encapsulated (ARPHRD_IPGRE).
pub const ARPHRD_IPGRE: u16 = 778;
