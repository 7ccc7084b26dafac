//! Damaged checklists through every reading command: never a panic, and a
//! refusal is exit 2 with one `error:` line that names the file.

mod common;

use common::{files, run, tempdir};

/// Deterministic damage, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn damage(rng: &mut Rng, bytes: &[u8], how: usize) -> Vec<u8> {
    let mut b = bytes.to_vec();
    match how {
        // Cut off: a copy interrupted, a full disk.
        0 => b.truncate(rng.below(b.len())),
        // Bytes changed: a bad sector, a careless edit.
        1 => {
            for _ in 0..8 {
                let i = rng.below(b.len());
                b[i] = rng.below(256) as u8;
            }
        }
        // A stretch repeated: a botched merge by hand.
        _ => {
            let i = rng.below(b.len());
            let end = (i + 300).min(b.len());
            let piece = b[i..end].to_vec();
            b.splice(i..i, piece);
        }
    }
    b
}

#[test]
fn damaged_checklists_are_refused_cleanly_or_read() {
    let dir = tempdir();
    let mut inputs = files("ckl/saf");
    inputs.extend(files("cklb/smcm").into_iter().take(6));
    inputs.extend(files("xccdf-results").into_iter().take(4));
    let mut rng = Rng(0x5714_u64 << 20 | 0xD1A);
    let mut refused = 0;
    let mut runs = 0;
    for input in &inputs {
        let bytes = std::fs::read(input).unwrap();
        let ext = input.extension().unwrap().to_str().unwrap();
        for how in 0..3 {
            let damaged = dir.path().join(format!("damaged.{ext}"));
            std::fs::write(&damaged, damage(&mut rng, &bytes, how)).unwrap();
            let d = damaged.to_str().unwrap();
            let out = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
            let (html, xml, zip) = (out("r.html"), out("o.xml"), out("a.zip"));
            let commands: [&[&str]; 5] = [
                &["show", d],
                &["lint", d],
                &["report", d, "-o", &html, "--force"],
                &[
                    "export",
                    d,
                    "--format",
                    "xccdf",
                    "-o",
                    &xml,
                    "--force",
                    "--host-name",
                    "h",
                ],
                &["archive", d, "-o", &zip, "--force"],
            ];
            for args in commands {
                let o = run(args);
                runs += 1;
                let err = String::from_utf8_lossy(&o.stderr);
                let code = o.status.code();
                assert!(
                    matches!(code, Some(0..=2)),
                    "{:?} on {} (damage {how}): exit {code:?}: {err}",
                    args[0],
                    input.display()
                );
                if code == Some(2) {
                    refused += 1;
                    let errors: Vec<&str> =
                        err.lines().filter(|l| l.starts_with("error:")).collect();
                    assert_eq!(
                        errors.len(),
                        1,
                        "{:?} on {}: {err}",
                        args[0],
                        input.display()
                    );
                    // `export` may refuse the output path instead (several STIGs).
                    assert!(
                        errors[0].contains("damaged.") || errors[0].contains("o.xml"),
                        "{:?}: {}",
                        args[0],
                        errors[0]
                    );
                }
            }
        }
    }
    // The damage is real: a good share of the runs are refusals.
    assert_eq!(runs, inputs.len() * 3 * 5);
    assert!(refused * 5 > runs, "only {refused} of {runs} refused");
}
