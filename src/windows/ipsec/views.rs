//! What the IPsec components show: the filter and identity blocks of the
//! IKE audits, and the `netdiag` / `netsh` views [MODEL layouts].

use std::net::{Ipv4Addr, SocketAddrV4};

use super::super::eventlog::Arg;
use super::text::hex_upper;
use super::{IpsecComponents, NicOffload, UDP};
use crate::crypto::pki::PeerCertificate;
use crate::ipsec::AddrMatch;

impl IpsecComponents {
    pub(super) fn filter_block(
        &self,
        peer: Ipv4Addr,
        selector: Option<(SocketAddrV4, SocketAddrV4)>,
    ) -> Arg {
        let all = "255.255.255.255".to_string();
        let (src, dst, proto, sport, dport) = match selector {
            Some((l, r)) => (
                l.ip().to_string(),
                r.ip().to_string(),
                UDP.to_string(),
                l.port().to_string(),
                r.port().to_string(),
            ),
            // Main mode filters are address pairs.
            None => (
                self.local_for(peer).to_string(),
                peer.to_string(),
                "0".into(),
                "0".into(),
                "0".into(),
            ),
        };
        let args = [
            src,
            all.clone(),
            dst,
            all,
            proto,
            sport,
            dport,
            self.local_for(peer).to_string(),
            peer.to_string(),
        ];
        Arg::nested("ike.filter", args.into_iter().map(Arg::Text).collect())
    }

    pub(super) fn identity_block(
        peer: Ipv4Addr,
        peer_cert: Option<&PeerCertificate>,
        mine: Option<&PeerCertificate>,
    ) -> Arg {
        match peer_cert {
            Some(p) => Arg::nested(
                "ike.identity.cert",
                [
                    p.subject.clone(),
                    hex_upper(&p.thumbprint),
                    p.issuer.clone(),
                    p.root.clone(),
                    mine.map(|m| m.subject.clone()).unwrap_or_default(),
                    mine.map(|m| hex_upper(&m.thumbprint)).unwrap_or_default(),
                    peer.to_string(),
                ]
                .into_iter()
                .map(Arg::Text)
                .collect(),
            ),
            None => Arg::nested("ike.identity.none", vec![peer.to_string().into()]),
        }
    }

    /// `netdiag /test:ipsec /v /debug` (WINDOWS.md 5) [MODEL layout].
    pub fn netdiag(&self) -> String {
        let mut out = String::from("    IP Security test . . . . . . . . . : Passed\n");
        if !self.agent_running {
            out = String::from("    IP Security test . . . . . . . . . : Failed\n        IPSec Policy Agent service is not running.\n");
            return out;
        }
        match &self.policy {
            None => {
                out.push_str("        IPSec policy service is active, but no policy is assigned.\n")
            }
            Some(p) => {
                out.push_str(&format!(
                    "        Local IPSec Policy Active: '{}'\n",
                    p.name
                ));
                out.push_str(&format!("        There are {} filters\n", p.filters.len()));
                for f in &p.filters {
                    out.push_str(&format!("        {}\n", f.name));
                    let addr = |a: &AddrMatch| match a {
                        AddrMatch::Any => ("0.0.0.0", "0.0.0.0".to_string()),
                        AddrMatch::Addr(x) => ("255.255.255.255", x.to_string()),
                        AddrMatch::Me => ("255.255.255.255", "0.0.0.0".to_string()),
                    };
                    let (smask, saddr) = addr(&f.src);
                    let (dmask, daddr) = addr(&f.dst);
                    out.push_str(&format!(
                        "            Src Addr : {saddr}\n            Src Mask : {smask}\n            Dest Addr : {daddr}\n            Dest Mask : {dmask}\n            Tunnel Addr : 0.0.0.0\n            Src Port : {}\n            Dest Port : {}\n            Protocol : {}\n            TunnelFilter: No\n            Flags : Inbound Outbound Negotiate{}\n",
                        f.src_port.unwrap_or(0),
                        f.dst_port.unwrap_or(0),
                        f.protocol.unwrap_or(0),
                        if f.mirrored { " Mirrored" } else { "" },
                    ));
                }
            }
        }
        out
    }

    /// `netsh int ip show offload` [MODEL layout].
    pub fn netsh_offload(&self, interface: &str) -> String {
        let mut out = format!("Interface 1: {interface}\n\n");
        out.push_str("ipv4 transmit checksums supported.\nipv4 receive checksums supported.\n");
        if self.offload != NicOffload::None {
            out.push_str("ipsec transport esp offloads supported.\n");
            if !self.enable_offload {
                out.push_str("(IPSEC\\EnableOffload = 0: the IPsec driver does not use them.)\n");
            }
        }
        out
    }
}

/// `netdiag /test:ipsec /v /debug` run by a user who is not a local
/// administrator: the policy agent will not hand the policy over, and
/// netdiag says so instead of listing it (the article: "vous ne pouvez pas
/// utiliser l'option /debug si vous ne possédez pas d'autorisations
/// administratives", claim A22) [MODEL layout: netdiag's `[FATAL]` line
/// style; "Access is denied." is ERROR_ACCESS_DENIED's text, winerror.h].
pub fn netdiag_without_admin() -> String {
    String::from(
        "    IP Security test . . . . . . . . . : Failed\n        [FATAL] Cannot query the IPSec policy agent for the active policy.\n        Access is denied.\n",
    )
}
