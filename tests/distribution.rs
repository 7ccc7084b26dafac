//! What ships beside the binary: shell completions and man pages, both
//! generated from the clap definitions the parser uses.

mod common;

use common::*;
use std::process::Command;

#[test]
fn completions_cover_every_command_and_bash_loads_them() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = run_ok(&["completions", shell]);
        let script = String::from_utf8(o.stdout).unwrap();
        for cmd in [
            "evaluate", "scan", "merge", "upgrade", "archive", "export", "manpage",
        ] {
            assert!(script.contains(cmd), "{shell}: no {cmd}");
        }
    }
    let dir = tempdir();
    let file = dir.path().join("stigkit.bash");
    std::fs::write(&file, run_ok(&["completions", "bash"]).stdout).unwrap();
    let o = Command::new("bash").arg("-n").arg(&file).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Sourced into a shell, it registers the completion function.
    let o = Command::new("bash")
        .arg("-c")
        .arg(format!("source {} && complete -p stigkit", file.display()))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("stigkit"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn man_pages_render() {
    let dir = tempdir();
    let out = dir.path().join("man");
    run_ok(&["manpage", "--out-dir", out.to_str().unwrap()]);
    let mut pages: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    assert!(pages.contains(&"stigkit.1".to_string()));
    assert!(pages.contains(&"stigkit-scan.1".to_string()));
    // One page per command, and stigkit(1).
    use clap::CommandFactory;
    let commands = stigkit::cli::Cli::command().get_subcommands().count();
    assert_eq!(commands, 16);
    assert_eq!(pages.len(), commands + 1, "{pages:?}");
    for page in ["stigkit.1", "stigkit-evaluate.1"] {
        let o = Command::new("man")
            .args(["-l", "-P", "cat"])
            .arg(out.join(page))
            .env("MANWIDTH", "100")
            .output()
            .expect("man (Debian's man-db; .ci/run installs it)");
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success(),
            "{page}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(text.contains("NAME"), "{page}: {text}");
        if page == "stigkit-evaluate.1" {
            assert!(text.contains("--evidence"), "{text}");
        } else {
            assert!(
                text.contains("SUBCOMMANDS") && text.contains("archive"),
                "{text}"
            );
        }
    }
    // Printed, the page is the same as the one written.
    let printed = run_ok(&["manpage"]).stdout;
    assert_eq!(printed, std::fs::read(out.join("stigkit.1")).unwrap());
}
