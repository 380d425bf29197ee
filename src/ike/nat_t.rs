//! NAT traversal in Main Mode (RFC 3947): the vendor id that says a side
//! can do it, and NAT-D, which tells each side whether a NAT sits between
//! it and its peer.
//!
//! RFC 3947 3.2: HASH = HASH(CKY-I | CKY-R | IP | Port), with the
//! negotiated hash (not its prf); a side sends the hash of the remote
//! address and port it sends to, then of its own. The receiver is behind a
//! NAT when the first matches no hash of the destination the packet came
//! to; the sender is, when no other matches the source it came from.

use std::net::SocketAddrV4;

use crate::crypto::ike_keys::{hash_parts, PrfHash};
use crate::wire::isakmp::Payload;

/// IKE and UDP-encapsulated ESP after the float (RFC 3947 4).
pub use crate::wire::flow::NAT_T_PORT;

/// A NAT keepalive: one octet 0xFF on the floated ports (RFC 3948 2.3).
pub const KEEPALIVE: [u8; 1] = [0xff];

/// How often the side behind a NAT sends one: RFC 3948 4's example of 20 s
/// [MODEL: Windows' interval is not documented].
pub const KEEPALIVE_INTERVAL: core::time::Duration = core::time::Duration::from_secs(20);

/// MD5("RFC 3947") (RFC 3947 3.1).
pub const RFC3947_VENDOR_ID: [u8; 16] = [
    0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45, 0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f,
];

/// What NAT-D showed, each side from where it stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NatDetection {
    /// A NAT rewrote this side's address or port.
    pub local_behind: bool,
    /// A NAT rewrote the peer's.
    pub peer_behind: bool,
}

impl NatDetection {
    pub fn any(self) -> bool {
        self.local_behind || self.peer_behind
    }
}

/// Across which NATs an initiator goes on with NAT-T: XP SP2's
/// `AssumeUDPEncapsulationContextOnSendRule` (KB 885407; WINDOWS.md 6).
/// RFC 3947 itself has no such limit (`Both`, Server 2003's behaviour).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum NatTScope {
    /// 0, XP SP2's default: only the initiator may be behind a NAT.
    InitiatorBehind,
    /// 1: the responder may be behind a NAT, but not both sides.
    ResponderBehind,
    /// 2: both sides may be (XP RTM/SP1 with update 818043 did this).
    #[default]
    Both,
}

impl NatTScope {
    /// The registry value; values KB 885407 does not list act as the
    /// default 0 [MODEL].
    pub fn from_registry(value: u32) -> Self {
        match value {
            1 => NatTScope::ResponderBehind,
            2 => NatTScope::Both,
            _ => NatTScope::InitiatorBehind,
        }
    }

    /// Whether the initiator goes on with what NAT-D showed.
    pub fn allows(self, d: NatDetection) -> bool {
        match self {
            NatTScope::InitiatorBehind => !d.peer_behind,
            NatTScope::ResponderBehind => !(d.peer_behind && d.local_behind),
            NatTScope::Both => true,
        }
    }
}

/// HASH(CKY-I | CKY-R | IP | Port) (RFC 3947 3.2).
pub fn natd_hash(h: PrfHash, icookie: &[u8; 8], rcookie: &[u8; 8], at: SocketAddrV4) -> Vec<u8> {
    hash_parts(
        h,
        &[
            icookie,
            rcookie,
            &at.ip().octets(),
            &at.port().to_be_bytes(),
        ],
    )
}

/// What NAT-D hashes of one ISAKMP SA: its cookies, and the addresses its
/// packets go between, seen from this side (RFC 3947 3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct NatDParts {
    pub icookie: [u8; 8],
    pub rcookie: [u8; 8],
    pub local: SocketAddrV4,
    pub remote: SocketAddrV4,
}

/// Whether a list of vendor ids names RFC 3947.
pub(super) fn supports_rfc3947(vendor_ids: &[&[u8]]) -> bool {
    vendor_ids.contains(&&RFC3947_VENDOR_ID[..])
}

