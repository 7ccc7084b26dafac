//! DISA XCCDF benchmarks, as `benchmark show` reads them.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = stigkit::xccdf::read(data, "fuzz-xccdf.xml");
});
