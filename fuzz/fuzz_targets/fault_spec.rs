//! `fault_spec`: see `fuzz_replay::fault_spec`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_replay::fault_spec(data));
