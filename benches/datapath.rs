//! ESP and MPPE data paths against the raw ciphers they are built on
//! (DESIGN.md, "Performance goals": at least 80% of the raw cipher's
//! throughput). Each iteration protects one 1400-byte packet and removes
//! the protection again, as sender and receiver do; the floor does the same
//! cipher and MAC work on the same bytes without the protocol around it.
//! Printed as ratios after criterion's lines; not a timed test.

use std::time::{Duration, Instant};

use criterion::{black_box, Criterion};
use l2tpsec::crypto::cbc::{cbc_decrypt, cbc_encrypt, CbcCipher};
use l2tpsec::crypto::integ::IntegAlg;
use l2tpsec::crypto::mppe::{MppeKey, MppeStrength, Rc4};
use l2tpsec::ipsec::sa::{EspSa, SaParams};
use l2tpsec::ppp::chap::MsChapKeys;
use l2tpsec::ppp::mppe::Mppe;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const PACKET: usize = 1400;

/// Builds one data path: a closure that carries one packet through it.
type MakePath = fn() -> Box<dyn FnMut(&[u8])>;

fn sa() -> SaParams {
    SaParams {
        spi: 0x1234_5678,
        cipher: Some(CbcCipher::TripleDes),
        enc_key: vec![0x11; 24],
        integ: IntegAlg::HmacSha1_96,
        auth_key: vec![0x22; 20],
    }
}

/// Mean time of `f` over `n` runs (for the ratio line only).
fn mean(n: u32, mut f: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed() / n
}

/// One packet through ESP: sealed by one SA, opened by its peer.
fn esp_path() -> impl FnMut(&[u8]) {
    let (mut out, mut back) = (EspSa::new(sa()).expect("sa"), EspSa::new(sa()).expect("sa"));
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    move |payload| {
        let sealed = out.seal(&mut rng, 17, black_box(payload));
        black_box(back.open(&sealed).expect("opens"));
    }
}

/// The same cipher and MAC work, without ESP around it.
fn esp_floor() -> impl FnMut(&[u8]) {
    let mut buf = vec![0u8; PACKET + 8];
    move |payload| {
        buf[..PACKET].copy_from_slice(payload);
        cbc_encrypt(CbcCipher::TripleDes, &[0x11; 24], &[0; 8], &mut buf).expect("enc");
        let icv = IntegAlg::HmacSha1_96.compute(&[0x22; 20], &buf);
        assert!(IntegAlg::HmacSha1_96.verify(&[0x22; 20], &buf, &icv));
        cbc_decrypt(CbcCipher::TripleDes, &[0x11; 24], &[0; 8], &mut buf).expect("dec");
    }
}

/// One packet through MPPE 128-bit stateless: client encrypts, server decrypts.
fn mppe_path() -> impl FnMut(&[u8]) {
    let keys = MsChapKeys {
        nt_response: [7; 24],
        password_hash_hash: [9; 16],
    };
    let (mut client, mut server) = (
        Mppe::new(&keys, MppeStrength::Bits128, false),
        Mppe::new(&keys, MppeStrength::Bits128, true),
    );
    move |payload| {
        let info = client.encrypt(0x0021, black_box(payload));
        black_box(server.decrypt(&info).expect("decrypts"));
    }
}

/// RC4 over the same bytes, both ways.
fn rc4_floor() -> impl FnMut(&[u8]) {
    let key = MppeKey::from_prefix(&[3; 16], MppeStrength::Bits128);
    let (mut a, mut b) = (Rc4::new(&key), Rc4::new(&key));
    let mut buf = vec![0u8; PACKET];
    move |payload| {
        buf.copy_from_slice(payload);
        a.apply(&mut buf);
        b.apply(&mut buf);
    }
}

fn main() {
    let mut c = Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
        .configure_from_args();
    let payload = vec![0x5a_u8; PACKET];
    let paths: [(&str, MakePath); 4] = [
        ("esp/3des-sha1-1400B", || Box::new(esp_path())),
        ("floor/3des-cbc+hmac-sha1-1400B", || Box::new(esp_floor())),
        ("mppe/128-stateless-1400B", || Box::new(mppe_path())),
        ("floor/rc4-1400B", || Box::new(rc4_floor())),
    ];
    for (name, make) in paths {
        let mut f = make();
        c.bench_function(name, |b| b.iter(|| f(&payload)));
    }
    c.final_summary();

    // The ratio lines come from a short measurement of their own, so they do
    // not depend on criterion's output files.
    let n = 2000;
    let time = |make: MakePath| {
        let mut f = make();
        mean(n, || f(&payload))
    };
    let t: Vec<Duration> = paths.iter().map(|(_, make)| time(*make)).collect();
    let pct = |floor: Duration, path: Duration| floor.as_secs_f64() / path.as_secs_f64() * 100.0;
    println!(
        "\nESP 3DES/SHA1: {:.0}% of raw 3DES-CBC + HMAC-SHA1 throughput (goal >= 80%)",
        pct(t[1], t[0])
    );
    println!(
        "MPPE 128-bit stateless: {:.0}% of raw RC4 throughput (goal >= 80%; stateless MPPE changes the key every packet)",
        pct(t[3], t[2])
    );
}
