#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    l2tpsec_harness::cli::main()
}
