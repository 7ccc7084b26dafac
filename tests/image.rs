//! The container image (Dockerfile, built by .ci/image.sh with the real
//! dockerd of .ci/docker.sh): small, non-root, no shell, runs with a
//! read-only root file system, and its scan of the engine it is given
//! decides every rule as the host binary does.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

/// The image under test; .ci/run builds it before the tests.
fn image() -> String {
    std::env::var("STIGKIT_IMAGE").unwrap_or_else(|_| "stigkit:ci".into())
}

fn docker(args: &[&str]) -> std::process::Output {
    Command::new("docker")
        .args(args)
        .output()
        .expect("the docker client (.ci/docker.sh installs it)")
}

fn inspect(format: &str) -> String {
    let o = docker(&["image", "inspect", &image(), "--format", format]);
    assert!(
        o.status.success(),
        "image {} not built (run .ci/image.sh): {}",
        image(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

#[test]
fn the_image_is_small_non_root_and_has_no_shell() {
    let size: f64 = inspect("{{.Size}}").parse().unwrap();
    assert!(size < 25e6, "image is {:.1} MB", size / 1e6);
    let user = inspect("{{.Config.User}}");
    let (uid, gid) = user.split_once(':').expect("uid:gid");
    assert!(
        uid.parse::<u32>().unwrap() > 0 && gid.parse::<u32>().is_ok(),
        "{user}"
    );
    assert_eq!(inspect("{{json .Config.Entrypoint}}"), r#"["/stigkit"]"#);
    // One layer per COPY: the binary and the CA certificates, nothing else.
    assert_eq!(inspect("{{len .RootFS.Layers}}"), "2");
    let o = docker(&[
        "run",
        "--rm",
        "--entrypoint",
        "/bin/sh",
        &image(),
        "-c",
        "true",
    ]);
    assert!(!o.status.success(), "the image has a shell");

    let o = docker(&["run", "--rm", "--read-only", &image(), "--version"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        format!("stigkit {}", env!("CARGO_PKG_VERSION"))
    );
}

/// Each rule's Vuln ID and status in a scan's CKL.
fn statuses(scan: &Path) -> Vec<(String, String)> {
    let ckl = std::fs::read_dir(scan)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "ckl"))
        .expect("the scan's CKL");
    let c = stigkit::source::load_checklist(&ckl).unwrap().checklist;
    c.stigs
        .iter()
        .flat_map(|s| &s.rules)
        .map(|r| (r.rule.vuln_id.clone(), r.review.status.label().to_string()))
        .collect()
}

#[test]
fn a_scan_in_the_container_equals_the_host_scan() {
    let sock = "/var/run/docker.sock";
    let gid = std::fs::metadata(sock)
        .map(|m| std::os::unix::fs::MetadataExt::gid(&m))
        .expect("dockerd's socket");
    let dir = tempdir();
    // The container's user must be able to write the mounted folder.
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o777),
    )
    .unwrap();
    let o = docker(&[
        "run",
        "--rm",
        "--read-only",
        "--tmpfs",
        "/tmp",
        "--group-add",
        &gid.to_string(),
        "-v",
        &format!("{sock}:{sock}:ro"),
        "-v",
        &format!("{}:/out", dir.path().display()),
        &image(),
        "scan",
        "--docker",
        &format!("unix://{sock}"),
        "--host-name",
        "engine",
        "--out",
        "/out/in-container",
    ]);
    // Exit 0, or 1 never (no --fail-on); the fixtures make findings.
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let inside = dir.path().join("in-container");
    assert!(inside.join("evidence/manifest.json").is_file());
    oracle_strict(&[inside.join("engine.ckl"), inside.join("engine.cklb")]);

    let host = dir.path().join("on-host");
    run_ok(&[
        "scan",
        "--docker",
        &format!("unix://{sock}"),
        "--host-name",
        "engine",
        "--out",
        host.to_str().unwrap(),
    ]);
    let (a, b) = (statuses(&inside), statuses(&host));
    assert_eq!(a.len(), 44);
    assert_eq!(a, b);
    // The fixtures are real offenders: some rules are Open.
    assert!(a.iter().any(|(_, s)| s == "Open"), "{a:?}");
}
