//! The RRAS server's access decision: users' dial-in settings and remote
//! access policies evaluated in order (Windows Server 2003, native mode).
//!
//! A policy matches when all its conditions hold. The first matching policy
//! decides: the user's dial-in setting `allow`/`deny` overrides the policy's
//! permission, `policy` takes it. No matching policy denies the call (IAS
//! reason 48). A granted call must also use an authentication method the
//! policy's profile allows (reason 66).

use serde::Deserialize;

/// The tunnel type of a call, a policy condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TunnelType {
    L2tp,
    Pptp,
}

/// Authentication methods of a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthMethod {
    MsChapV2,
    MsChap,
    Chap,
    Pap,
    #[serde(rename = "eap-tls")]
    Eap,
}

/// Encryption levels of a profile: basic = MPPE 40-bit, strong = 56-bit,
/// strongest = 128-bit; over L2TP/IPsec basic and strong are DES,
/// strongest 3DES (Server 2003 profile documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EncryptionLevel {
    None,
    Basic,
    Strong,
    Strongest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Permission {
    Grant,
    Deny,
}

/// A user's "Remote Access Permission (Dial-in or VPN)" setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DialIn {
    Allow,
    Deny,
    /// "Control access through Remote Access Policy", the default.
    #[default]
    Policy,
}

/// A profile; a field a scenario leaves out keeps the default profile's.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Profile {
    #[serde(default = "default_authentication")]
    pub authentication: Vec<AuthMethod>,
    #[serde(default = "default_encryption")]
    pub encryption: Vec<EncryptionLevel>,
}

/// Server 2003's default profile: MS-CHAP v2 and MS-CHAP.
fn default_authentication() -> Vec<AuthMethod> {
    vec![AuthMethod::MsChapV2, AuthMethod::MsChap]
}

/// Every encryption level, "none" included (SCENARIOS.md defaults).
fn default_encryption() -> Vec<EncryptionLevel> {
    vec![
        EncryptionLevel::None,
        EncryptionLevel::Basic,
        EncryptionLevel::Strong,
        EncryptionLevel::Strongest,
    ]
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            authentication: default_authentication(),
            encryption: default_encryption(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Conditions {
    /// `None`: any tunnel type.
    #[serde(default)]
    pub tunnel_type: Option<Vec<TunnelType>>,
}

/// A remote access policy (a scenario's `policies:` entry).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Policy {
    /// `None` names the built-in default policy (rendered from the
    /// catalog); a scenario's policy always has a name.
    #[serde(deserialize_with = "named")]
    pub name: Option<String>,
    #[serde(default)]
    pub conditions: Conditions,
    pub permission: Permission,
    #[serde(default)]
    pub profile: Profile,
}

fn named<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    String::deserialize(d).map(Some)
}

impl Policy {
    /// Server 2003's default policy: matches every call, denies.
    pub fn server_2003_default() -> Policy {
        Policy {
            name: None,
            conditions: Conditions::default(),
            permission: Permission::Deny,
            profile: Profile::default(),
        }
    }

    fn matches(&self, call: &Call) -> bool {
        self.conditions
            .tunnel_type
            .as_ref()
            .is_none_or(|types| types.contains(&call.tunnel))
    }
}

/// What the server knows of a call when it decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Call {
    pub tunnel: TunnelType,
    pub auth: AuthMethod,
    pub dial_in: DialIn,
}

/// The outcome, with the policy that decided (index into the list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Grant { policy: usize, profile: Profile },
    Deny { policy: Option<usize>, reason: u32 },
}

/// IAS reason codes (ias.h).
pub mod reason {
    pub const AUTH_FAILURE: u32 = 16;
    /// IAS_ACCOUNT_DISABLED.
    pub const ACCOUNT_DISABLED: u32 = 34;
    pub const NO_POLICY_MATCH: u32 = 48;
    pub const DIALIN_DISABLED: u32 = 65;
    pub const INVALID_AUTH_TYPE: u32 = 66;
}

/// Evaluates `policies` in order for `call`.
pub fn evaluate(policies: &[Policy], call: &Call) -> Decision {
    let Some((index, policy)) = policies.iter().enumerate().find(|(_, p)| p.matches(call)) else {
        return Decision::Deny {
            policy: None,
            reason: reason::NO_POLICY_MATCH,
        };
    };
    let granted = match call.dial_in {
        DialIn::Allow => true,
        DialIn::Deny => false,
        DialIn::Policy => policy.permission == Permission::Grant,
    };
    if !granted {
        return Decision::Deny {
            policy: Some(index),
            reason: reason::DIALIN_DISABLED,
        };
    }
    if !policy.profile.authentication.contains(&call.auth) {
        return Decision::Deny {
            policy: Some(index),
            reason: reason::INVALID_AUTH_TYPE,
        };
    }
    Decision::Grant {
        policy: index,
        profile: policy.profile.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(dial_in: DialIn) -> Call {
        Call {
            tunnel: TunnelType::L2tp,
            auth: AuthMethod::MsChapV2,
            dial_in,
        }
    }

    fn vpn_policy(permission: Permission) -> Policy {
        Policy {
            name: Some("Connexions VPN".into()),
            conditions: Conditions {
                tunnel_type: Some(vec![TunnelType::L2tp, TunnelType::Pptp]),
            },
            permission,
            profile: Profile::default(),
        }
    }

    #[test]
    fn default_policy_denies_unless_user_allows() {
        let policies = [Policy::server_2003_default()];
        assert_eq!(
            evaluate(&policies, &call(DialIn::Policy)),
            Decision::Deny {
                policy: Some(0),
                reason: reason::DIALIN_DISABLED
            }
        );
        assert!(matches!(
            evaluate(&policies, &call(DialIn::Allow)),
            Decision::Grant { policy: 0, .. }
        ));
    }

    #[test]
    fn first_matching_policy_decides() {
        let pptp_only = Policy {
            conditions: Conditions {
                tunnel_type: Some(vec![TunnelType::Pptp]),
            },
            ..vpn_policy(Permission::Deny)
        };
        let policies = [pptp_only, vpn_policy(Permission::Grant)];
        assert!(matches!(
            evaluate(&policies, &call(DialIn::Policy)),
            Decision::Grant { policy: 1, .. }
        ));
    }

    #[test]
    fn no_matching_policy_is_reason_48() {
        let policies = [Policy {
            conditions: Conditions {
                tunnel_type: Some(vec![TunnelType::Pptp]),
            },
            ..vpn_policy(Permission::Grant)
        }];
        assert_eq!(
            evaluate(&policies, &call(DialIn::Allow)),
            Decision::Deny {
                policy: None,
                reason: reason::NO_POLICY_MATCH
            }
        );
    }

    #[test]
    fn user_deny_overrides_granting_policy() {
        let policies = [vpn_policy(Permission::Grant)];
        assert!(matches!(
            evaluate(&policies, &call(DialIn::Deny)),
            Decision::Deny {
                policy: Some(0),
                reason: reason::DIALIN_DISABLED
            }
        ));
    }

    #[test]
    fn profile_without_the_method_is_reason_66() {
        let mut p = vpn_policy(Permission::Grant);
        p.profile.authentication = vec![AuthMethod::Eap];
        assert!(matches!(
            evaluate(&[p], &call(DialIn::Policy)),
            Decision::Deny {
                reason: reason::INVALID_AUTH_TYPE,
                ..
            }
        ));
    }
}
