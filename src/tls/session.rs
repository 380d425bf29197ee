//! What one handshake's secrets give a connection (RFC 2246 6.3, 7.4.9,
//! 8.1; RFC 2716 3.5): from the suite, the pre-master secret and the two
//! randoms, the master secret, each direction's record protection, the
//! Finished values, and the MPPE keys EAP-TLS exports to PPP.

use super::error::TlsError;
use super::prf::{key_block, master_secret, verify_data, EapTlsKeys, Random, Sender};
use super::protect::{Protection, SuiteParams};

/// The keys of one TLS connection.
pub struct SessionKeys {
    params: SuiteParams,
    master: [u8; 48],
    client_random: Random,
    server_random: Random,
    block: Vec<u8>,
}

impl core::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Secrets stay out of logs.
        write!(f, "SessionKeys({:#06x})", self.params.id)
    }
}

impl SessionKeys {
    pub fn new(
        suite: u16,
        pre_master: &[u8],
        client_random: &Random,
        server_random: &Random,
    ) -> Result<Self, TlsError> {
        let params = SuiteParams::of(suite)?;
        let master = master_secret(pre_master, client_random, server_random);
        let block = key_block(
            &master,
            client_random,
            server_random,
            params.key_block_len(),
        );
        Ok(SessionKeys {
            params,
            master,
            client_random: *client_random,
            server_random: *server_random,
            block,
        })
    }

    /// The protection of the client's writes (`client`) or the server's.
    pub fn protection(&self, client: bool) -> Result<Protection, TlsError> {
        Protection::new(self.params, &self.block, client)
    }

    /// Finished's verify_data from `sender` over the handshake so far.
    pub fn verify_data(&self, sender: Sender, handshake: &[u8]) -> [u8; 12] {
        verify_data(&self.master, sender, handshake)
    }

    /// The MPPE keys EAP-TLS hands to PPP.
    pub fn eap_tls_keys(&self) -> EapTlsKeys {
        EapTlsKeys::derive(&self.master, &self.client_random, &self.server_random)
    }

    /// The master secret as tshark's `tls.keylog_file` wants it: a
    /// CLIENT_RANDOM line (NSS key log format).
    pub fn key_log_line(&self) -> String {
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        format!(
            "CLIENT_RANDOM {} {}",
            hex(&self.client_random),
            hex(&self.master)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::handshake::suite;
    use crate::tls::record::{ContentType, TLS_1_0};

    fn keys(suite: u16) -> SessionKeys {
        SessionKeys::new(suite, &[3; 48], &[0x40; 32], &[0x80; 32]).unwrap()
    }

    #[test]
    fn each_side_opens_what_the_other_sealed() {
        for s in [
            suite::RSA_WITH_RC4_128_MD5,
            suite::RSA_WITH_3DES_EDE_CBC_SHA,
        ] {
            let k = keys(s);
            let mut client_writes = k.protection(true).unwrap();
            let mut server_reads = k.protection(true).unwrap();
            let sealed = client_writes
                .seal(ContentType::Handshake, TLS_1_0, b"Finished")
                .unwrap();
            assert_eq!(
                server_reads
                    .open(ContentType::Handshake, TLS_1_0, &sealed)
                    .unwrap(),
                b"Finished"
            );
        }
    }

    #[test]
    fn the_key_log_names_the_client_random_and_the_master_secret() {
        let line = keys(suite::RSA_WITH_RC4_128_SHA).key_log_line();
        assert!(
            line.starts_with(&format!("CLIENT_RANDOM {} ", "40".repeat(32))),
            "{line}"
        );
        assert_eq!(line.len(), "CLIENT_RANDOM ".len() + 64 + 1 + 96);
        assert!(SessionKeys::new(0x002f, &[3; 48], &[0; 32], &[0; 32]).is_err());
    }
}
