//! Offers as SA payloads and back: Main Mode transforms (RFC 2409 Appendix
//! A), Quick Mode ESP proposals (RFC 2407 4.4.4, 4.5), and the responder's
//! choice of the first of the initiator's proposals that its policy accepts.

use super::offer::{MmAttributeOrder, MmAuth, MmOffer, QmOffer};
use crate::crypto::cbc::CbcCipher;
use crate::crypto::dh::DhGroup;
use crate::crypto::ike_keys::PrfHash;
use crate::crypto::integ::IntegAlg;
use crate::wire::isakmp::sa::{esp, p1, p2, KEY_IKE};
use crate::wire::isakmp::{Attribute, Proposal, ProtocolId, SaPayload, Transform};

/// RFC 2409 4 / RFC 2407 4.5: lifetime when none is proposed (8 hours).
const DEFAULT_LIFETIME_SECS: u32 = 28800;

fn basic(kind: u16, value: u16) -> Attribute {
    Attribute::Basic { kind, value }
}

fn aes_bits(c: CbcCipher) -> Option<u16> {
    match c {
        CbcCipher::Aes128 => Some(128),
        CbcCipher::Aes192 => Some(192),
        CbcCipher::Aes256 => Some(256),
        CbcCipher::Des | CbcCipher::TripleDes => None,
    }
}

fn aes_of_bits(bits: Option<u32>) -> Option<CbcCipher> {
    match bits {
        Some(128) => Some(CbcCipher::Aes128),
        Some(192) => Some(CbcCipher::Aes192),
        Some(256) => Some(CbcCipher::Aes256),
        _ => None,
    }
}

/// A Main Mode transform (RFC 2409 Appendix A) with its attributes in the
/// build's order (`MmAttributeOrder`).
pub(super) fn mm_transform(number: u8, o: &MmOffer, order: MmAttributeOrder) -> Transform {
    let enc = match o.cipher {
        CbcCipher::Des => p1::ENC_DES_CBC,
        CbcCipher::TripleDes => p1::ENC_3DES_CBC,
        _ => p1::ENC_AES_CBC,
    };
    let mut attributes = vec![basic(p1::ENCRYPTION, enc)];
    if let Some(bits) = aes_bits(o.cipher) {
        attributes.push(basic(p1::KEY_LENGTH, bits));
    }
    let hash = match o.hash {
        PrfHash::Md5 => p1::HASH_MD5,
        PrfHash::Sha1 => p1::HASH_SHA,
    };
    let auth = basic(
        p1::AUTH_METHOD,
        match o.auth {
            MmAuth::PreSharedKey => p1::AUTH_PRE_SHARED,
            MmAuth::RsaSignature => p1::AUTH_RSA_SIG,
        },
    );
    let group = basic(p1::GROUP, o.group.number());
    attributes.push(basic(p1::HASH, hash));
    attributes.extend(match order {
        MmAttributeOrder::AuthThenGroup => [auth, group],
        MmAttributeOrder::GroupThenAuth => [group, auth],
    });
    attributes.extend([
        basic(p1::LIFE_TYPE, p1::LIFE_SECONDS),
        Attribute::duration(p1::LIFE_DURATION, o.lifetime_secs),
    ]);
    Transform {
        number,
        transform_id: KEY_IKE,
        attributes,
    }
}

/// The initiator's Main Mode SA: one ISAKMP proposal, one transform per
/// offer (RFC 2409 5: "one or more transforms").
pub(super) fn mm_sa(offers: &[MmOffer], order: MmAttributeOrder) -> SaPayload {
    SaPayload::new(vec![Proposal {
        number: 1,
        protocol: ProtocolId::Isakmp,
        spi: Vec::new(),
        transforms: offers
            .iter()
            .enumerate()
            .map(|(i, o)| mm_transform(u8::try_from(i + 1).unwrap_or(u8::MAX), o, order))
            .collect(),
    }])
}

