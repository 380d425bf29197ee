//! Real peers in a network namespace: the namespace and its TUN interface
//! (`ip`), and strongSwan's charon with its own configuration, `/run`
//! (a private mount namespace, so its pid file and sockets are its own)
//! and vici socket, driven with `swanctl` (INTEROP.md).

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const CHARON: &str = "/usr/lib/ipsec/charon";
pub const SWANCTL: &str = "/usr/sbin/swanctl";
pub const XL2TPD: &str = "/usr/sbin/xl2tpd";

/// Root and `ip` (iproute2): what every interop check needs. `Err` says
/// what is missing.
fn host_ready() -> Result<(), String> {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    if !root {
        return Err("not root".into());
    }
    if Command::new("ip").arg("-V").output().is_err() {
        return Err("ip (iproute2) not installed".into());
    }
    Ok(())
}

fn installed(tools: &[&str]) -> Result<(), String> {
    match tools.iter().find(|t| !Path::new(t).exists()) {
        Some(t) => Err(format!("{t} not installed")),
        None => Ok(()),
    }
}

/// Root, `ip`, charon and swanctl.
pub fn charon_available() -> Result<(), String> {
    host_ready().and_then(|()| installed(&[CHARON, SWANCTL]))
}

/// Root, `ip` and xl2tpd.
pub fn xl2tpd_available() -> Result<(), String> {
    host_ready().and_then(|()| installed(&[XL2TPD]))
}

/// Root, `ip`, QEMU, a Debian kernel with its modules, mkinitramfs, and
/// the peers of the full-stack guest (interop/guest/run.sh).
pub fn guest_available() -> Result<(), String> {
    host_ready()?;
    installed(&[
        "/usr/bin/qemu-system-x86_64",
        "/usr/sbin/mkinitramfs",
        CHARON,
        SWANCTL,
        XL2TPD,
        "/usr/sbin/pppd",
        "/usr/sbin/pptpd",
    ])?;
    let kernel = std::fs::read_dir("/boot").ok().is_some_and(|d| {
        d.flatten().any(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_prefix("vmlinuz-")
                .is_some_and(|v| Path::new("/lib/modules").join(v).is_dir())
        })
    });
    if kernel {
        Ok(())
    } else {
        Err("no /boot/vmlinuz-* with its /lib/modules (linux-image-amd64)".into())
    }
}

