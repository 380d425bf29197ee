#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| l2tpsec_harness::fuzzing::capture(data));
