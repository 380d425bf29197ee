# l2tpsec tasks. `just scenario nat-behind-client` runs one scenario.

bin := "cargo run --release -q -p l2tpsec-harness --"

# Run one scenario and print its report (text).
scenario NAME *ARGS:
    {{bin}} run scenarios/{{NAME}}.yaml {{ARGS}}

# Every test: unit, wire, RFC vectors, every scenario twice, tshark checks.
test:
    cargo test --workspace

# Review changed scenario snapshots (needs cargo-insta).
review:
    cargo insta review --workspace

# Write the run's ladder diagram, target/ladder/NAME.html, and print its path.
ladder NAME *ARGS:
    #!/usr/bin/env bash
    set -euo pipefail
    mkdir -p target/ladder
    {{bin}} run scenarios/{{NAME}}.yaml --html target/ladder/{{NAME}}.html {{ARGS}} > /dev/null || [ $? -eq 1 ]
    echo target/ladder/{{NAME}}.html

# Run scenarios over a range of seeds: just sweep lossy-link-connects 1..50
sweep NAME SEEDS *ARGS:
    {{bin}} sweep scenarios/{{NAME}}.yaml --seeds {{SEEDS}} {{ARGS}}

# (Wireshark chains IKE IVs across packets, so one interface at a time.)
# Capture NAME with keys, dissect one interface (default: the first) decrypted.
pcap NAME IFACE="":
    #!/usr/bin/env bash
    set -euo pipefail
    mkdir -p target/pcap
    {{bin}} run scenarios/{{NAME}}.yaml --pcap target/pcap --keys > /dev/null || true
    filter='frame.interface_id == 0'
    [ -n "{{IFACE}}" ] && filter='frame.interface_name == "{{IFACE}}"'
    tshark -r target/pcap/{{NAME}}.pcapng -Y "$filter" -w target/pcap/{{NAME}}-one.pcapng
    args=(-o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE)
    while IFS= read -r line; do args+=(-o "$line"); done < target/pcap/{{NAME}}.keys
    tshark -r target/pcap/{{NAME}}-one.pcapng "${args[@]}" -V

# Fuzz one target (nightly, cargo-fuzz): just fuzz isakmp 600. The corpus
# grows in fuzz/corpus/TARGET; seeds in fuzz/seeds/TARGET are read too.
fuzz TARGET SECONDS="300":
    mkdir -p fuzz/corpus/{{TARGET}}
    cd fuzz && cargo +nightly fuzz run {{TARGET}} corpus/{{TARGET}} seeds/{{TARGET}} -- -max_total_time={{SECONDS}} -print_final_stats=1

# The fuzz targets (fuzz/README.md says what each covers).
fuzz-list:
    cd fuzz && cargo +nightly fuzz list

# Our stacks against real peers on the host kernel (issue 10): our XP
# client's and RRAS server's IKE against strongSwan's charon and their L2TP
# against xl2tpd, in network namespaces on TUN devices. Needs root;
# installs the peers if missing.
interop:
    #!/usr/bin/env bash
    set -euo pipefail
    if [ ! -x /usr/lib/ipsec/charon ] || ! command -v swanctl >/dev/null \
        || ! command -v iptables >/dev/null || [ ! -x /usr/sbin/xl2tpd ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq strongswan-charon strongswan-swanctl iptables xl2tpd ppp >/dev/null
    fi
    cargo test --release -p l2tpsec-interop -- --nocapture --test-threads 4

# The full stack in a QEMU guest (issue 22): Debian's kernel, KVM when it
# works, software emulation otherwise, so it runs on every machine of this
# kind; the four connections of interop-uml, then the servers Windows
# users dial (libreswan, charon; issue 22's seven cases). Needs root;
# installs QEMU, the kernel and the peers if missing. `cargo test` runs it
# too (interop/tests/guest.rs).
interop-guest:
    bash interop/guest/run.sh

# The full stack in User-Mode Linux (issue 10), the fallback: our XP client against
# charon + xl2tpd + pppd (MS-CHAPv2), with MPPE-128 over L2TP in the clear
# and over L2TP/IPsec with the guest kernel's ESP. Needs root.
interop-uml:
    bash interop/uml/run.sh

# Rank the library's causes by what was observed (issue 11):
# just diagnose --error 792 --capture client.pcapng
diagnose *ARGS:
    {{bin}} diagnose {{ARGS}}

# Every scenario under the paths as a test suite (docs/ci.md), e.g.
# `just suite scenarios --snapshots snapshots --junit target/junit.xml`.
suite *ARGS:
    {{bin}} test {{ARGS}}

# Write the Windows logs a scenario turns on (issue 12): target/logs/NAME/HOST/
logs NAME *ARGS:
    {{bin}} run scenarios/{{NAME}}.yaml --logs target/logs {{ARGS}} > /dev/null || [ $? -eq 1 ]
    find target/logs/{{NAME}} -type f
