//! No field is dropped in a conversion without a warning naming it.
//!
//! For every CKL, CKLB and XCCDF results file of the corpus and every
//! conversion `stigkit convert` offers from it, the input's fields are
//! listed (scoped to the asset, the STIG and the rule by position), and
//! each whose value the output does not hold in the same scope must have
//! produced a warning naming the field.

mod common;

use common::{corpus, oracle_strict, tempdir, walk_files};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use stigkit::commands::{Collected, convert};

/// Where a field sits: the asset (or file), a STIG, or a rule of a STIG.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Scope {
    File,
    Stig(usize),
    Rule(usize, usize),
}

/// One field of a file: its scope, the names that identify it (its own
/// and its parents', any of which a warning may use) and its value.
#[derive(Debug)]
struct Field {
    scope: Scope,
    names: Vec<String>,
    value: String,
}

/// Values compared loosely: case, punctuation and spacing are not
/// information a converter is expected to keep (`NotAFinding` is
/// `not_a_finding`, `true` is `"true"`, `SV-1r2_rule` is `SV-1r2`).
fn norm(v: &str) -> String {
    let v = v.strip_suffix("_rule").unwrap_or(v);
    v.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// An input field's value as the output spells it: XCCDF results become
/// checklist statuses.
fn expected(f: &Field) -> String {
    let v = norm(&f.value);
    if f.names.first().map(String::as_str) == Some("result") {
        return match v.as_str() {
            "pass" => "notafinding",
            "fail" => "open",
            "notapplicable" => "notapplicable",
            _ => "notreviewed",
        }
        .into();
    }
    v
}

/// The output's values by scope.
fn by_scope(fields: &[Field]) -> BTreeMap<Scope, Vec<String>> {
    let mut m: BTreeMap<Scope, Vec<String>> = BTreeMap::new();
    for f in fields {
        m.entry(f.scope.clone()).or_default().push(norm(&f.value));
    }
    m
}

/// Whether `out` holds `value` where a field at `scope` belongs: the same
/// place, a level containing it (a rule's TargetKey is the STIG's
/// reference_identifier when all agree), or for a file or STIG field a
/// level within it. A value may be part of a longer one: a reader folds
/// overrides and results into the comments and details.
fn holds(out: &BTreeMap<Scope, Vec<String>>, scope: &Scope, value: &str) -> bool {
    out.iter()
        .filter(|(s, _)| match (scope, s) {
            (Scope::File, _) => true,
            (Scope::Stig(i), Scope::Stig(j) | Scope::Rule(j, _)) => i == j,
            (Scope::Rule(i, r), Scope::Rule(j, q)) => i == j && r == q,
            (Scope::Rule(i, _), Scope::Stig(j)) => i == j,
            (_, Scope::File) => true,
        })
        .any(|(_, vals)| vals.iter().any(|v| v.contains(value)))
}

fn ckl_fields(path: &Path) -> Vec<Field> {
    let text = std::fs::read_to_string(path).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let mut out = Vec::new();
    let child_text = |n: roxmltree::Node, name: &str| {
        n.children()
            .find(|c| c.has_tag_name(name))
            .and_then(|c| c.text())
            .unwrap_or("")
            .to_string()
    };
    for asset in doc.descendants().filter(|n| n.has_tag_name("ASSET")) {
        for c in asset.children().filter(|c| c.is_element()) {
            out.push(Field {
                scope: Scope::File,
                names: vec![c.tag_name().name().to_string()],
                value: c.text().unwrap_or("").to_string(),
            });
        }
    }
    for (si, istig) in doc
        .descendants()
        .filter(|n| n.has_tag_name("iSTIG"))
        .enumerate()
    {
        for sid in istig.descendants().filter(|n| n.has_tag_name("SI_DATA")) {
            out.push(Field {
                scope: Scope::Stig(si),
                names: vec![child_text(sid, "SID_NAME")],
                value: child_text(sid, "SID_DATA"),
            });
        }
        for (ri, vuln) in istig
            .children()
            .filter(|n| n.has_tag_name("VULN"))
            .enumerate()
        {
            for c in vuln.children().filter(|c| c.is_element()) {
                let (name, value) = if c.has_tag_name("STIG_DATA") {
                    (
                        child_text(c, "VULN_ATTRIBUTE"),
                        child_text(c, "ATTRIBUTE_DATA"),
                    )
                } else {
                    (
                        c.tag_name().name().to_string(),
                        c.text().unwrap_or("").to_string(),
                    )
                };
                out.push(Field {
                    scope: Scope::Rule(si, ri),
                    names: vec![name],
                    value,
                });
            }
        }
    }
    out
}

fn cklb_fields(path: &Path) -> Vec<Field> {
    let v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    fn walk(v: &Value, scope: &Scope, names: &mut Vec<String>, out: &mut Vec<Field>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    names.push(k.clone());
                    walk(v, scope, names, out);
                    names.pop();
                }
            }
            Value::Array(a) => {
                for v in a {
                    walk(v, scope, names, out);
                }
            }
            Value::Null => {}
            // Evaluate-STIG's spelling of an absent value.
            Value::String(s) if s == "null" => {}
            leaf => out.push(Field {
                scope: scope.clone(),
                // The leaf's own name first.
                names: names.iter().rev().cloned().collect(),
                value: match leaf {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                },
            }),
        }
    }
    let mut out = Vec::new();
    let Value::Object(root) = &v else {
        return out;
    };
    for (k, v) in root {
        if k == "stigs" {
            for (si, stig) in v.as_array().into_iter().flatten().enumerate() {
                for (sk, sv) in stig.as_object().into_iter().flatten() {
                    if sk == "rules" {
                        for (ri, rule) in sv.as_array().into_iter().flatten().enumerate() {
                            walk(rule, &Scope::Rule(si, ri), &mut vec![], &mut out);
                        }
                    } else {
                        walk(sv, &Scope::Stig(si), &mut vec![sk.clone()], &mut out);
                    }
                }
            }
        } else {
            walk(v, &Scope::File, &mut vec![k.clone()], &mut out);
        }
    }
    out
}

