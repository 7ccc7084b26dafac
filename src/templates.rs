//! The template engine: minijinja with the built-in templates of
//! `templates/` compiled in, and a user's folder (`--templates DIR`) that
//! overrides any of them by file name. Every module that renders text
//! (finding details, comments, summaries, reports) goes through here.

use minijinja::Environment;
use serde::Serialize;
use std::path::Path;

/// Built-in templates, by name.
const TEMPLATES: &[(&str, &str)] = &[
    (
        "benchmark.txt.j2",
        include_str!("../templates/benchmark.txt.j2"),
    ),
    (
        "summary.txt.j2",
        include_str!("../templates/summary.txt.j2"),
    ),
    (
        "finding_details.txt.j2",
        include_str!("../templates/finding_details.txt.j2"),
    ),
    (
        "comments.txt.j2",
        include_str!("../templates/comments.txt.j2"),
    ),
    (
        "scan_summary.txt.j2",
        include_str!("../templates/scan_summary.txt.j2"),
    ),
    (
        "merge_summary.txt.j2",
        include_str!("../templates/merge_summary.txt.j2"),
    ),
    (
        "upgrade_reset.txt.j2",
        include_str!("../templates/upgrade_reset.txt.j2"),
    ),
    (
        "upgrade_summary.txt.j2",
        include_str!("../templates/upgrade_summary.txt.j2"),
    ),
    ("diff.txt.j2", include_str!("../templates/diff.txt.j2")),
    (
        "report.html.j2",
        include_str!("../templates/report.html.j2"),
    ),
    ("report.md.j2", include_str!("../templates/report.md.j2")),
];

/// A set of templates: the built-in ones, or a folder of the user's that
/// overrides any of them by file name.
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// The templates compiled into stigkit.
    pub fn builtin() -> Templates {
        Templates::with_loader(None)
    }

    /// The user's folder first, then the built-in templates. `dir` must
    /// exist; a template in it that does not parse is an error on use.
    pub fn with_dir(dir: &Path) -> Result<Templates, String> {
        if !dir.is_dir() {
            return Err(format!("{}: not a folder of templates", dir.display()));
        }
        Ok(Templates::with_loader(Some(dir.to_path_buf())))
    }

    fn with_loader(dir: Option<std::path::PathBuf>) -> Templates {
        let mut env = Environment::new();
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .build()
                .expect("default delimiters are valid"),
        );
        env.set_loader(move |name| {
            if let Some(d) = &dir {
                let p = d.join(name);
                // Names are ours (no `..`), so the join stays inside the folder.
                if p.is_file() {
                    return std::fs::read_to_string(&p).map(Some).map_err(|e| {
                        minijinja::Error::new(
                            minijinja::ErrorKind::TemplateNotFound,
                            format!("{}: {e}", p.display()),
                        )
                    });
                }
            }
            Ok(TEMPLATES
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, src)| src.to_string()))
        });
        env.add_filter("pad", |s: String, width: usize| format!("{s:<width$}"));
        env.add_filter("rpad", |s: String, width: usize| format!("{s:>width$}"));
        // Views carry statuses as JSON keys; reviewers read STIG Viewer's spelling.
        env.add_filter("status", |s: String| {
            crate::model::Status::parse_lenient(&s).map_or(s, |st| st.label().to_string())
        });
        // Match keys likewise: `sv_number` is printed `SV number`.
        env.add_filter("match_key", |s: String| {
            serde_json::from_value::<crate::model::MatchKey>(serde_json::Value::String(s.clone()))
                .map_or(s, |k| k.label().to_string())
        });
        // Markdown: one line, no table break, no raw HTML, and no markup
        // (links, images, emphasis, code, headings) from the text.
        env.add_filter("md", |s: String| markdown_text(&s));
        // A Content-Security-Policy source for an inline script or style.
        env.add_filter("csp_hash", |s: String| {
            use base64::Engine;
            use sha2::Digest;
            format!(
                "sha256-{}",
                base64::engine::general_purpose::STANDARD
                    .encode(sha2::Sha256::digest(s.as_bytes()))
            )
        });
        Templates { env }
    }

    /// Renders template `name` with `view`.
    pub fn render(&self, name: &str, view: &impl Serialize) -> Result<String, minijinja::Error> {
        self.env
            .get_template(name)?
            .render(minijinja::value::Serde(view))
    }
}

/// Renders a built-in template with `view`.
pub fn render(name: &str, view: &impl Serialize) -> Result<String, minijinja::Error> {
    Templates::builtin().render(name, view)
}

/// `s` as inert Markdown text on one line: HTML's three characters become
/// entities, the marks that open links, images, emphasis, code, headings
/// and table cells are backslash-escaped, and line breaks become `<br>`
/// (which table cells and headings need).
pub fn markdown_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    let mut chars = s.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push_str("<br>");
            }
            '\n' => out.push_str("<br>"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}
