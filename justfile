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

# Run scenarios over a range of seeds: just sweep lossy-link-connects 1..50
sweep NAME SEEDS *ARGS:
    {{bin}} sweep scenarios/{{NAME}}.yaml --seeds {{SEEDS}} {{ARGS}}

# Write NAME's capture and keys to target/pcap and dissect it with tshark.
pcap NAME:
    mkdir -p target/pcap
    {{bin}} run scenarios/{{NAME}}.yaml --pcap target/pcap --keys > /dev/null || true
    tshark -r target/pcap/{{NAME}}.pcapng -d udp.port==1701,l2tp $(cat target/pcap/{{NAME}}.keys 2>/dev/null | sed 's/^/-o /') -V
