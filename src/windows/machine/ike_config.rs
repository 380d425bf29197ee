//! The IKE service's configuration of a machine: its certificate, roots
//! and key, and what its build (and installed updates) make of the rest.

use super::super::config::MachineConfig;
use super::super::ipsec::{vendor_id, vendor_ids, windows_vendor_id_prefixes};
use super::super::version::{fails_on_foreign_vendor_ids, NatTSupport};
use crate::ike::nat_t::NatTScope;
use crate::ike::{Identity, IkeConfig, PeerVendorIds};

pub(super) fn ike_config(config: &MachineConfig) -> IkeConfig {
    let settings = &config.ipsec;
    let version = config.edition.profile();
    IkeConfig {
        identity: settings.certificate.as_ref().map(|c| Identity {
            cert_der: c.der.clone(),
            key: c.key.clone(),
        }),
        trusted_roots: settings.trusted_roots.clone(),
        trusted_root_names: settings.trusted_root_names.clone(),
        epoch_unix: settings.epoch_unix,
        // A manual policy may stand for a third-party responder.
        vendor_ids: match settings
            .manual_policy
            .as_ref()
            .and_then(|p| p.vendor_ids.as_ref())
        {
            Some(ids) => ids.iter().map(|&v| vendor_id(v)).collect(),
            None => vendor_ids(&version.ike),
        },
        mm_attribute_order: version.ike.mm_attribute_order,
        garbled_reply: version.ike.garbled_reply,
        peer_vendor_ids: if fails_on_foreign_vendor_ids(&config.updates) {
            PeerVendorIds::FailUnknown(windows_vendor_id_prefixes())
        } else {
            PeerVendorIds::SkipUnknown
        },
        preshared_key: settings
            .preshared_key
            .as_ref()
            .map(|k| k.as_bytes().to_vec()),
        // Without NAT-T the vendor ids do not offer it, and the scope is
        // never asked.
        nat_t_scope: match version.ike.nat_t {
            NatTSupport::ByRegistry => {
                NatTScope::from_registry(config.registry.assume_udp_encapsulation)
            }
            NatTSupport::Always | NatTSupport::None => NatTScope::Both,
        },
    }
}
