//! `cursor`: see `fuzz_replay::cursor`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_replay::cursor(data));