/// Reads a Main Mode transform; `None` if it is not IKE authenticated by
/// signatures or a pre-shared key, with algorithms we implement.
pub(super) fn mm_offer_of(t: &Transform) -> Option<MmOffer> {
    if t.transform_id != KEY_IKE {
        return None;
    }
    let cipher = match t.attribute(p1::ENCRYPTION)? {
        v if v == u32::from(p1::ENC_DES_CBC) => CbcCipher::Des,
        v if v == u32::from(p1::ENC_3DES_CBC) => CbcCipher::TripleDes,
        v if v == u32::from(p1::ENC_AES_CBC) => aes_of_bits(t.attribute(p1::KEY_LENGTH))?,
        _ => return None,
    };
    let hash = match t.attribute(p1::HASH)? {
        v if v == u32::from(p1::HASH_MD5) => PrfHash::Md5,
        v if v == u32::from(p1::HASH_SHA) => PrfHash::Sha1,
        _ => return None,
    };
    let auth = match t.attribute(p1::AUTH_METHOD)? {
        v if v == u32::from(p1::AUTH_RSA_SIG) => MmAuth::RsaSignature,
        v if v == u32::from(p1::AUTH_PRE_SHARED) => MmAuth::PreSharedKey,
        _ => return None,
    };
    let group = DhGroup::from_number(u16::try_from(t.attribute(p1::GROUP)?).ok()?)?;
    let (secs, _) = lifetimes(t, p1::LIFE_TYPE, p1::LIFE_DURATION);
    Some(MmOffer {
        cipher,
        hash,
        group,
        auth,
        lifetime_secs: secs.unwrap_or(DEFAULT_LIFETIME_SECS),
    })
}

/// Life type / duration pairs (RFC 2407 4.5: a duration applies to the
/// type before it). Returns (seconds, kilobytes).
fn lifetimes(t: &Transform, type_kind: u16, duration_kind: u16) -> (Option<u32>, Option<u32>) {
    let (mut secs, mut kb, mut current) = (None, None, None);
    for a in &t.attributes {
        if a.kind() == type_kind {
            current = a.value_u32();
        } else if a.kind() == duration_kind {
            match current {
                Some(1) => secs = a.value_u32(),
                Some(2) => kb = a.value_u32(),
                _ => {}
            }
        }
    }
    (secs, kb)
}

fn same_mm(a: &MmOffer, b: &MmOffer) -> bool {
    (a.cipher, a.hash, a.group, a.auth) == (b.cipher, b.hash, b.group, b.auth)
}

/// Responder (RFC 2408 4.2): the first of the initiator's transforms that
/// matches one of our offers (lifetimes are the initiator's), as the answer
/// proposal (same proposal and transform numbers) and the offer.
pub(super) fn choose_mm(sa: &SaPayload, ours: &[MmOffer]) -> Option<(Proposal, MmOffer)> {
    sa.proposals
        .iter()
        .filter(|p| p.protocol == ProtocolId::Isakmp)
        .find_map(|p| {
            p.transforms.iter().find_map(|t| {
                let o = mm_offer_of(t);
                trace_mm_check(p.number, t.number, o.as_ref(), ours);
                let o = o?;
                ours.iter().any(|m| same_mm(m, &o)).then(|| {
                    let answer = Proposal {
                        number: p.number,
                        protocol: ProtocolId::Isakmp,
                        spi: Vec::new(),
                        transforms: vec![t.clone()],
                    };
                    (answer, o)
                })
            })
        })
}

/// Why `theirs` matches none of `ours`: the first attribute, in the order
/// encryption, hash, authentication, group, that no offer agreeing on the
/// earlier ones has (for the traces).
/// An attribute of a Main Mode offer and whether two offers agree on it.
type Agrees = (&'static str, fn(&MmOffer, &MmOffer) -> bool);

fn mm_mismatch(theirs: &MmOffer, ours: &[MmOffer]) -> Option<&'static str> {
    let steps: [Agrees; 4] = [
        ("encryption", |a, b| a.cipher == b.cipher),
        ("hash", |a, b| a.hash == b.hash),
        ("authentication", |a, b| a.auth == b.auth),
        ("group", |a, b| a.group == b.group),
    ];
    for i in 0..steps.len() {
        let agree = |m: &MmOffer| steps.iter().take(i + 1).all(|(_, f)| f(m, theirs));
        if !ours.iter().any(agree) {
            return steps.get(i).map(|(name, _)| *name);
        }
    }
    None
}

