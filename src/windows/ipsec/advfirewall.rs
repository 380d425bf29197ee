//! `netsh advfirewall monitor show mmsa` and `show qmsa`: what Vista and
//! later print of the security associations up now, where XP had netdiag
//! and IP Security Monitor. [MODEL layout] The only published sample is
//! KB 949856's (Vista/Server 2008): its fields in its order; the values
//! padded to column 38 as netsh pads its other `show` views (the sample's
//! page lost the padding); "Quick Mode SA at" heads a Quick Mode SA (the
//! sample repeats "Main Mode SA at" there); with none up, netsh's "No SAs
//! match the specified criteria."; MM offers and QM offers in the syntax
//! of `netsh advfirewall` security methods (ECDHP384-AES256-SHA1,
//! ESP:SHA1-AES256+60min+250000kb).

use std::net::Ipv4Addr;

use super::IpsecComponents;
use crate::crypto::cbc::CbcCipher;
use crate::crypto::dh::DhGroup;
use crate::crypto::ike_keys::PrfHash;
use crate::crypto::integ::IntegAlg;
use crate::ike::MmAuth;
use crate::values::civil_from_days;

/// A Main Mode SA as the view lists it, kept from its MainModeUp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct MmSaView {
    /// On this machine's clock, Unix seconds.
    pub at_unix: i64,
    pub local: Ipv4Addr,
    pub peer: Ipv4Addr,
    pub auth: MmAuth,
    pub cipher: CbcCipher,
    pub hash: PrfHash,
    pub group: DhGroup,
    pub icookie: [u8; 8],
    pub rcookie: [u8; 8],
}

const NONE_MATCH: &str = "No SAs match the specified criteria.\n\nOk.\n";

/// `Label:` padded to column 38, then the value.
fn field(out: &mut String, label: &str, value: &str) {
    let line = format!("{label:<38}{value}");
    out.push_str(line.trim_end());
    out.push('\n');
}

/// "01/04/2008 13:10:09", as the KB sample writes the time.
fn timestamp(unix: i64) -> String {
    let (y, m, d) = civil_from_days(unix.div_euclid(86_400));
    let s = unix.rem_euclid(86_400);
    format!(
        "{m:02}/{d:02}/{y} {:02}:{:02}:{:02}",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

fn group_name(g: DhGroup) -> String {
    match g {
        DhGroup::Ecp256 => "ECDHP256".into(),
        DhGroup::Ecp384 => "ECDHP384".into(),
        g => format!("DHGroup{}", g.number()),
    }
}

fn cipher_name(c: CbcCipher) -> &'static str {
    match c {
        CbcCipher::Des => "DES",
        CbcCipher::TripleDes => "3DES",
        CbcCipher::Aes128 => "AES128",
        CbcCipher::Aes192 => "AES192",
        CbcCipher::Aes256 => "AES256",
    }
}

fn hash_name(h: PrfHash) -> &'static str {
    match h {
        PrfHash::Md5 => "MD5",
        PrfHash::Sha1 => "SHA1",
    }
}

fn integ_name(i: IntegAlg) -> &'static str {
    match i {
        IntegAlg::HmacMd5_96 => "MD5",
        IntegAlg::HmacSha1_96 => "SHA1",
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl IpsecComponents {
    /// `netsh advfirewall monitor show mmsa`.
    pub fn netsh_mmsa(&self) -> String {
        if self.mm_sas.is_empty() {
            return NONE_MATCH.into();
        }
        let mut out = String::new();
        for sa in &self.mm_sas {
            out.push_str(&format!("\nMain Mode SA at {}\n", timestamp(sa.at_unix)));
            field(&mut out, "Local IP Address:", &sa.local.to_string());
            field(&mut out, "Remote IP Address:", &sa.peer.to_string());
            field(&mut out, "My ID:", "");
            field(&mut out, "Peer ID:", "");
            let auth = match sa.auth {
                MmAuth::PreSharedKey => "ComputerPSK",
                MmAuth::RsaSignature => "ComputerCert",
            };
            field(&mut out, "First Auth:", auth);
            field(&mut out, "Second Auth:", "None");
            let offer = format!(
                "{}-{}-{}",
                group_name(sa.group),
                cipher_name(sa.cipher),
                hash_name(sa.hash)
            );
            field(&mut out, "MM Offer:", &offer);
            let cookies = format!("{}:{}", hex(&sa.icookie), hex(&sa.rcookie));
            field(&mut out, "Cookie Pair:", &cookies);
            field(&mut out, "Health Pair:", "No");
        }
        out.push_str("Ok.\n");
        out
    }

    /// `netsh advfirewall monitor show qmsa`: one entry per outbound SA
    /// (its pair is the same negotiation).
    pub fn netsh_qmsa(&self) -> String {
        let sas: Vec<_> = self
            .driver
            .security_associations()
            .into_iter()
            .filter(|s| s.outbound)
            .collect();
        if sas.is_empty() {
            return NONE_MATCH.into();
        }
        let offers = &self.version.ike_offers;
        let mut out = String::new();
        for sa in sas {
            let at = self.epoch_unix + i64::try_from(sa.installed.as_secs()).unwrap_or(i64::MAX);
            out.push_str(&format!("\nQuick Mode SA at {}\n", timestamp(at)));
            field(
                &mut out,
                "Local IP Address:",
                &self.local_for(sa.peer).to_string(),
            );
            field(&mut out, "Remote IP Address:", &sa.peer.to_string());
            // Windows' L2TP policy secures UDP 1701 both ways (WINDOWS.md 5).
            field(&mut out, "Local Port:", "1701");
            field(&mut out, "Remote Port:", "1701");
            field(&mut out, "Protocol:", "UDP");
            field(&mut out, "Direction:", "Both");
            let offer = format!(
                "ESP:{}-{}+{}min+{}kb",
                integ_name(sa.params.integ),
                sa.params.cipher.map_or("None", cipher_name),
                offers.quick_mode_lifetime_secs / 60,
                offers.quick_mode_lifetime_kb
            );
            field(&mut out, "QM Offer:", &offer);
        }
        out.push_str("Ok.\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_pad_to_column_38_and_times_read_as_the_sample() {
        let mut out = String::new();
        field(&mut out, "Local IP Address:", "192.168.1.10");
        field(&mut out, "My ID:", "");
        assert_eq!(
            out,
            "Local IP Address:                     192.168.1.10\nMy ID:\n"
        );
        // 2008-01-04 13:10:09 UTC, the sample's time.
        assert_eq!(timestamp(1_199_452_209), "01/04/2008 13:10:09");
        assert_eq!(group_name(DhGroup::Modp2048), "DHGroup14");
        assert_eq!(group_name(DhGroup::Ecp384), "ECDHP384");
    }
}
