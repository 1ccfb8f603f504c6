//! `decode_response`: see `fuzz_replay::decode_response`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_replay::decode_response(data));
