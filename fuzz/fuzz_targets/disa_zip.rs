//! DISA benchmark zips (nested zips included), through the zip reader.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = stigkit::source::parse_benchmark(std::path::Path::new("fuzz.zip"), data, None);
});