/// One transform of the initiator's Main Mode SA compared with our policy.
fn trace_mm_check(proposal: u8, transform: u8, theirs: Option<&MmOffer>, ours: &[MmOffer]) {
    match theirs {
        Some(o) => tracing::debug!(
            target: crate::trace::IKE,
            proposal,
            transform,
            encryption = ?o.cipher,
            hash = ?o.hash,
            authentication = ?o.auth,
            group = o.group.number(),
            lifetime = o.lifetime_secs,
            mismatch = mm_mismatch(o, ours).unwrap_or(""),
            "main mode transform checked"
        ),
        None => tracing::debug!(
            target: crate::trace::IKE,
            proposal,
            transform,
            mismatch = "unsupported",
            "main mode transform checked"
        ),
    }
}

/// Our Main Mode policy, before `choose_mm` compares (for the traces).
pub(super) fn trace_mm_policy(ours: &[MmOffer]) {
    for (i, o) in ours.iter().enumerate() {
        tracing::debug!(
            target: crate::trace::IKE,
            method = i + 1,
            encryption = ?o.cipher,
            hash = ?o.hash,
            authentication = ?o.auth,
            group = o.group.number(),
            lifetime = o.lifetime_secs,
            "main mode policy"
        );
    }
}

/// What `choose_mm` made of the initiator's SA (for the traces).
pub(super) fn trace_mm_outcome(sa: &SaPayload, answer: Option<&Proposal>) {
    match answer {
        Some(a) => tracing::debug!(
            target: crate::trace::IKE,
            transform = a.transforms.first().map_or(0, |t| t.number),
            "main mode proposal accepted"
        ),
        None => tracing::debug!(
            target: crate::trace::IKE,
            transforms = sa.proposals.iter().map(|p| p.transforms.len()).sum::<usize>(),
            "no main mode proposal chosen"
        ),
    }
}

/// Initiator: the responder's answer must be one of our offers.
pub(super) fn accept_mm(sa: &SaPayload, ours: &[MmOffer]) -> Option<MmOffer> {
    let [p] = sa.proposals.as_slice() else {
        return None;
    };
    let [t] = p.transforms.as_slice() else {
        return None;
    };
    let o = mm_offer_of(t)?;
    ours.iter().any(|m| same_mm(m, &o)).then_some(o)
}

/// How ESP travels: transport mode, or UDP-encapsulated transport mode
/// once NAT-D found a NAT (RFC 3947 5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum EspEncap {
    Transport,
    UdpTransport,
}

impl EspEncap {
    fn attribute(self) -> u16 {
        match self {
            EspEncap::Transport => p2::ENCAP_TRANSPORT,
            EspEncap::UdpTransport => p2::ENCAP_UDP_TRANSPORT,
        }
    }
}

/// An ESP transform (RFC 2407 4.4.4, 4.5) in transport mode.
pub(super) fn qm_transform(o: &QmOffer, encap: EspEncap) -> Transform {
    let transform_id = match o.cipher {
        None => esp::NULL,
        Some(CbcCipher::Des) => esp::DES,
        Some(CbcCipher::TripleDes) => esp::TRIPLE_DES,
        Some(_) => esp::AES,
    };
    let auth = match o.integ {
        IntegAlg::HmacMd5_96 => p2::AUTH_HMAC_MD5,
        IntegAlg::HmacSha1_96 => p2::AUTH_HMAC_SHA,
    };
    let mut attributes = vec![
        basic(p2::LIFE_TYPE, p2::LIFE_SECONDS),
        Attribute::duration(p2::LIFE_DURATION, o.lifetime_secs),
    ];
    if o.lifetime_kb != 0 {
        attributes.push(basic(p2::LIFE_TYPE, p2::LIFE_KILOBYTES));
        attributes.push(Attribute::duration(p2::LIFE_DURATION, o.lifetime_kb));
    }
    attributes.push(basic(p2::ENCAPSULATION, encap.attribute()));
    attributes.push(basic(p2::AUTH_ALG, auth));
    if let Some(bits) = o.cipher.and_then(aes_bits) {
        attributes.push(basic(p2::KEY_LENGTH, bits));
    }
    Transform {
        number: 1,
        transform_id,
        attributes,
    }
}

