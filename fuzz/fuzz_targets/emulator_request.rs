//! `emulator_request`: see `fuzz_replay::emulator_request`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_replay::emulator_request(data));
