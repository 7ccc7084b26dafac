//! Imports run one way, from the CLI down to the model.
//!
//! The layer table is read from ARCHITECTURE.md, so the document and the
//! rule cannot drift apart. Every `crate::…` path in `src/` (in `use`
//! lines and inline, `super::` resolved) must name a module of the same or
//! a lower layer; the module graph and, inside each module folder, the
//! graph of its files must have no cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One import of module `to` by a file of module `from`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Edge {
    file: String,
    from: String,
    to: String,
}

/// Source with comments and string literals blanked, so a doc link or a
/// message that mentions `crate::x` is not an import.
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            let mut depth = 0;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if b[i] == b'"' && (i == 0 || b[i - 1] != b'\'') {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if b[i] == b'r' && b[i..].starts_with(b"r#\"") {
            let end = src[i + 3..].find("\"#").map_or(b.len(), |e| i + 3 + e + 2);
            i = end;
            out.push_str("\"\"");
        } else {
            let ch = src[i..].chars().next().expect("in bounds");
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// The module path of a file under `src/`: `ckl/read.rs` is `[ckl, read]`,
/// `ckl/mod.rs` is `[ckl]`, `lib.rs` is `[]`.
fn module_path(rel: &str) -> Vec<String> {
    let rel = rel.trim_end_matches(".rs");
    let mut parts: Vec<String> = rel.split('/').map(str::to_string).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The paths an import names, first segments after `crate::` (or after
/// `super::` chains that reach the crate root), with `{a, b::c}` groups
/// opened. Returns `(segments from the root, [next segment inside group])`.
fn targets(code: &str, here: &[String]) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let mut i = 0;
    while let Some(off) = code[i..].find(['c', 's']) {
        let pos = i + off;
        let at = &code[pos..];
        let boundary = code[..pos]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'));
        i = pos + 1;
        if !boundary {
            continue;
        }
        if let Some(after) = at.strip_prefix("crate::") {
            found.extend(group(after).into_iter().filter(|p| !p.is_empty()));
        } else if at.starts_with("super::") {
            let mut base: Vec<String> = here.to_vec();
            let mut after = at;
            while let Some(r) = after.strip_prefix("super::") {
                base.pop();
                after = r;
            }
            for tail in group(after) {
                let mut full = base.clone();
                full.extend(tail);
                found.push(full);
            }
            i = pos + (at.len() - after.len());
        }
    }
    found
}

/// `a::b::{c, d::e}` as `[[a, b, c], [a, b, d, e]]`: only as deep as
/// needed to name a module and its first child.
fn group(s: &str) -> Vec<Vec<String>> {
    let s = s.trim_start();
    if let Some(inner) = s.strip_prefix('{') {
        let mut depth = 0;
        let mut end = inner.len();
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    end = i;
                    break;
                }
                '}' => depth -= 1,
                _ => {}
            }
        }
        let mut out = Vec::new();
        let mut depth = 0;
        let mut start = 0;
        let body = &inner[..end];
        for (i, c) in body.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    out.extend(group(&body[start..i]));
                    start = i + 1;
                }
                _ => {}
            }
        }
        out.extend(group(&body[start..]));
        return out;
    }
    let id = ident_at(s);
    if id.is_empty() || id == "self" {
        return vec![Vec::new()];
    }
    let rest = &s[id.len()..];
    let mut tails = match rest.trim_start().strip_prefix("::") {
        Some(r) => group(r),
        None => vec![Vec::new()],
    };
    for t in &mut tails {
        t.insert(0, id.to_string());
    }
    tails
}

/// Every cross-module import in `files` (relative path under `src/` and
/// its text), restricted to the top-level modules in `modules`.
fn edges(files: &BTreeMap<String, String>, modules: &BTreeSet<String>) -> Vec<Edge> {
    let mut out = BTreeSet::new();
    for (rel, src) in files {
        let here = module_path(rel);
        let Some(from) = here.first() else { continue };
        for t in targets(&code_only(src), &here) {
            if let Some(to) = t.first().filter(|m| modules.contains(*m) && *m != from) {
                out.insert(Edge {
                    file: rel.clone(),
                    from: from.clone(),
                    to: to.clone(),
                });
            }
        }
    }
    out.into_iter().collect()
}

/// Imports between sibling files of one module folder (mod.rs excluded: it
/// is the module's face and declares its children).
fn sibling_edges(files: &BTreeMap<String, String>) -> Vec<(String, String, String)> {
    let mut out = BTreeSet::new();
    for (rel, src) in files {
        let here = module_path(rel);
        if here.len() < 2 || rel.ends_with("/mod.rs") {
            continue;
        }
        let parent = &here[..here.len() - 1];
        for t in targets(&code_only(src), &here) {
            if t.len() > parent.len()
                && t[..parent.len()] == *parent
                && t[parent.len()] != here[here.len() - 1]
                && files.contains_key(&format!("{}/{}.rs", parent.join("/"), t[parent.len()]))
            {
                out.insert((
                    parent.join("/"),
                    here[here.len() - 1].clone(),
                    t[parent.len()].clone(),
                ));
            }
        }
    }
    out.into_iter().collect()
}

