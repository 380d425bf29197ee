//! The cost of one successful L2TP/IPsec connection in simulation, next to
//! the crypto it cannot avoid (DESIGN.md, "Performance goals"): each side
//! signs once and verifies the peer's signature and certificate (2 RSA-2048
//! signs, 4 verifies), each side generates a MODP-1024 key and computes the
//! shared secret (4 modpows), and the run mints the scenario's four
//! certificates (4 RSA-2048 signs). Beside it, Windows 10's connection to
//! Server 2016 (`windows-10-connect`, issue 21): a pre-shared key, so its
//! floor is each side's ECP-384 key and shared secret (4 scalar
//! multiplications). The report is a ratio to each floor, printed after
//! criterion's own lines; it is not a timed test.

use std::path::PathBuf;
use std::time::Duration;

use criterion::{black_box, Criterion};
use l2tpsec::crypto::dh::{DhGroup, DhPrivate};
use l2tpsec::crypto::pki::{self, AuthoritySpec, CertificateSpec, Pki};
use l2tpsec_harness::{load_file, run, RunOptions, Scenario};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn scenario(name: &str) -> Scenario {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    load_file(&dir.join(format!("{name}.yaml")), &dir).expect("scenario loads")
}

fn fixtures() -> (Pki, Vec<u8>) {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let pki = Pki::mint(
        &[(
            "root".into(),
            AuthoritySpec {
                subject: "CN=Corp Root CA".into(),
            },
        )],
        &[(
            "m".into(),
            CertificateSpec {
                authority: "root".into(),
                subject: "CN=m.corp.test".into(),
                not_before: None,
                not_after: None,
                private_key: true,
            },
        )],
        1_177_322_400,
        &mut rng,
    )
    .expect("mint");
    let root = pki.authority("root").expect("root").der.clone();
    (pki, root)
}

fn main() {
    let mut c = Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1))
        .configure_from_args();
    let s = scenario("l2tp-ipsec-connect");
    let ten = scenario("windows-10-connect");
    let opts = RunOptions {
        seed: s.seed,
        locale: s.locale,
        want_pcap: false,
        want_keys: false,
        engine: l2tpsec::net::Engine::default(),
    };
    let (pki, root) = fixtures();
    let cert = pki.certificate("m").expect("cert");
    let key = cert.key.clone().expect("key");
    let hash = [7u8; 20];
    let sig = pki::sign_hash_raw(&key, &hash).expect("sign");

    c.bench_function("connection/l2tp-ipsec-connect", |b| {
        b.iter(|| run(black_box(&s), &opts).expect("runs"))
    });
    c.bench_function("connection/windows-10-connect", |b| {
        b.iter(|| run(black_box(&ten), &opts).expect("runs"))
    });
    c.bench_function("floor/rsa2048-sign", |b| {
        b.iter(|| pki::sign_hash_raw(&key, black_box(&hash)))
    });
    c.bench_function("floor/rsa2048-verify", |b| {
        b.iter(|| pki::verify_hash_raw(&cert.der, black_box(&hash), &sig))
    });
    c.bench_function("floor/cert-validate", |b| {
        b.iter(|| {
            pki::validate(
                black_box(&cert.der),
                std::slice::from_ref(&root),
                1_177_322_400,
            )
        })
    });
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let (a, _) = DhPrivate::generate(DhGroup::Modp1024, &mut rng);
    let (_, b_pub) = DhPrivate::generate(DhGroup::Modp1024, &mut rng);
    c.bench_function("floor/modp1024-generate", |b| {
        b.iter(|| DhPrivate::generate(DhGroup::Modp1024, &mut rng))
    });
    c.bench_function("floor/modp1024-shared", |b| {
        b.iter(|| a.shared(black_box(&b_pub)))
    });
    let (e, _) = DhPrivate::generate(DhGroup::Ecp384, &mut rng);
    let (_, f_pub) = DhPrivate::generate(DhGroup::Ecp384, &mut rng);
    c.bench_function("floor/ecp384-generate", |b| {
        b.iter(|| DhPrivate::generate(DhGroup::Ecp384, &mut rng))
    });
    c.bench_function("floor/ecp384-shared", |b| {
        b.iter(|| e.shared(black_box(&f_pub)))
    });
    c.final_summary();

    // Ratio from criterion's own estimates (target/criterion/*/new/).
    let mean = |id: &str| -> Option<f64> {
        let dir = PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../target")
                .display()
                .to_string()
        }))
        .join("criterion")
        .join(id.replace('/', "_"))
        .join("new/estimates.json");
        let text = std::fs::read_to_string(dir).ok()?;
        let v: serde_json::Value = serde_json::from_str(&text).ok()?;
        v["mean"]["point_estimate"].as_f64()
    };
    let ids = [
        "connection_l2tp-ipsec-connect",
        "floor_rsa2048-sign",
        "floor_rsa2048-verify",
        "floor_cert-validate",
        "floor_modp1024-generate",
        "floor_modp1024-shared",
        "connection_windows-10-connect",
        "floor_ecp384-generate",
        "floor_ecp384-shared",
    ];
    let m: Vec<Option<f64>> = ids.iter().map(|id| mean(id)).collect();
    if let [Some(conn), Some(sign), Some(verify), Some(validate), Some(gen), Some(shared), Some(ten), Some(ecp_gen), Some(ecp_shared)] =
        m[..]
    {
        // Per connection: 2 IKE signs + 4 minting signs, 2 signature
        // verifies, 2 certificate validations, 2 DH generations, 2 shared.
        let floor = 6.0 * sign + 2.0 * verify + 2.0 * validate + 2.0 * gen + 2.0 * shared;
        println!(
            "\nl2tp-ipsec-connect: {:.2} ms per run; crypto floor {:.2} ms; ratio {:.2}x (goal <= 1.3x)",
            conn / 1e6,
            floor / 1e6,
            conn / floor
        );
        // Per connection: 2 ECP-384 generations, 2 shared secrets.
        let floor = 2.0 * ecp_gen + 2.0 * ecp_shared;
        println!(
            "windows-10-connect: {:.2} ms per run; crypto floor {:.2} ms; ratio {:.2}x (goal <= 1.3x)",
            ten / 1e6,
            floor / 1e6,
            ten / floor
        );
    } else {
        println!("\n(ratio not computed: run a full `cargo bench` so every estimate exists)");
    }
}
