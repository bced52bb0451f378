#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| errspec_fuzz::decode_layout(data));
