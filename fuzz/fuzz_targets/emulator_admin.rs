//! `emulator_admin`: see `fuzz_replay::emulator_admin`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_replay::emulator_admin(data));
