//! The TUN device a machine's one interface is: whole IPv4 packets, no
//! packet-information header, read with a timeout.

use std::io;
use std::time::Duration;

/// A TUN interface made beforehand (`ip tuntap add dev NAME mode tun`, its
/// address and routes set by `ip`), attached by name.
pub struct TunLink {
    device: tun::Device,
}

impl TunLink {
    pub fn attach(name: &str) -> io::Result<Self> {
        let mut config = tun::Configuration::default();
        config.tun_name(name);
        // The interface's addresses are the namespace's business (`ip`).
        config.platform_config(|p| {
            p.ensure_root_privileges(false);
        });
        let device = tun::create(&config).map_err(io::Error::other)?;
        Ok(TunLink { device })
    }

    /// The next packet the kernel routed to the interface, if one comes
    /// within `wait`.
    pub fn recv(&self, buf: &mut [u8], wait: Duration) -> io::Result<Option<usize>> {
        match self.device.recv_timeout(buf, wait) {
            Ok(n) => Ok(Some(n)),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    pub fn send(&self, packet: &[u8]) -> io::Result<()> {
        self.device.send(packet).map(|_| ())
    }
}