/// An XCCDF results file: what was found about the target and each rule.
/// Rules are matched to the output by nothing finer than the file: rule
/// order differs between Benchmark and TestResult.
fn xccdf_results_fields(path: &Path) -> Vec<Field> {
    let text = std::fs::read_to_string(path).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let mut out = Vec::new();
    for tr in doc.descendants().filter(|n| n.has_tag_name("TestResult")) {
        for n in tr.descendants().filter(|n| n.is_element()) {
            let own = n.tag_name().name();
            let name = match own {
                "fact" => n.attribute("name").unwrap_or(own).to_string(),
                _ => own.to_string(),
            };
            if let Some(t) = n.text().filter(|t| !t.trim().is_empty()) {
                out.push(Field {
                    scope: Scope::File,
                    names: vec![name.clone(), parent_name(n)],
                    value: t.to_string(),
                });
            }
        }
    }
    out
}

fn parent_name(n: roxmltree::Node) -> String {
    n.parent_element()
        .map(|p| p.tag_name().name().to_string())
        .unwrap_or_default()
}

/// Fields of the input that the output does not hold.
fn dropped<'a>(input: &'a [Field], output: &[Field], by_file: bool) -> Vec<&'a Field> {
    let out = by_scope(output);
    input
        .iter()
        .filter(|f| !expected(f).is_empty())
        .filter(|f| {
            let scope = if by_file { &Scope::File } else { &f.scope };
            // A text split between fields (Evaluate-STIG's answer-file
            // remark moves from the message to the comments) is held
            // line by line.
            let whole = holds(&out, scope, &expected(f));
            let by_line = f.value.contains('\n')
                && f.value
                    .lines()
                    .map(norm)
                    .filter(|l| !l.is_empty())
                    .all(|l| holds(&out, scope, &l));
            !(whole || by_line)
        })
        .collect()
}

fn fields(path: &Path) -> Vec<Field> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("ckl") => ckl_fields(path),
        Some("cklb") => cklb_fields(path),
        _ => xccdf_results_fields(path),
    }
}

/// Not information a checklist could lose, and the README says so: STIG
/// Viewer 3's own state, rewritten on every save, and XCCDF's score,
/// computed from the results by whoever writes the file.
const NOT_INFORMATION: &[&str] = &["has_path", "active", "cklb_version", "score"];

struct Case {
    input: PathBuf,
    output: PathBuf,
    warnings: Vec<String>,
    dropped: Vec<String>,
}

fn convert_one(input: &Path, output: &Path, cklb_marking: bool) -> Option<Case> {
    let notify = Collected::default();
    let options = convert::Options {
        force: true,
        cklb_marking,
    };
    // Files the readers refuse (the corpus holds malformed ones) have no
    // fields to lose.
    convert::convert(input, output, options, &notify).ok()?;
    let warnings = notify.into_lines();
    let by_file = input.extension().and_then(|e| e.to_str()) == Some("xml");
    let outf = fields(output);
    let inf = fields(input);
    let dropped = dropped(&inf, &outf, by_file)
        .into_iter()
        .filter(|f| !NOT_INFORMATION.contains(&f.names[0].as_str()))
        .filter(|f| {
            !warnings.iter().any(|w| {
                f.names
                    .iter()
                    .any(|n| !n.is_empty() && w.contains(n.as_str()))
            })
        })
        .map(|f| format!("{:?} {} = {:?}", f.scope, f.names.join(" < "), f.value))
        .collect();
    Some(Case {
        input: input.to_path_buf(),
        output: output.to_path_buf(),
        warnings,
        dropped,
    })
}

