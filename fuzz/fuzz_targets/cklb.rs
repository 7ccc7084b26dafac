//! STIG Viewer 3 checklists, and writing back what was read.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut warnings = Vec::new();
    if let Ok(c) = stigkit::cklb::read(data, &mut warnings) {
        let _ = stigkit::cklb::write_to_string(&c);
        let _ = stigkit::ckl::write_to_string(&c);
    }
    let _ = stigkit::cklb::lint(data);
});
