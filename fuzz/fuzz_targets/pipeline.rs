#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| errspec_fuzz::pipeline(data));
