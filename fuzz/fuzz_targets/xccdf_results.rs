//! XCCDF results (SCC, OpenSCAP, STIG Manager, Evaluate-STIG), and the
//! export of what was read.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut warnings = Vec::new();
    if let Ok(c) = stigkit::xccdf_results::read(data, "fuzz-xccdf.xml", &mut warnings) {
        for s in &c.stigs {
            let _ = stigkit::xccdf_results::write(&c.asset, s, "2026-01-01T00:00:00Z");
        }
    }
});
