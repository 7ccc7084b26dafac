//! The MKE, Docker, Kubernetes and MSR answers the checks read: the sample
//! bundle with one answer (chosen by the first byte) replaced by the input,
//! then every check of the registry.
#![no_main]
use std::sync::OnceLock;
use stigkit::checks::{Facts, Policy, registry::CHECKS};
use stigkit::evidence::Evidence;

fn sample() -> &'static Evidence {
    static EV: OnceLock<Evidence> = OnceLock::new();
    EV.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/evidence");
        Evidence::load(&dir).expect("the sample bundle")
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else { return };
    let mut ev = sample().clone();
    let calls: Vec<_> = ev.manifest.calls.iter().filter(|c| c.file.is_some()).cloned().collect();
    let call = calls[pick as usize % calls.len()].clone();
    let file = call.file.clone().expect("filtered");
    ev.manifest.calls.retain(|c| c.key != call.key);
    ev.store(call, file, body.to_vec());
    let facts = Facts::new(&ev);
    let policy = Policy::default();
    for c in CHECKS {
        let _ = (c.run)(&facts, &policy);
    }
});
