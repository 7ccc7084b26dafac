//! Kubeconfig files (YAML), as the client bundle's kube.yml is read.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = stigkit::collect::kubeconfig::parse(data, std::path::Path::new("/nonexistent"), false);
});