fn run(cmd: &mut Command) -> io::Result<Output> {
    let out = cmd.output()?;
    if !out.status.success() {
        return Err(io::Error::other(format!(
            "{cmd:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(out)
}

/// A network namespace, deleted when dropped.
pub struct Netns {
    pub name: String,
}

impl Netns {
    pub fn create(name: &str) -> io::Result<Self> {
        // A namespace left by an interrupted run goes first.
        let _ = Command::new("ip").args(["netns", "del", name]).output();
        run(Command::new("ip").args(["netns", "add", name]))?;
        let ns = Netns { name: name.into() };
        run(Command::new("ip").args(["-n", name, "link", "set", "lo", "up"]))?;
        // The kernel's IPv6 chatter (router solicitations) would reach our
        // IPv4-only machine as malformed packets.
        let _ = Command::new("ip")
            .args([
                "netns",
                "exec",
                name,
                "sysctl",
                "-q",
                "-w",
                "net.ipv6.conf.default.disable_ipv6=1",
            ])
            .output();
        Ok(ns)
    }

    /// A TUN interface `dev` whose kernel side has `address` (a CIDR, e.g.
    /// "10.99.0.1/24"): the rest of that subnet is routed to whoever
    /// attaches to `dev`.
    pub fn add_tun(&self, dev: &str, address: &str) -> io::Result<()> {
        let ip = |args: &[&str]| run(Command::new("ip").args(["-n", &self.name]).args(args));
        ip(&["tuntap", "add", "dev", dev, "mode", "tun"])?;
        ip(&["addr", "add", address, "dev", dev])?;
        ip(&["link", "set", dev, "up"])?;
        Ok(())
    }

    /// `program args` inside the namespace.
    pub fn command(&self, program: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name, program]);
        c
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .output();
    }
}

/// charon in a namespace, stopped when dropped.
pub struct Charon {
    child: Child,
    pub dir: PathBuf,
}

impl Charon {
    /// Starts charon with the configuration in `dir` (written here) and
    /// waits for its vici socket.
    pub fn start(ns: &Netns, dir: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let conf = dir.join("strongswan.conf");
        std::fs::write(&conf, strongswan_conf(dir))?;
        let script = format!(
            "mount -t tmpfs tmpfs /run && exec env STRONGSWAN_CONF={} {CHARON}",
            conf.display()
        );
        let child = ns
            .command("unshare")
            .args(["--mount", "--propagation", "private", "sh", "-c", &script])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let charon = Charon {
            child,
            dir: dir.to_path_buf(),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !charon.socket().exists() {
            if Instant::now() > deadline {
                return Err(io::Error::other(format!(
                    "charon did not open its vici socket: {}",
                    charon.log()
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(charon)
    }

    fn socket(&self) -> PathBuf {
        self.dir.join("charon.vici")
    }

    /// `swanctl ARGS` against this charon.
    pub fn swanctl(&self, args: &[&str]) -> io::Result<String> {
        self.swanctl_in(None, args)
    }

    fn swanctl_in(&self, dir: Option<&Path>, args: &[&str]) -> io::Result<String> {
        let uri = format!("unix://{}", self.socket().display());
        let mut cmd = Command::new(SWANCTL);
        if let Some(d) = dir {
            cmd.env("SWANCTL_DIR", d);
        }
        let out = run(cmd.args(args).args(["--uri", &uri]))?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Loads `dir/swanctl.conf` and the credentials beside it (`x509ca/`,
    /// `x509/`, `rsa/`: the layout `export::write_pki` writes).
    pub fn load(&self, dir: &Path) -> io::Result<String> {
        let file = dir.join("swanctl.conf").display().to_string();
        self.swanctl_in(Some(dir), &["--load-all", "--noprompt", "--file", &file])
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("charon.log")).unwrap_or_default()
    }
}

impl Drop for Charon {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .output();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Debian's plugin set, our log and our vici socket.
fn strongswan_conf(dir: &Path) -> String {
    format!(
        "charon {{
  load_modular = yes
  plugins {{
    include /etc/strongswan.d/charon/*.conf
  }}
}}
include /etc/strongswan.d/*.conf
charon {{
  install_routes = no
  filelog {{
    log {{
      path = {log}
      time_format = %T
      default = 1
      ike = 2
      flush_line = yes
    }}
  }}
  plugins {{
    vici {{
      socket = unix://{vici}
    }}
  }}
}}
",
        log = dir.join("charon.log").display(),
        vici = dir.join("charon.vici").display(),
    )
}

/// xl2tpd in a namespace, in the foreground with its debug output in
/// `dir/xl2tpd.log`, its own `/run`; stopped when dropped.
pub struct Xl2tpd {
    child: Child,
    pub dir: PathBuf,
}

impl Xl2tpd {
    /// Starts xl2tpd with `conf` (an xl2tpd.conf) written to `dir`; pppd,
    /// which it starts for each call, reads `dir/options`.
    pub fn start(ns: &Netns, dir: &Path, conf: &str) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let conf_path = dir.join("xl2tpd.conf");
        std::fs::write(&conf_path, conf)?;
        std::fs::write(dir.join("options"), PPP_OPTIONS)?;
        let log = std::fs::File::create(dir.join("xl2tpd.log"))?;
        let script = format!(
            "mount -t tmpfs tmpfs /run && mkdir -p /run/xl2tpd && exec {XL2TPD} -D -c {} \
             -p /run/xl2tpd.pid -C /run/xl2tpd/l2tp-control",
            conf_path.display()
        );
        let child = ns
            .command("unshare")
            .args(["--mount", "--propagation", "private", "sh", "-c", &script])
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        // xl2tpd binds UDP 1701 at once; a moment is enough.
        std::thread::sleep(Duration::from_millis(300));
        Ok(Xl2tpd {
            child,
            dir: dir.to_path_buf(),
        })
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("xl2tpd.log")).unwrap_or_default()
    }
}

impl Drop for Xl2tpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What pppd would be asked for (it cannot start on a kernel without
/// `/dev/ppp`; in User-Mode Linux it can).
const PPP_OPTIONS: &str = "require-mschap-v2
require-mppe-128
ms-dns 10.10.0.1
noccp
nodefaultroute
debug
";

/// For a test: true when `check` passed; otherwise prints why and returns
/// false, except under CI (`CI=true`), where the tools must be there.
pub fn ready(check: Result<(), String>) -> bool {
    match check {
        Ok(()) => true,
        Err(why) => {
            assert!(
                std::env::var("CI").map_or(true, |v| v != "true"),
                "interop tools required under CI: {why}"
            );
            eprintln!("interop skipped: {why}");
            false
        }
    }
}

/// For a test: each message of `sent` left our machine and each of
/// `received` came in, by `l2tpsec-interop host`'s packet lines.
pub fn assert_exchange(ours: &str, sent: &[&str], received: &[&str]) {
    for (way, messages) in [(" out ", sent), (" in  ", received)] {
        for m in messages {
            assert!(
                ours.lines().any(|l| l.contains(way) && l.contains(m)),
                "no {m} ({}): {ours}",
                way.trim()
            );
        }
    }
}
