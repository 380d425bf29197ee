//! Stateless-mode MPPE (RFC 3078 3.1, Windows' "H" bit): both directions of
//! one link. The session key changes before every packet, i.e. on every
//! coherency count, and every packet carries the A (flushed) and D
//! (encrypted) bits. Keys come from MS-CHAPv2 (RFC 3079 3).

pub use crate::crypto::mppe::MppeStrength;
use crate::crypto::mppe::{change_key, initial_session_key, start_keys, MppeKey, Rc4};
use crate::ppp::chap::MsChapKeys;
use crate::ppp::error::PppError;
use crate::wire::ppp::mppe::{Packet, Repr, COHERENCY_MASK};
use crate::wire::WireError;

/// PPP protocol number of MPPE-encrypted packets (RFC 3078 3).
pub const PROTOCOL_MPPE: u16 = 0x00fd;
/// Coherency counts ahead of the last one that are taken as loss; farther
/// (or equal) counts are late or repeated packets (half the 12-bit space,
/// as Linux ppp_mppe does).
const MAX_GAP: u16 = 2048;

/// One direction: its start key, current session key and coherency count.
#[derive(Clone)]
struct Direction {
    start: MppeKey,
    session: MppeKey,
    /// The count of the last packet; starts one before 0 so that the first
    /// packet (count 0) is sent under a freshly changed key.
    count: u16,
}

impl Direction {
    fn new(start: MppeKey, strength: MppeStrength) -> Self {
        Direction {
            session: initial_session_key(&start, strength),
            start,
            count: COHERENCY_MASK,
        }
    }
}

/// MPPE for one link, both directions.
#[derive(Clone)]
pub struct Mppe {
    strength: MppeStrength,
    send: Direction,
    recv: Direction,
}

impl core::fmt::Debug for Mppe {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Mppe")
            .field("strength", &self.strength)
            .field("send_count", &self.send.count)
            .field("recv_count", &self.recv.count)
            .finish()
    }
}

impl Mppe {
    /// RFC 3079 3: start keys from the MS-CHAPv2 exchange; `is_server`
    /// picks which magic constant belongs to which direction.
    pub fn new(keys: &MsChapKeys, strength: MppeStrength, is_server: bool) -> Self {
        let (send, recv) = start_keys(
            &keys.password_hash_hash,
            &keys.nt_response,
            strength,
            is_server,
        );
        Mppe {
            strength,
            send: Direction::new(send, strength),
            recv: Direction::new(recv, strength),
        }
    }

    pub fn strength(&self) -> MppeStrength {
        self.strength
    }

    /// The PPP information field for protocol 0x00FD: header (A and D set,
    /// next coherency count) then RC4 over the inner protocol (two octets)
    /// and payload, under a key changed for this packet (RFC 3078 7.3).
    pub fn encrypt(&mut self, ppp_protocol: u16, payload: &[u8]) -> Vec<u8> {
        let d = &mut self.send;
        d.count = (d.count + 1) & COHERENCY_MASK;
        d.session = change_key(&d.start, &d.session, self.strength);
        let repr = Repr {
            flushed: true,
            flag_b: false,
            encrypted: true,
            compressed: false,
            coherency_count: d.count,
        };
        let mut out = vec![0u8; repr.buffer_len(2 + payload.len())];
        let mut packet = Packet::new_unchecked(&mut out[..]);
        repr.emit(&mut packet);
        let data = packet.payload_mut();
        for (o, i) in data
            .iter_mut()
            .zip(ppp_protocol.to_be_bytes().iter().chain(payload))
        {
            *o = *i;
        }
        Rc4::new(&d.session).apply(data);
        out
    }

    /// Decrypts the information field of a 0x00FD packet into (inner
    /// protocol, payload). Lost packets are bridged by changing the key
    /// once per missing count (RFC 3078 8.1); repeated or late counts,
    /// unencrypted and compressed packets are refused.
    pub fn decrypt(&mut self, info: &[u8]) -> Result<(u16, Vec<u8>), PppError> {
        let packet = Packet::new_checked(info)?;
        let repr = Repr::parse(&packet)?;
        if !repr.encrypted {
            // RFC 3078 3: with encryption negotiated, D is set on every packet.
            return Err(PppError::Mppe("packet without the encrypted (D) bit"));
        }
        if repr.compressed {
            return Err(PppError::Mppe(
                "MPPC-compressed packet; MPPC not negotiated",
            ));
        }
        if !repr.flushed {
            // RFC 3078 3.1: in stateless mode every packet has A set.
            return Err(PppError::Mppe(
                "stateless packet without the flushed (A) bit",
            ));
        }
        if packet.payload().is_empty() {
            return Err(WireError::Truncated {
                what: "MPPE data",
                need: 1,
                have: 0,
            }
            .into());
        }
        let d = &mut self.recv;
        let gap = repr.coherency_count.wrapping_sub(d.count) & COHERENCY_MASK;
        if gap == 0 || gap > MAX_GAP {
            return Err(PppError::MppeCoherency {
                expected: (d.count + 1) & COHERENCY_MASK,
                got: repr.coherency_count,
            });
        }
        for _ in 0..gap {
            d.session = change_key(&d.start, &d.session, self.strength);
        }
        d.count = repr.coherency_count;
        let mut data = packet.payload().to_vec();
        Rc4::new(&d.session).apply(&mut data);
        split_protocol(data)
    }
}