/// A cycle in a directed graph, as the nodes along it, if there is one.
fn cycle(edges: &[(String, String)]) -> Option<Vec<String>> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (a, b) in edges {
        next.entry(a).or_default().push(b);
    }
    fn visit<'a>(
        n: &'a str,
        next: &BTreeMap<&'a str, Vec<&'a str>>,
        state: &mut BTreeMap<&'a str, u8>,
        stack: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        state.insert(n, 1);
        stack.push(n);
        for &m in next.get(n).map(Vec::as_slice).unwrap_or(&[]) {
            match state.get(m) {
                Some(1) => {
                    let start = stack.iter().position(|x| *x == m).expect("on stack");
                    let mut c: Vec<String> = stack[start..].iter().map(|s| s.to_string()).collect();
                    c.push(m.to_string());
                    return Some(c);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(m, next, state, stack) {
                        return Some(c);
                    }
                }
            }
        }
        stack.pop();
        state.insert(n, 2);
        None
    }
    let mut state = BTreeMap::new();
    let nodes: Vec<&str> = next.keys().copied().collect();
    for n in nodes {
        if !state.contains_key(n)
            && let Some(c) = visit(n, &next, &mut state, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

/// Everything wrong with `files` against `layers` (bottom first).
fn violations(files: &BTreeMap<String, String>, layers: &[Vec<String>]) -> Vec<String> {
    let rank: BTreeMap<&str, usize> = layers
        .iter()
        .enumerate()
        .flat_map(|(i, l)| l.iter().map(move |m| (m.as_str(), i)))
        .collect();
    let modules: BTreeSet<String> = rank.keys().map(|s| s.to_string()).collect();
    let mut problems = Vec::new();
    let all = edges(files, &modules);
    for e in &all {
        if rank[e.to.as_str()] > rank[e.from.as_str()] {
            problems.push(format!(
                "src/{}: `{}` (layer {}) imports `{}` from the higher layer {}",
                e.file,
                e.from,
                rank[e.from.as_str()] + 1,
                e.to,
                rank[e.to.as_str()] + 1
            ));
        }
    }
    let pairs: Vec<(String, String)> = all.iter().map(|e| (e.from.clone(), e.to.clone())).collect();
    if let Some(c) = cycle(&pairs) {
        problems.push(format!("module cycle: {}", c.join(" -> ")));
    }
    let siblings = sibling_edges(files);
    let folders: BTreeSet<&str> = siblings.iter().map(|(f, _, _)| f.as_str()).collect();
    for folder in folders {
        let pairs: Vec<(String, String)> = siblings
            .iter()
            .filter(|(f, _, _)| f == folder)
            .map(|(_, a, b)| (a.clone(), b.clone()))
            .collect();
        if let Some(c) = cycle(&pairs) {
            problems.push(format!(
                "cycle between files of src/{folder}: {}",
                c.join(" -> ")
            ));
        }
    }
    problems
}

/// The layer table of ARCHITECTURE.md: rows `| N | `a`, `b` | … |`, bottom
/// (1) first.
fn layers_of(doc: &str) -> Vec<Vec<String>> {
    let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
    for line in doc.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 4 {
            continue;
        }
        let Ok(n) = cells[1].parse::<usize>() else {
            continue;
        };
        let mods = cells[2]
            .split(',')
            .map(|m| m.trim().trim_matches('`').to_string())
            .filter(|m| !m.is_empty())
            .collect();
        rows.push((n, mods));
    }
    let numbers: Vec<usize> = rows.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        numbers,
        (1..=rows.len()).collect::<Vec<_>>(),
        "ARCHITECTURE.md: layers must be numbered 1, 2, … from the bottom"
    );
    rows.into_iter().map(|(_, m)| m).collect()
}

fn crate_files() -> BTreeMap<String, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    let mut dirs = vec![root.clone()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).expect("src is readable") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p
                    .strip_prefix(&root)
                    .expect("under src")
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read_to_string(&p).expect("utf-8 source"));
            }
        }
    }
    out
}

/// The top-level modules `lib.rs` declares.
fn declared(lib: &str) -> BTreeSet<String> {
    code_only(lib)
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            l.strip_prefix("pub mod ")
                .or_else(|| l.strip_prefix("mod "))
                .map(|m| m.trim_end_matches(';').trim().to_string())
        })
        .collect()
}

#[test]
fn imports_run_one_way() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md"))
            .expect("ARCHITECTURE.md at the project root");
    let layers = layers_of(&doc);
    let files = crate_files();
    let in_doc: Vec<&String> = layers.iter().flatten().collect();
    let unique: BTreeSet<String> = in_doc.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        in_doc.len(),
        unique.len(),
        "a module is in two layers of ARCHITECTURE.md"
    );
    assert_eq!(
        unique,
        declared(&files["lib.rs"]),
        "ARCHITECTURE.md's layer table must list exactly the modules lib.rs declares"
    );
    // The binary uses the library by name, never `crate::`.
    let lib_only: BTreeMap<String, String> = files
        .into_iter()
        .filter(|(rel, _)| rel != "main.rs")
        .collect();
    let problems = violations(&lib_only, &layers);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A few files shaped like the cycles the crate once had.
