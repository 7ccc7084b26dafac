//! MKE client bundle zips.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = stigkit::collect::bundle::ClientBundle::from_zip(data);
});
