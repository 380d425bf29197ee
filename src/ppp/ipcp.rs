//! The IPCP option policy (RFC 1332 3.3): the client asks for 0.0.0.0 and
//! takes the address the server's Configure-Nak assigns; the server asks
//! for its own address and Naks any other client address with the one the
//! authorization gave (RFC 1332 3.3: "the peer MAY ... provide an address").
//!
//! An XP client also asks for primary DNS, primary WINS, secondary DNS and
//! secondary WINS (RFC 1877), in that order, as pppd logs of Windows
//! clients show; the lab's RRAS has no name servers to give and rejects
//! them [MODEL], and the client asks again without them. A server that has
//! them Naks with their addresses (RFC 1877 1.1), and the client asks for
//! those: found against pppd's `ms-dns` (issue 10), where asking again for
//! 0.0.0.0 looped until pppd's Max-Failure turned its Naks into Rejects.

use core::net::Ipv4Addr;

use super::fsm::{Policy, Progress, Verdict};
use crate::wire::ppp::ipcp::IpcpOption;
use crate::wire::ppp::lcp::PppOption;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpcpRole {
    Client,
    /// `local`: the server's end; `peer`: the address to assign.
    Server {
        local: Ipv4Addr,
        peer: Ipv4Addr,
    },
}

#[derive(Clone, Debug)]
pub struct IpcpPolicy {
    role: IpcpRole,
    local: Ipv4Addr,
    peer: Option<Ipv4Addr>,
    send_address: bool,
    /// Client: the RFC 1877 name server options still requested.
    name_servers: Vec<IpcpOption>,
}

impl IpcpPolicy {
    pub fn new(role: IpcpRole) -> Self {
        let local = match role {
            IpcpRole::Client => Ipv4Addr::UNSPECIFIED,
            IpcpRole::Server { local, .. } => local,
        };
        let any = Ipv4Addr::UNSPECIFIED;
        let name_servers = match role {
            IpcpRole::Client => vec![
                IpcpOption::PrimaryDns(any),
                IpcpOption::PrimaryNbns(any),
                IpcpOption::SecondaryDns(any),
                IpcpOption::SecondaryNbns(any),
            ],
            IpcpRole::Server { .. } => Vec::new(),
        };
        IpcpPolicy {
            role,
            local,
            peer: None,
            send_address: true,
            name_servers,
        }
    }

    /// Our address (the client's: as assigned by the server).
    pub fn local(&self) -> Ipv4Addr {
        self.local
    }

    /// The peer's address, once its request was acknowledged.
    pub fn peer(&self) -> Ipv4Addr {
        match (self.peer, self.role) {
            (Some(p), _) => p,
            (None, IpcpRole::Server { peer, .. }) => peer,
            (None, IpcpRole::Client) => Ipv4Addr::UNSPECIFIED,
        }
    }
}

impl Policy for IpcpPolicy {
    type Opt = IpcpOption;

    fn request(&mut self) -> Vec<IpcpOption> {
        let address = self
            .send_address
            .then_some(IpcpOption::IpAddress(self.local));
        address
            .into_iter()
            .chain(self.name_servers.iter().cloned())
            .collect()
    }

    fn judge(&mut self, opt: &IpcpOption) -> Verdict<IpcpOption> {
        match (opt, self.role) {
            (IpcpOption::IpAddress(a), IpcpRole::Server { peer, .. }) => {
                if *a == peer {
                    Verdict::Ack
                } else {
                    Verdict::Nak(IpcpOption::IpAddress(peer))
                }
            }
            // The client has no address to hand out.
            (IpcpOption::IpAddress(a), IpcpRole::Client) if a.is_unspecified() => Verdict::Reject,
            (IpcpOption::IpAddress(_), IpcpRole::Client) => Verdict::Ack,
            // No name server configured in this lab (RFC 1877 1).
            (
                IpcpOption::PrimaryDns(_)
                | IpcpOption::PrimaryNbns(_)
                | IpcpOption::SecondaryDns(_)
                | IpcpOption::SecondaryNbns(_)
                | IpcpOption::Unknown { .. },
                _,
            ) => Verdict::Reject,
        }
    }

    fn peer_request_acked(&mut self, opts: &[IpcpOption]) {
        for o in opts {
            if let IpcpOption::IpAddress(a) = o {
                self.peer = Some(*a);
            }
        }
    }

    fn nak_received(&mut self, suggested: &[IpcpOption]) -> Progress {
        for o in suggested {
            match o {
                IpcpOption::IpAddress(a) => {
                    if self.role == IpcpRole::Client && !a.is_unspecified() {
                        self.local = *a;
                    }
                }
                // RFC 1877 1.1: the Nak carries the server's name server.
                IpcpOption::PrimaryDns(_)
                | IpcpOption::PrimaryNbns(_)
                | IpcpOption::SecondaryDns(_)
                | IpcpOption::SecondaryNbns(_) => {
                    for asked in self.name_servers.iter_mut() {
                        if asked.kind() == o.kind() {
                            *asked = o.clone();
                        }
                    }
                }
                IpcpOption::Unknown { .. } => {}
            }
        }
        Progress::Continue
    }