/// The initiator's Quick Mode SA: one ESP proposal per offer, numbered
/// 1, 2, ... (distinct numbers: alternatives, RFC 2408 4.2), all with our SPI.
pub(super) fn qm_sa(offers: &[QmOffer], spi: u32, encap: EspEncap) -> SaPayload {
    SaPayload::new(
        offers
            .iter()
            .enumerate()
            .map(|(i, o)| Proposal {
                number: u8::try_from(i + 1).unwrap_or(u8::MAX),
                protocol: ProtocolId::Esp,
                spi: spi.to_be_bytes().to_vec(),
                transforms: vec![qm_transform(o, encap)],
            })
            .collect(),
    )
}

/// Reads an ESP transform; `None` unless in the `encap` mode, with
/// algorithms we implement.
pub(super) fn qm_offer_of(t: &Transform, encap: EspEncap) -> Option<QmOffer> {
    let cipher = match t.transform_id {
        esp::NULL => None,
        esp::DES => Some(CbcCipher::Des),
        esp::TRIPLE_DES => Some(CbcCipher::TripleDes),
        esp::AES => Some(aes_of_bits(t.attribute(p2::KEY_LENGTH))?),
        _ => return None,
    };
    let integ = match t.attribute(p2::AUTH_ALG)? {
        v if v == u32::from(p2::AUTH_HMAC_MD5) => IntegAlg::HmacMd5_96,
        v if v == u32::from(p2::AUTH_HMAC_SHA) => IntegAlg::HmacSha1_96,
        _ => return None,
    };
    if t.attribute(p2::ENCAPSULATION) != Some(u32::from(encap.attribute())) {
        return None;
    }
    let (secs, kb) = lifetimes(t, p2::LIFE_TYPE, p2::LIFE_DURATION);
    Some(QmOffer {
        cipher,
        integ,
        lifetime_secs: secs.unwrap_or(DEFAULT_LIFETIME_SECS),
        lifetime_kb: kb.unwrap_or(0),
    })
}

fn same_qm(a: &QmOffer, b: &QmOffer) -> bool {
    (a.cipher, a.integ) == (b.cipher, b.integ)
}

fn spi_of(p: &Proposal) -> Option<u32> {
    match p.spi.as_slice() {
        &[a, b, c, d] => Some(u32::from_be_bytes([a, b, c, d])),
        _ => None,
    }
}

/// Responder: the first of the initiator's ESP proposals acceptable to
/// `ours`, as (answer proposal without SPI, the initiator's SPI, offer).
/// Proposals sharing a number are bundles (AH+ESP, RFC 2408 4.2), which we
/// do not implement, so they are skipped.
pub(super) fn choose_qm(
    sa: &SaPayload,
    ours: &[QmOffer],
    encap: EspEncap,
) -> Option<(Proposal, u32, QmOffer)> {
    let bundled = |n: u8| sa.proposals.iter().filter(|p| p.number == n).count() > 1;
    sa.proposals
        .iter()
        .filter(|p| p.protocol == ProtocolId::Esp && !bundled(p.number))
        .find_map(|p| {
            let spi = spi_of(p)?;
            p.transforms.iter().find_map(|t| {
                let o = qm_offer_of(t, encap)?;
                ours.iter().any(|m| same_qm(m, &o)).then(|| {
                    let answer = Proposal {
                        number: p.number,
                        protocol: ProtocolId::Esp,
                        spi: Vec::new(),
                        transforms: vec![t.clone()],
                    };
                    (answer, spi, o)
                })
            })
        })
}

