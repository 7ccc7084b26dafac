//! An evidence bundle's manifest.json.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<stigkit::evidence::Manifest>(data);
});