    fn reject_received(&mut self, rejected: &[IpcpOption]) -> Progress {
        self.name_servers
            .retain(|o| !rejected.iter().any(|r| r.kind() == o.kind()));
        if rejected
            .iter()
            .any(|o| matches!(o, IpcpOption::IpAddress(_)))
        {
            if self.role == IpcpRole::Client {
                // Without an address the client has nothing to route.
                return Progress::GiveUp;
            }
            self.send_address = false;
        }
        Progress::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCAL: Ipv4Addr = Ipv4Addr::new(192, 168, 50, 1);
    const PEER: Ipv4Addr = Ipv4Addr::new(192, 168, 50, 10);

    fn server() -> IpcpPolicy {
        IpcpPolicy::new(IpcpRole::Server {
            local: LOCAL,
            peer: PEER,
        })
    }

    #[test]
    fn server_naks_unspecified_with_assigned_address() {
        let mut s = server();
        assert_eq!(
            s.judge(&IpcpOption::IpAddress(Ipv4Addr::UNSPECIFIED)),
            Verdict::Nak(IpcpOption::IpAddress(PEER))
        );
        assert_eq!(s.judge(&IpcpOption::IpAddress(PEER)), Verdict::Ack);
        assert_eq!(s.request(), vec![IpcpOption::IpAddress(LOCAL)]);
    }

    #[test]
    fn client_asks_for_name_servers_and_drops_the_rejected_ones() {
        let any = Ipv4Addr::UNSPECIFIED;
        let mut c = IpcpPolicy::new(IpcpRole::Client);
        assert_eq!(
            c.request(),
            vec![
                IpcpOption::IpAddress(any),
                IpcpOption::PrimaryDns(any),
                IpcpOption::PrimaryNbns(any),
                IpcpOption::SecondaryDns(any),
                IpcpOption::SecondaryNbns(any),
            ]
        );
        let rejected = [IpcpOption::PrimaryNbns(any), IpcpOption::SecondaryNbns(any)];
        assert_eq!(c.reject_received(&rejected), Progress::Continue);
        assert_eq!(
            c.request(),
            vec![
                IpcpOption::IpAddress(any),
                IpcpOption::PrimaryDns(any),
                IpcpOption::SecondaryDns(any),
            ]
        );
    }

    #[test]
    fn client_asks_for_the_name_servers_a_nak_names() {
        // pppd with `ms-dns 10.10.0.1` Naks our 0.0.0.0 requests with it.
        let dns = Ipv4Addr::new(10, 10, 0, 1);
        let mut c = IpcpPolicy::new(IpcpRole::Client);
        c.nak_received(&[
            IpcpOption::IpAddress(PEER),
            IpcpOption::PrimaryDns(dns),
            IpcpOption::SecondaryDns(dns),
        ]);
        let any = Ipv4Addr::UNSPECIFIED;
        assert_eq!(
            c.request(),
            vec![
                IpcpOption::IpAddress(PEER),
                IpcpOption::PrimaryDns(dns),
                IpcpOption::PrimaryNbns(any),
                IpcpOption::SecondaryDns(dns),
                IpcpOption::SecondaryNbns(any),
            ]
        );
        // The primary DNS option's bytes (RFC 1877 1.1: type 129, length 6).
        let bytes = crate::wire::ppp::lcp::options_to_vec(&c.request()[1..2]);
        assert_eq!(bytes, [0x81, 0x06, 0x0a, 0x0a, 0x00, 0x01]);
    }

    #[test]
    fn client_requests_zero_and_takes_nak() {
        let mut c = IpcpPolicy::new(IpcpRole::Client);
        // The RRAS of this lab rejects the name server options.
        c.reject_received(&[
            IpcpOption::PrimaryDns(Ipv4Addr::UNSPECIFIED),
            IpcpOption::PrimaryNbns(Ipv4Addr::UNSPECIFIED),
            IpcpOption::SecondaryDns(Ipv4Addr::UNSPECIFIED),
            IpcpOption::SecondaryNbns(Ipv4Addr::UNSPECIFIED),
        ]);
        assert_eq!(
            c.request(),
            vec![IpcpOption::IpAddress(Ipv4Addr::UNSPECIFIED)]
        );
        assert_eq!(
            c.nak_received(&[IpcpOption::IpAddress(PEER)]),
            Progress::Continue
        );
        assert_eq!(c.request(), vec![IpcpOption::IpAddress(PEER)]);
        assert_eq!(c.judge(&IpcpOption::IpAddress(LOCAL)), Verdict::Ack);
        c.peer_request_acked(&[IpcpOption::IpAddress(LOCAL)]);
        assert_eq!((c.local(), c.peer()), (PEER, LOCAL));
    }

    #[test]
    fn client_gives_up_when_address_rejected() {
        let mut c = IpcpPolicy::new(IpcpRole::Client);
        assert_eq!(
            c.reject_received(&[IpcpOption::IpAddress(Ipv4Addr::UNSPECIFIED)]),
            Progress::GiveUp
        );
    }

    #[test]
    fn dns_request_rejected() {
        assert_eq!(
            server().judge(&IpcpOption::PrimaryDns(Ipv4Addr::UNSPECIFIED)),
            Verdict::Reject
        );
    }
}
