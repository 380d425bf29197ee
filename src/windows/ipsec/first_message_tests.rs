//! A Windows 10 client's first Main Mode message against the one a real
//! Windows client sent (WINDOWS.md 10): 408 bytes, `HDR, SA, VID x 8`,
//! kept as a "Windows" probe in public VPN-measurement scripts and decoded
//! there. Everything but the initiator cookie is Windows' choice and must
//! come out byte for byte: the five transforms with their attributes in
//! Windows' order, the 4-byte lifetime, the eight Vendor IDs in order.

use core::time::Duration;
use std::net::Ipv4Addr;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use super::offers::{l2tp_main_mode_offers, quick_mode_offers, vendor_ids};
use crate::ike::nat_t::NatTScope;
use crate::ike::{Ike, IkeConfig, IkePolicy, QmRule, Selector};
use crate::windows::connectoid::ConnectoidEncryption;
use crate::windows::version::{Profile, WIN10, WIN11, WIN7, XP_SP2};

/// The capture, initiator cookie first (WINDOWS.md 10).
const WINDOWS_10_MAIN_MODE: &str = concat!(
    "080fd6f205d3879d0000000000000000", // cookies
    "0110020000000000",
    "00000198", // SA, 1.0, Main Mode, flags, id, 408
    "0d0000d4",
    "00000001",
    "00000001", // SA: next VID, 212; IPsec DOI; identity only
    "000000c8",
    "01010005", // proposal 1, ISAKMP, no SPI, 5 transforms
    "03000028",
    "01010000", // transform 1: AES-256 SHA1 group 20 PSK 28800 s
    "80010007800e0100800200028004001480030001800b0001000c000400007080",
    "03000028",
    "02010000", // transform 2: AES-128 SHA1 group 19
    "80010007800e0080800200028004001380030001800b0001000c000400007080",
    "03000028",
    "03010000", // transform 3: AES-256 SHA1 group 14
    "80010007800e0100800200028004000e80030001800b0001000c000400007080",
    "03000024",
    "04010000", // transform 4: 3DES SHA1 group 14
    "80010005800200028004000e80030001800b0001000c000400007080",
    "00000024",
    "05010000", // transform 5: 3DES SHA1 group 2
    "80010005800200028004000280030001800b0001000c000400007080",
    "0d000018",
    "01528bbbc00696121849ab9a1c5b2a5100000001", // KEY_MODS 1
    "0d000018",
    "1e2b516905991c7d7c96fcbfb587e46100000009", // MS NT5 9
    "0d000014",
    "4a131c81070358455c5728f20e95452f", // RFC 3947
    "0d000014",
    "90cb80913ebb696e086381b5ec427b1f", // NAT-T draft 02
    "0d000014",
    "4048b7d56ebce88525e7de7f00d6c2d3", // FRAGMENTATION
    "0d000014",
    "fb1de3cdf341b7ea16b7e5be0855f120", // Negotiation discovery
    "0d000014",
    "26244d38eddb61b3172a36e3d0cfb819", // Vid-Initial-Contact
    "00000014",
    "e3a5966a76379fe707228231e5ce8652", // CGA
);

const CLIENT: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 10);
const SERVER: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 10);

/// The first datagram a client of `row` with a pre-shared key sends.
fn first_message(row: &Profile) -> Vec<u8> {
    let cfg = IkeConfig {
        identity: None,
        trusted_roots: Vec::new(),
        trusted_root_names: Vec::new(),
        epoch_unix: 0,
        vendor_ids: vendor_ids(&row.ike),
        preshared_key: Some(b"s3cret".to_vec()),
        nat_t_scope: NatTScope::Both,
        mm_attribute_order: row.ike.mm_attribute_order,
        garbled_reply: row.ike.garbled_reply,
        peer_vendor_ids: crate::ike::PeerVendorIds::SkipUnknown,
    };
    let mut ike = Ike::new(cfg, ChaCha20Rng::seed_from_u64(1));
    let offers = &row.ike_offers;
    ike.set_policy(
        Duration::ZERO,
        Some(IkePolicy {
            mm_offers: l2tp_main_mode_offers(offers, true, true),
            qm_rules: vec![QmRule {
                name: "L2TP".into(),
                selector: Selector {
                    local: CLIENT,
                    remote: Some(SERVER),
                    protocol: 17,
                    local_port: 1701,
                    remote_port: 0,
                },
                offers: quick_mode_offers(offers, ConnectoidEncryption::Require),
            }],
        }),
    );
    ike.acquire(Duration::ZERO, SERVER, 0);
    ike.poll_transmit()
        .map(|(_, _, bytes)| bytes)
        .unwrap_or_default()
}

#[test]
fn windows_10_sends_the_captured_first_main_mode_message() {
    let capture = hex::decode(WINDOWS_10_MAIN_MODE).unwrap();
    assert_eq!(capture.len(), 408);
    for row in [&WIN10, &WIN11] {
        let ours = first_message(row);
        assert_eq!(ours.len(), 408, "{}", row.role);
        // The initiator cookie is random; the rest is Windows'.
        assert_eq!(
            hex::encode(&ours[8..]),
            hex::encode(&capture[8..]),
            "{}",
            row.role
        );
    }
}

#[test]
fn windows_7_differs_only_in_its_nt5_version_and_xp_in_everything() {
    let ten = first_message(&WIN10);
    let seven = first_message(&WIN7);
    let differ: Vec<usize> = (8..ten.len()).filter(|&i| ten[i] != seven[i]).collect();
    // The last byte of "MS NT5 ISAKMPOAKLEY" + version, at 264 + 4 + 19.
    assert_eq!(differ, [287]);
    assert_eq!((ten[287], seven[287]), (9, 7));
    assert_ne!(first_message(&XP_SP2).len(), 408);
}