fn inputs() -> Vec<PathBuf> {
    let c = corpus();
    let mut v = walk_files(&c.join("ckl"));
    v.extend(walk_files(&c.join("cklb")));
    v.extend(walk_files(&c.join("xccdf-results")));
    v.retain(|p| {
        matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("ckl" | "cklb" | "xml")
        )
    });
    v
}

/// The table: each input, converted to each format it is not already in.
#[test]
fn every_conversion_names_every_field_it_drops() {
    let dir = tempdir();
    let mut silent = Vec::new();
    let mut converted = 0;
    for input in inputs() {
        let ext = input.extension().and_then(|e| e.to_str()).unwrap();
        let targets: &[&str] = match ext {
            "ckl" => &["cklb"],
            "cklb" => &["ckl"],
            _ => &["ckl", "cklb"],
        };
        for t in targets {
            let name = format!(
                "{}.{t}",
                input
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .replace('.', "_")
            );
            let Some(case) = convert_one(&input, &dir.path().join(name), false) else {
                continue;
            };
            converted += 1;
            for d in &case.dropped {
                silent.push(format!(
                    "{} -> {}: {d} (warnings: {:?})",
                    case.input.display(),
                    case.output.extension().unwrap().to_string_lossy(),
                    case.warnings
                ));
            }
        }
    }
    assert!(converted >= 80, "only {converted} conversions ran");
    assert!(
        silent.is_empty(),
        "{} fields dropped without a warning naming them:\n{}",
        silent.len(),
        silent.join("\n")
    );
}

/// A STIGQter-style CKLB whose `target_data.marking` holds the banner.
fn stigqter_style(dir: &Path) -> PathBuf {
    let src = corpus().join("cklb/smcm/TargetObjectBasic.cklb");
    let mut v: Value = serde_json::from_slice(&std::fs::read(src).unwrap()).unwrap();
    v["target_data"]["marking"] = "PUBLIC RELEASE".into();
    let p = dir.join("stigqter.cklb");
    std::fs::write(&p, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    p
}

fn run_convert(input: &Path, output: &Path, cklb_marking: bool) -> Vec<String> {
    let notify = Collected::default();
    let options = convert::Options {
        force: true,
        cklb_marking,
    };
    convert::convert(input, output, options, &notify).unwrap();
    notify.into_lines()
}

fn cklb_marking(p: &Path) -> Option<String> {
    let v: Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
    v["target_data"]["marking"].as_str().map(str::to_string)
}

/// CKLB → CKL → CKLB keeps the marking when asked to; the CKL in between
/// holds it as MARKING and passes the oracle.
#[test]
fn marking_travels_cklb_to_ckl_and_back() {
    let dir = tempdir();
    let cklb = stigqter_style(dir.path());
    let ckl = dir.path().join("x.ckl");
    let warnings = run_convert(&cklb, &ckl, false);
    assert!(
        !warnings.iter().any(|w| w.contains("MARKING")),
        "{warnings:?}"
    );
    let text = std::fs::read_to_string(&ckl).unwrap();
    assert!(text.contains("<MARKING>PUBLIC RELEASE</MARKING>"), "{text}");
    oracle_strict(std::slice::from_ref(&ckl));

    let back = dir.path().join("back.cklb");
    let warnings = run_convert(&ckl, &back, true);
    assert!(
        !warnings.iter().any(|w| w.contains("MARKING")),
        "{warnings:?}"
    );
    assert_eq!(cklb_marking(&back).as_deref(), Some("PUBLIC RELEASE"));

    // CKLB to CKLB keeps it as the producer wrote it, without being asked.
    let same = dir.path().join("same.cklb");
    run_convert(&cklb, &same, false);
    assert_eq!(cklb_marking(&same).as_deref(), Some("PUBLIC RELEASE"));
}

/// By default a CKLB follows DISA's schema, which has no marking key: the
/// marking is left out with a warning naming it, and the file passes the
/// oracle's strict schema check.
#[test]
fn marking_left_out_of_a_schema_valid_cklb_is_named() {
    let dir = tempdir();
    let ckl = dir.path().join("x.ckl");
    run_convert(&stigqter_style(dir.path()), &ckl, false);
    let cklb = dir.path().join("x.cklb");
    let warnings = run_convert(&ckl, &cklb, false);
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("a CKLB has no field for MARKING 'PUBLIC RELEASE'")),
        "{warnings:?}"
    );
    assert_eq!(cklb_marking(&cklb), None);
    oracle_strict(&[cklb]);
}
