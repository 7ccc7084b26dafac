//! `benchmark show`: a benchmark's identity, release, counts and rules.

use super::{Outcome, load_benchmark};
use crate::report::BenchmarkView;
use crate::templates;
use std::path::Path;

/// Shows the benchmark at `path` (the built-in catalog when `None`), as
/// text or JSON.
pub fn show(path: Option<&Path>, pick: Option<&str>, json: bool) -> anyhow::Result<Outcome> {
    let b = load_benchmark(path, pick)?;
    let view = BenchmarkView::of(&b);
    let text = if json {
        serde_json::to_string_pretty(&view)? + "\n"
    } else {
        templates::render("benchmark.txt.j2", &view)?
    };
    Ok(Outcome::shown(text))
}
