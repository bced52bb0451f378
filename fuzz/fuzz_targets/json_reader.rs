#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| errspec_fuzz::json_reader(data));
