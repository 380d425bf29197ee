//! What the IPsec components do with IKE's events: SAs into the driver,
//! counters, tshark key lines, the Security log's audits (XP's 541-547
//! from the row, or the subcategory audits of Vista and later as the
//! host's audit policy asks), outcomes for RASMAN.

use core::time::Duration;

use super::super::errors;
use super::super::eventlog::{Arg, EventType};
use super::super::version::IkeAudits;
use super::subcategory;
use super::text::{
    self, audit, cert_status, cipher_name, esp_key_line, hash_name, hex_lower, integ_name,
};
use super::{advfirewall, IpsecComponents, IpsecOutcome};
use crate::ike::{FailurePoint, FailureReason, IkeEvent, MmAuth, Mode};
use crate::ipsec::udp_encap::EspUdp;

impl IpsecComponents {
    fn push_audit(&mut self, a: text::IkeAudit) {
        if let Some(event) = a.written(self.version.ike_audits.as_ref()) {
            self.logs.push_back(event);
        }
    }

    pub(super) fn on_ike(&mut self, now: Duration, e: IkeEvent) {
        match e {
            IkeEvent::MainModeUp {
                peer,
                local,
                remote,
                initiator,
                peer_cert,
                my_cert,
                auth,
                cipher,
                hash,
                group,
                lifetime_secs,
                icookie,
                rcookie,
                enc_key,
                ..
            } => {
                self.monitor.add("main-modes", 1);
                let written = self.subcategory.main_mode_up(
                    now,
                    subcategory::MainModeUp {
                        local,
                        remote,
                        initiator,
                        auth,
                        cipher,
                        hash,
                        group,
                        lifetime_secs,
                        my_cert: my_cert.as_ref(),
                        peer_cert: peer_cert.as_ref(),
                    },
                );
                self.logs.extend(written);
                self.mm_sas.retain(|s| s.peer != peer);
                self.mm_sas.push(advfirewall::MmSaView {
                    at_unix: self.epoch_unix + i64::try_from(now.as_secs()).unwrap_or(i64::MAX),
                    local: self.local_for(peer),
                    peer,
                    auth,
                    cipher,
                    hash,
                    group,
                    icookie,
                    rcookie,
                });
                self.keys.push(format!(
                    "uat:ikev1_decryption_table:{},{}",
                    hex_lower(&icookie),
                    hex_lower(&enc_key)
                ));
                self.push_audit(audit(
                    now,
                    |a| a.established,
                    EventType::SuccessAudit,
                    vec![
                        Arg::catalog("ike.mode.main"),
                        match auth {
                            MmAuth::PreSharedKey => {
                                Arg::nested("ike.identity.psk", vec![peer.to_string().into()])
                            }
                            MmAuth::RsaSignature => {
                                Self::identity_block(peer, peer_cert.as_ref(), my_cert.as_ref())
                            }
                        },
                        self.filter_block(peer, None),
                        Arg::nested(
                            "ike.params.main",
                            vec![
                                cipher_name(Some(cipher)).into(),
                                hash_name(hash).into(),
                                lifetime_secs.to_string().into(),
                            ],
                        ),
                    ],
                ));
            }
            IkeEvent::QuickModeUp {
                peer,
                rule,
                local,
                remote,
                inbound,
                outbound,
                lifetime_secs,
                lifetime_kb,
                udp_encap,
                initiator,
            } => {
                self.monitor.add("quick-modes", 1);
                let written = self.subcategory.quick_mode_up(
                    now,
                    subcategory::QuickModeUp {
                        peer,
                        rule,
                        initiator,
                        local,
                        remote,
                        peer_original: udp_encap.as_ref().and_then(|u| u.peer_original),
                        inbound: &inbound,
                        outbound: &outbound,
                        lifetime_secs,
                        lifetime_kb,
                    },
                );
                self.logs.extend(written);
                // The addresses ESP travels between. UDP-encapsulated, every
                // NAT on the way rewrites them, so each segment sees other
                // ones: tshark's wildcard, the SPI alone picks the SA.
                let (me, them) = match udp_encap {
                    Some(_) => (None, None),
                    None => (Some(*local.ip()), Some(*remote.ip())),
                };
                for (src, dst, sa) in [(them, me, &inbound), (me, them, &outbound)] {
                    self.keys.push(esp_key_line(src, dst, sa));
                }
                self.push_audit(audit(
                    now,
                    |a| a.established,
                    EventType::SuccessAudit,
                    vec![
                        Arg::catalog("ike.mode.quick"),
                        Arg::nested("ike.identity.none", vec![peer.to_string().into()]),
                        self.filter_block(peer, Some((local, remote))),
                        Arg::nested(
                            "ike.params.quick",
                            vec![
                                cipher_name(outbound.cipher).into(),
                                integ_name(outbound.integ).into(),
                                Arg::catalog("ike.value.none"),
                                Arg::catalog(if udp_encap.is_some() {
                                    "ike.value.udp-transport"
                                } else {
                                    "ike.value.transport"
                                }),
                                format!("{} (0x{:08x})", inbound.spi, inbound.spi).into(),
                                format!("{} (0x{:08x})", outbound.spi, outbound.spi).into(),
                                lifetime_secs.to_string().into(),
                                lifetime_kb.to_string().into(),
                            ],
                        ),
                    ],
                ));
                let udp = udp_encap.map(|u| EspUdp {
                    local_port: u.local.port(),
                    remote_port: u.remote.port(),
                });
                self.driver.install(now, peer, rule, inbound, outbound, udp);
                self.outcomes.push_back((peer, IpsecOutcome::Up));
            }
            IkeEvent::Failed {
                peer,
                mode,
                point,
                reason,
                peer_cert,
                at,
            } => {
                self.monitor.add("negotiation-failures", 1);
                let written = self.subcategory.failed(
                    now,
                    subcategory::Failure {
                        peer,
                        local: self.local_for(peer),
                        mode,
                        point,
                        reason: &reason,
                        at: at.as_ref(),
                        my_cert: self.my_cert.as_ref(),
                        peer_cert: peer_cert.as_ref(),
                    },
                );
                self.logs.extend(written);
                if matches!(
                    reason,
                    FailureReason::CredentialsUnacceptable(_)
                        | FailureReason::SignatureInvalid
                        | FailureReason::HashMismatch
                ) {
                    self.monitor.add("authentication-failures", 1);
                }
                let status = match &reason {
                    FailureReason::CredentialsUnacceptable(e) => cert_status(e),
                    FailureReason::PeerRejected { notify } => {
                        Arg::nested("ike.status.peer-notify", vec![notify.to_string().into()])
                    }
                    _ => Arg::catalog("ike.status.none"),
                };
                self.push_audit(audit(
                    now,
                    |a| a.failed,
                    EventType::FailureAudit,
                    vec![
                        match mode {
                            Mode::Main => Arg::catalog("ike.mode.main"),
                            Mode::Quick => Arg::catalog("ike.mode.quick"),
                        },
                        self.filter_block(peer, None),
                        Self::identity_block(peer, peer_cert.as_ref(), self.my_cert.as_ref()),
                        match point {
                            FailurePoint::Me => Arg::catalog("ike.point.me"),
                            FailurePoint::Peer => Arg::catalog("ike.point.peer"),
                        },
                        Arg::catalog(format!("ike.reason.{}", reason.code())),
                        status,
                    ],
                ));
                self.outcomes.push_back((
                    peer,
                    IpsecOutcome::Failed(errors::for_ike(&reason, point, &self.version.ras_errors)),
                ));
            }
            IkeEvent::Deleted {
                peer,
                mode,
                inbound_spi,
                outbound_spi,
            } => {
                let written = match mode {
                    Mode::Main => self
                        .subcategory
                        .main_mode_ended(now, self.local_for(peer), peer),
                    Mode::Quick => self.subcategory.quick_mode_ended(now, inbound_spi),
                };
                self.logs.extend(written);
                let filter = self.filter_block(peer, None);
                let (id, args): (fn(&IkeAudits) -> u32, _) = match mode {
                    Mode::Main => (|a| a.main_mode_ended, vec![filter]),
                    Mode::Quick => (
                        |a| a.quick_mode_ended,
                        vec![
                            filter,
                            inbound_spi
                                .map(|s| s.to_string())
                                .unwrap_or_default()
                                .into(),
                            outbound_spi
                                .map(|s| s.to_string())
                                .unwrap_or_default()
                                .into(),
                        ],
                    ),
                };
                self.push_audit(audit(now, id, EventType::SuccessAudit, args));
                match (mode, inbound_spi, outbound_spi) {
                    (Mode::Quick, Some(i), Some(o)) => self.driver.remove_pair(i, o),
                    (Mode::Quick, _, _) => self.driver.remove_peer(peer),
                    (Mode::Main, _, _) => self.mm_sas.retain(|s| s.peer != peer),
                }
            }
        }
    }
}