/// The two NAT-D payloads of MM3 or MM4: the remote address, then ours.
pub(super) fn natd_payloads(m: NatDParts, h: PrfHash) -> [Payload; 2] {
    [
        Payload::NatD(natd_hash(h, &m.icookie, &m.rcookie, m.remote)),
        Payload::NatD(natd_hash(h, &m.icookie, &m.rcookie, m.local)),
    ]
}

/// Reads the peer's NAT-D hashes (in order) against where its packet came
/// from (`m.remote`) and to (`m.local`). `None` without any NAT-D.
pub(super) fn detect(m: NatDParts, h: PrfHash, hashes: &[&[u8]]) -> Option<NatDetection> {
    let (first, others) = hashes.split_first()?;
    let mine = natd_hash(h, &m.icookie, &m.rcookie, m.local);
    let theirs = natd_hash(h, &m.icookie, &m.rcookie, m.remote);
    Some(NatDetection {
        local_behind: *first != mine.as_slice(),
        peer_behind: !others.contains(&theirs.as_slice()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn the_registry_value_says_which_nats_nat_t_may_cross() {
        let at = |local_behind, peer_behind| NatDetection {
            local_behind,
            peer_behind,
        };
        // (value, [none, client behind, server behind, both]) (KB 885407)
        let table = [
            (0, [true, true, false, false]),
            (1, [true, true, true, false]),
            (2, [true, true, true, true]),
            (7, [true, true, false, false]),
        ];
        for (value, want) in table {
            let scope = NatTScope::from_registry(value);
            let got = [
                at(false, false),
                at(true, false),
                at(false, true),
                at(true, true),
            ]
            .map(|d| scope.allows(d));
            assert_eq!(got, want, "value {value}");
        }
    }

    #[test]
    fn the_vendor_id_is_md5_of_rfc_3947() {
        use md5::{Digest, Md5};
        assert_eq!(Md5::digest(b"RFC 3947")[..], RFC3947_VENDOR_ID);
    }

    #[test]
    fn nat_d_matches_the_worked_example_of_the_vectors() {
        // shared/vectors/rfc3947_natd.txt: SHA1, cookies, 192.0.2.1:500.
        let h = natd_hash(
            PrfHash::Sha1,
            &[0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef],
            &[0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10],
            SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 1), 500),
        );
        assert_eq!(hex::encode(h), "b43b59394bf8bc930246a8f80b6fddf05c58d9bf");
    }

    fn sa(local: &str, remote: &str) -> NatDParts {
        NatDParts {
            icookie: [1; 8],
            rcookie: [2; 8],
            local: local.parse().unwrap(),
            remote: remote.parse().unwrap(),
        }
    }

    #[test]
    fn each_side_tells_who_is_behind_the_nat() {
        // The client at 192.168.1.10:500 behind a NAT whose public side is
        // 203.0.113.2:1025; the server at 203.0.113.10:500.
        let client = sa("192.168.1.10:500", "203.0.113.10:500");
        let server = sa("203.0.113.10:500", "203.0.113.2:1025");
        let h = PrfHash::Sha1;
        let from_client = natd_payloads(client, h);
        let from_server = natd_payloads(server, h);
        let bodies = |p: &[Payload; 2]| -> Vec<Vec<u8>> {
            p.iter()
                .filter_map(|p| match p {
                    Payload::NatD(d) => Some(d.clone()),
                    _ => None,
                })
                .collect()
        };
        let (c, s) = (bodies(&from_client), bodies(&from_server));
        fn refs(v: &[Vec<u8>]) -> Vec<&[u8]> {
            v.iter().map(Vec::as_slice).collect()
        }
        assert_eq!(
            detect(server, h, &refs(&c)),
            Some(NatDetection {
                local_behind: false,
                peer_behind: true
            })
        );
        assert_eq!(
            detect(client, h, &refs(&s)),
            Some(NatDetection {
                local_behind: true,
                peer_behind: false
            })
        );
        // Without a NAT, nobody is behind one.
        let direct = sa("203.0.113.10:500", "192.168.1.10:500");
        assert_eq!(detect(direct, h, &refs(&c)), Some(NatDetection::default()));
        assert_eq!(detect(direct, h, &[]), None);
    }
}
