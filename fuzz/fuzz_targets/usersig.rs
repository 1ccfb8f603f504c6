//! `usersig`: see `fuzz_replay::usersig`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_replay::usersig(data));
