//! Authorization of an authenticated user: the remote access policies,
//! the profile's encryption against what protects the call, and an
//! address from the static pool.

use core::time::Duration;

use super::super::carrier::Carrier;
use super::super::eventlog::{Arg, EventType};
use super::super::rras::{self, AuthMethod, Call as PolicyCall, Decision, EncryptionLevel};
use super::event::system_event;
use super::{Protection, RrasServer};
use crate::crypto::cbc::CbcCipher;
use crate::ppp::link::Authorization;
use crate::ppp::Encryption;

impl RrasServer {
    pub(super) fn authorize(&mut self, now: Duration, carrier: Carrier, user: &str) {
        let (Some(account), Some(call)) = (self.config.users.get(user), self.calls.get(&carrier))
        else {
            return;
        };
        let tunnel_call = PolicyCall {
            tunnel: carrier.tunnel_type(),
            auth: AuthMethod::MsChapV2,
            dial_in: account.dial_in,
        };
        let protection = call.protection;
        let peer = call.peer.to_string();
        let args = self.ias_common(user, call);
        let result = if account.disabled {
            Err(self.refuse_disabled(now, user, peer, args))
        } else {
            self.decide(now, carrier, user, protection, &tunnel_call, args)
        };
        if let Some(c) = self.calls.get_mut(&carrier) {
            if let Ok(a) = &result {
                c.address = a.peer_address;
            }
            c.link.authorize(now, result);
        }
    }

    /// The logon of a disabled account is refused once its password is
    /// checked [MODEL: the order; a wrong password still gives 691]: IAS
    /// denies it with IAS_ACCOUNT_DISABLED before any remote access policy
    /// is evaluated, and MS-CHAPv2's Failure carries ERROR_ACCT_DISABLED
    /// (IAS's mschaperror.cpp maps the one to the other; RFC 2759 6 lists
    /// E=647). RRAS logs the failed authentication as for a wrong password
    /// [MODEL]. Returns the E= to send.
    fn refuse_disabled(
        &mut self,
        now: Duration,
        user: &str,
        peer: String,
        mut args: Vec<Arg>,
    ) -> u32 {
        let events = &self.version.rras_events;
        let (denied, failed) = (events.ias_denied, events.auth_failed);
        let reason = rras::reason::ACCOUNT_DISABLED;
        let code = self.version.ras_errors.ppp.account_disabled;
        args.push(self.policy_name(None));
        args.push(reason.to_string().into());
        args.push(Arg::catalog(format!("ias.reason.{reason}")));
        self.log(system_event(now, "IAS", denied, EventType::Warning, args));
        let args = vec![
            user.into(),
            peer.into(),
            Arg::catalog(format!("ras.{code}")),
        ];
        self.log(system_event(
            now,
            "RemoteAccess",
            failed,
            EventType::Warning,
            args,
        ));
        code
    }

    /// The remote access policies' decision on an enabled account, logged
    /// by IAS, and the profile's constraints when granted.
    fn decide(
        &mut self,
        now: Duration,
        carrier: Carrier,
        user: &str,
        protection: Protection,
        tunnel_call: &PolicyCall,
        mut args: Vec<Arg>,
    ) -> Result<Authorization, u32> {
        let decision = rras::evaluate(&self.config.policies, tunnel_call);
        let events = &self.version.rras_events;
        let (granted, denied) = (events.ias_granted, events.ias_denied);
        match decision {
            Decision::Grant { policy, profile } => {
                args.push(self.policy_name(Some(policy)));
                self.log(system_event(
                    now,
                    "IAS",
                    granted,
                    EventType::Information,
                    args,
                ));
                self.grant(now, carrier, user, protection, &profile.encryption)
            }
            Decision::Deny { policy, reason } => {
                args.push(self.policy_name(policy));
                args.push(reason.to_string().into());
                args.push(Arg::catalog(format!("ias.reason.{reason}")));
                self.log(system_event(now, "IAS", denied, EventType::Warning, args));
                Err(self.version.ras_errors.ppp.no_dialin_permission)
            }
        }
    }

    /// The profile's constraints on a granted call: its encryption, then
    /// an address from the static pool.
    fn grant(
        &mut self,
        now: Duration,
        carrier: Carrier,
        user: &str,
        protection: Protection,
        levels: &[EncryptionLevel],
    ) -> Result<Authorization, u32> {
        let port: Arg = self
            .calls
            .get(&carrier)
            .map(|c| c.port_name())
            .unwrap_or_default()
            .into();
        let encryption = match protection {
            Protection::Clear => encryption_of(levels),
            Protection::Esp(cipher) => {
                if !esp_allowed(cipher, levels) {
                    // ROUTERLOG_ENCRYPTION_REQUIRED; the client is refused
                    // with ERROR_REMOTE_REQUIRE_ENCRYPTION [MODEL].
                    let id = self.version.rras_events.encryption_required;
                    self.log(system_event(
                        now,
                        "RemoteAccess",
                        id,
                        EventType::Warning,
                        vec![user.into(), port],
                    ));
                    return Err(self.version.ras_errors.ppp.require_encryption);
                }
                // ESP encrypts; PPP negotiates no MPPE inside it.
                Encryption::NONE
            }
        };
        let peer_address = self.free_address();
        if peer_address.is_none() {
            // ROUTERLOG_NO_IP_ADDRESS: the static pool is exhausted. The
            // user is authenticated; IPCP cannot give an address.
            let id = self.version.rras_events.no_ip_address;
            self.log(system_event(
                now,
                "RemoteAccess",
                id,
                EventType::Warning,
                Vec::new(),
            ));
        }
        Ok(Authorization {
            encryption,
            local_address: self.local_address(),
            peer_address,
        })
    }
}

/// A profile's encryption levels as the PPP layer's allowed set (MPPE).
fn encryption_of(levels: &[EncryptionLevel]) -> Encryption {
    Encryption {
        none: levels.contains(&EncryptionLevel::None),
        bits40: levels.contains(&EncryptionLevel::Basic),
        bits56: levels.contains(&EncryptionLevel::Strong),
        bits128: levels.contains(&EncryptionLevel::Strongest),
    }
}

/// Whether the profile allows an ESP cipher. Server 2003's profile
/// documentation: for L2TP/IPsec, Basic and Strong are 56-bit DES,
/// Strongest is 3DES; no cipher is "No encryption".
fn esp_allowed(cipher: Option<CbcCipher>, levels: &[EncryptionLevel]) -> bool {
    let allowed = |l| levels.contains(&l);
    match cipher {
        None => allowed(EncryptionLevel::None),
        Some(CbcCipher::Des) => allowed(EncryptionLevel::Basic) || allowed(EncryptionLevel::Strong),
        Some(_) => allowed(EncryptionLevel::Strongest),
    }
}