fn fixture(files: &[(&str, &str)]) -> BTreeMap<String, String> {
    files
        .iter()
        .map(|(p, s)| (p.to_string(), s.to_string()))
        .collect()
}

fn table(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| r.iter().map(|m| m.to_string()).collect())
        .collect()
}

#[test]
fn scanner_finds_a_format_importing_lint() {
    // ckl::lint once imported its findings type back from crate::lint.
    let files = fixture(&[
        ("ckl/lint.rs", "use crate::lint::{Finding, Level};\n"),
        ("lint/mod.rs", "fn f(b: &[u8]) { crate::ckl::lint(b); }\n"),
    ]);
    let layers = table(&[&["model"], &["ckl"], &["lint"]]);
    let p = violations(&files, &layers);
    assert!(
        p.iter()
            .any(|l| l.starts_with("src/ckl/lint.rs: `ckl` (layer 2) imports `lint`")),
        "{p:?}"
    );
    assert!(
        p.iter().any(|l| l == "module cycle: ckl -> lint -> ckl"),
        "{p:?}"
    );
}

#[test]
fn scanner_finds_a_same_layer_cycle_through_a_group_import() {
    // report owned the templates upgrade used, and imported upgrade's views.
    let files = fixture(&[
        ("report/mod.rs", "use crate::{model, upgrade::Report};\n"),
        (
            "upgrade.rs",
            "use crate::model::Checklist;\nfn t() -> crate::report::Templates { todo!() }\n",
        ),
    ]);
    let layers = table(&[&["model"], &["report", "upgrade"]]);
    let p = violations(&files, &layers);
    assert_eq!(p, vec!["module cycle: report -> upgrade -> report"]);
}

#[test]
fn scanner_follows_super_to_the_crate_root_and_long_chains() {
    // archive -> evidence -> output -> source -> archive, one hop per file.
    let files = fixture(&[
        (
            "archive/pack.rs",
            "use super::super::evidence::sha256_hex;\n",
        ),
        ("evidence/mod.rs", "use crate::output;\n"),
        ("output.rs", "use super::source::Format;\n"),
        ("source.rs", "use crate::archive;\n"),
    ]);
    let layers = table(&[&["source", "output", "evidence", "archive"]]);
    let p = violations(&files, &layers);
    assert_eq!(
        p,
        vec!["module cycle: archive -> evidence -> output -> source -> archive"]
    );
}

#[test]
fn scanner_finds_cycles_between_files_of_one_module() {
    let files = fixture(&[
        ("collect/mod.rs", "mod kubeconfig;\nmod settings;\n"),
        (
            "collect/settings.rs",
            "use super::kubeconfig::{self, KubeTarget};\n",
        ),
        ("collect/kubeconfig.rs", "use super::settings::Secret;\n"),
    ]);
    let p = violations(&files, &table(&[&["collect"]]));
    assert_eq!(
        p,
        vec!["cycle between files of src/collect: kubeconfig -> settings -> kubeconfig"]
    );
}

#[test]
fn scanner_ignores_comments_strings_and_the_module_itself() {
    let files = fixture(&[
        (
            "model/mod.rs",
            "//! See [`crate::cli`].\n/* crate::cli */\nconst S: &str = \"crate::cli\";\nuse crate::model::Status;\nuse super::model;\n",
        ),
        ("cli/mod.rs", "use crate::model;\n"),
    ]);
    let p = violations(&files, &table(&[&["model"], &["cli"]]));
    assert!(p.is_empty(), "{p:?}");
}

#[test]
fn architecture_table_is_read_bottom_first() {
    let doc = "| Layer | Modules | Owns |\n|---|---|---|\n| 1 | `model` | x |\n| 2 | `xml`, `unzip` | y |\n";
    assert_eq!(layers_of(doc), table(&[&["model"], &["xml", "unzip"]]));
}

/// Files stay small enough to read in one sitting: the CLI is argument
/// parsing only, and a check file holds one topic's rules.
#[test]
fn thin_cli_and_small_check_files() {
    let files = crate_files();
    let lines = |rel: &str| files[rel].lines().count();
    assert!(
        lines("cli/verdict.rs") < 150,
        "cli/verdict.rs has {} lines",
        lines("cli/verdict.rs")
    );
    let big: Vec<String> = files
        .keys()
        .filter(|rel| rel.starts_with("checks/") && lines(rel) > 500)
        .map(|rel| format!("src/{rel}: {} lines", lines(rel)))
        .collect();
    assert!(big.is_empty(), "check files over 500 lines: {big:?}");
}