/// The inner protocol: two octets, or one if the peer compressed it (an
/// odd first octet, RFC 1661 6.5 PFC, RFC 3078 3).
fn split_protocol(mut data: Vec<u8>) -> Result<(u16, Vec<u8>), PppError> {
    match data.as_slice() {
        [first, ..] if first & 1 == 1 => {
            let p = u16::from(*first);
            Ok((p, data.split_off(1)))
        }
        [hi, lo, ..] => {
            let p = u16::from_be_bytes([*hi, *lo]);
            Ok((p, data.split_off(2)))
        }
        _ => Err(WireError::Truncated {
            what: "MPPE inner protocol",
            need: 2,
            have: data.len(),
        }
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::ppp::mppe::flag;
    use proptest::prelude::*;

    const ALL: [MppeStrength; 3] = [
        MppeStrength::Bits40,
        MppeStrength::Bits56,
        MppeStrength::Bits128,
    ];

    // RFC 2759 9.2 values, /work/shared/vectors/rfc2759_mschapv2.txt.
    fn keys() -> MsChapKeys {
        MsChapKeys {
            nt_response: hex::decode("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF")
                .unwrap()
                .try_into()
                .unwrap(),
            password_hash_hash: hex::decode("41C00C584BD2D91C4017A2A12FA59F3F")
                .unwrap()
                .try_into()
                .unwrap(),
        }
    }

    fn pair(s: MppeStrength) -> (Mppe, Mppe) {
        (Mppe::new(&keys(), s, false), Mppe::new(&keys(), s, true))
    }

    #[test]
    fn client_encrypts_and_server_decrypts_at_every_strength() {
        for s in ALL {
            let (mut client, mut server) = pair(s);
            for i in 0..5u8 {
                let ip = vec![0x45, i, 1, 2, 3];
                let info = client.encrypt(0x0021, &ip);
                assert_ne!(&info[4..], &ip[2..], "{s:?} encrypted");
                assert_eq!(server.decrypt(&info), Ok((0x0021, ip.clone())), "{s:?}");
                let back = server.encrypt(0x0021, &ip);
                assert_eq!(client.decrypt(&back), Ok((0x0021, ip)), "{s:?}");
            }
        }
    }

    #[test]
    fn every_packet_has_a_and_d_bits_and_the_next_count() {
        let (mut client, _) = pair(MppeStrength::Bits128);
        for count in 0..3u8 {
            let info = client.encrypt(0x0021, b"x");
            assert_eq!(info[0], 0x90, "A and D, as Linux ppp_mppe reads them");
            assert_eq!(info[0], flag::FLUSHED | flag::ENCRYPTED);
            assert_eq!(info[1], count);
        }
    }

    #[test]
    fn key_changes_with_every_packet() {
        let (mut client, _) = pair(MppeStrength::Bits40);
        let a = client.encrypt(0x0021, &[0; 16]);
        let b = client.encrypt(0x0021, &[0; 16]);
        assert_ne!(a[2..], b[2..]);
    }

    #[test]
    fn first_packet_uses_the_initial_key_changed_once() {
        // Server send = RFC 3079 3.5 "SendSessionKey"; stateless mode
        // changes it before packet 0 (RFC 3078 7.3).
        let s = MppeStrength::Bits128;
        let (_, mut server) = pair(s);
        let info = server.encrypt(0x0021, b"test message");
        let (send_start, _) = start_keys(&keys().password_hash_hash, &keys().nt_response, s, true);
        let k0 = initial_session_key(&send_start, s);
        assert_eq!(
            hex::encode_upper(k0.as_bytes()),
            "405CB2247A7956E6E211007AE27B22D4"
        );
        let k1 = change_key(&send_start, &k0, s);
        let mut want = b"\x00\x21test message".to_vec();
        Rc4::new(&k1).apply(&mut want);
        assert_eq!(&info[2..], &want[..]);
    }

    #[test]
    fn lost_packets_are_bridged_by_rekeying_per_missing_count() {
        for s in ALL {
            let (mut client, mut server) = pair(s);
            let packets: Vec<_> = (0..10u8).map(|i| client.encrypt(0x0021, &[i])).collect();
            for i in [0usize, 3, 4, 9] {
                assert_eq!(server.decrypt(&packets[i]), Ok((0x0021, vec![i as u8])));
            }
        }
    }

    #[test]
    fn repeated_and_late_packets_are_refused() {
        let (mut client, mut server) = pair(MppeStrength::Bits128);
        let p0 = client.encrypt(0x0021, b"a");
        let p1 = client.encrypt(0x0021, b"b");
        server.decrypt(&p1).unwrap();
        assert_eq!(
            server.decrypt(&p1),
            Err(PppError::MppeCoherency {
                expected: 2,
                got: 1
            })
        );
        assert!(matches!(
            server.decrypt(&p0),
            Err(PppError::MppeCoherency { got: 0, .. })
        ));
        // The refusals did not disturb the key schedule.
        let p2 = client.encrypt(0x0021, b"c");
        assert_eq!(server.decrypt(&p2), Ok((0x0021, b"c".to_vec())));
    }

    #[test]
    fn coherency_count_wraps_after_4095() {
        let (mut client, mut server) = pair(MppeStrength::Bits40);
        for i in 0..4100u32 {
            let info = client.encrypt(0x0021, &i.to_be_bytes());
            assert_eq!(
                u16::from_be_bytes([info[0], info[1]]) & COHERENCY_MASK,
                (i % 4096) as u16
            );
            assert_eq!(
                server.decrypt(&info),
                Ok((0x0021, i.to_be_bytes().to_vec()))
            );
        }
    }

    #[test]
    fn gap_across_the_wrap_is_bridged() {
        let (mut client, mut server) = pair(MppeStrength::Bits56);
        let mut last = Vec::new();
        for i in 0..4095 {
            let p = client.encrypt(0x0021, b"z");
            if i % 1000 == 0 {
                server.decrypt(&p).unwrap();
            }
        }
        for _ in 0..4 {
            last = client.encrypt(0x0021, b"w"); // counts 4095, 0, 1, 2
        }
        assert_eq!(last[1], 2);
        assert_eq!(server.decrypt(&last), Ok((0x0021, b"w".to_vec())));
    }

    #[test]
    fn unencrypted_compressed_and_unflushed_packets_are_refused() {
        let (mut client, mut server) = pair(MppeStrength::Bits128);
        let mut p = client.encrypt(0x0021, b"a");
        p[0] = flag::FLUSHED;
        assert!(matches!(server.decrypt(&p), Err(PppError::Mppe(_))));
        p[0] = flag::FLUSHED | flag::ENCRYPTED | flag::COMPRESSED;
        assert!(matches!(server.decrypt(&p), Err(PppError::Mppe(_))));
        p[0] = flag::ENCRYPTED;
        assert!(matches!(server.decrypt(&p), Err(PppError::Mppe(_))));
        assert!(matches!(server.decrypt(&[0x90]), Err(PppError::Wire(_))));
        assert!(matches!(server.decrypt(&[0x90, 0]), Err(PppError::Wire(_))));
    }

    #[test]
    fn compressed_inner_protocol_field_is_understood() {
        assert_eq!(split_protocol(vec![0x21, 9]), Ok((0x21, vec![9])));
        assert_eq!(split_protocol(vec![0x80, 0x21, 9]), Ok((0x8021, vec![9])));
        assert!(split_protocol(vec![0x80]).is_err());
    }

    proptest! {
        #[test]
        fn random_info_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let (_, mut server) = pair(MppeStrength::Bits40);
            let _ = server.decrypt(&bytes);
        }

        #[test]
        fn encrypt_decrypt_round_trips(proto in any::<u16>(), payload in proptest::collection::vec(any::<u8>(), 0..64)) {
            // Two-octet protocols are even in their first octet (RFC 1661 2).
            let proto = proto & 0xfeff;
            let (mut client, mut server) = pair(MppeStrength::Bits128);
            let info = client.encrypt(proto, &payload);
            prop_assert_eq!(server.decrypt(&info), Ok((proto, payload)));
        }
    }
}