/// Initiator: the responder's answer must be one ESP proposal with one of
/// our transforms; returns the responder's SPI and the offer.
pub(super) fn accept_qm(
    sa: &SaPayload,
    ours: &[QmOffer],
    encap: EspEncap,
) -> Option<(u32, QmOffer)> {
    let [p] = sa.proposals.as_slice() else {
        return None;
    };
    let [t] = p.transforms.as_slice() else {
        return None;
    };
    if p.protocol != ProtocolId::Esp {
        return None;
    }
    let o = qm_offer_of(t, encap)?;
    let spi = spi_of(p)?;
    ours.iter().any(|m| same_qm(m, &o)).then_some((spi, o))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// XP's offers, from its version's row (tests may look upward).
    fn xp_mm() -> Vec<MmOffer> {
        let row = &crate::windows::version::XP_RTM.ike_offers;
        crate::windows::ipsec::l2tp_main_mode_offers(row, false, true)
    }

    #[test]
    fn mm_offers_survive_the_sa_payload() {
        let sa = mm_sa(&xp_mm(), MmAttributeOrder::AuthThenGroup);
        let back: Vec<_> = sa.proposals[0]
            .transforms
            .iter()
            .filter_map(mm_offer_of)
            .collect();
        assert_eq!(back, xp_mm());
    }

    #[test]
    fn responder_picks_the_initiators_first_acceptable_transform() {
        let sa = mm_sa(&xp_mm(), MmAttributeOrder::AuthThenGroup);
        // We accept only DES/SHA1/1 and 3DES/MD5/2: the initiator lists 3DES/MD5 first.
        let ours = vec![xp_mm()[2], xp_mm()[1]];
        let (p, o) = choose_mm(&sa, &ours).unwrap();
        assert_eq!(p.transforms[0].number, 2);
        assert_eq!(o, xp_mm()[1]);
        assert!(choose_mm(&sa, &[]).is_none());
    }

    #[test]
    fn qm_require_encryption_offers_round_trip_and_choose_first() {
        let row = &crate::windows::version::XP_RTM.ike_offers;
        let require = crate::windows::connectoid::ConnectoidEncryption::Require;
        let offers = crate::windows::ipsec::quick_mode_offers(row, require);
        let t = EspEncap::Transport;
        let sa = qm_sa(&offers, 0x1234_5678, t);
        let (answer, spi, o) = choose_qm(&sa, &offers[1..], t).unwrap();
        assert_eq!((answer.number, spi, o), (2, 0x1234_5678, offers[1]));
        let mut reply = SaPayload::new(vec![answer]);
        reply.proposals[0].spi = vec![0, 0, 1, 0];
        assert_eq!(accept_qm(&reply, &offers, t), Some((256, offers[1])));
        assert!(accept_qm(&reply, &offers[..1], t).is_none());
        // Behind a NAT the mode is UDP-encapsulated transport (RFC 3947 5.1),
        // and one side's mode is not the other's.
        let u = EspEncap::UdpTransport;
        assert!(choose_qm(&sa, &offers, u).is_none());
        let sa = qm_sa(&offers, 0x1234_5678, u);
        assert!(choose_qm(&sa, &offers, u).is_some());
        assert_eq!(
            sa.proposals[0].transforms[0].attribute(p2::ENCAPSULATION),
            Some(4)
        );
    }

    #[test]
    fn aes_and_null_esp_transforms_round_trip() {
        for cipher in [None, Some(CbcCipher::Aes128), Some(CbcCipher::Aes256)] {
            let o = QmOffer {
                cipher,
                integ: IntegAlg::HmacSha1_96,
                lifetime_secs: 3600,
                lifetime_kb: 0,
            };
            let t = EspEncap::Transport;
            assert_eq!(qm_offer_of(&qm_transform(&o, t), t), Some(o));
        }
    }
}
