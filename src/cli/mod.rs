//! The command line: the only code that knows clap, terminals and exit codes.
//!
//! Each subcommand has its own file that turns parsed arguments into a
//! request to one [`crate::commands`] function, then prints its outcome.
//! Errors are printed once, on one line, by [`main`].

mod archive;
mod benchmark;
mod checklist;
mod collect;
mod completions;
mod convert;
mod diff;
mod export;
mod lint;
mod merge;
mod report;
mod show;
mod upgrade;
mod verdict;

use crate::commands::{Attention, Outcome};
use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// DISA STIG checklists for Mirantis Kubernetes Engine, headless.
#[derive(Parser, Debug)]
#[command(name = "stigkit", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Most bytes one zip (benchmark, bundle, archive) may inflate to, its
    /// nested zips included [default: 1 GiB].
    #[arg(
        long,
        global = true,
        value_name = "BYTES",
        env = "STIGKIT_MAX_UNZIP_BYTES"
    )]
    max_unzip_bytes: Option<u64>,
    /// Most entries one zip may hold [default: 100000].
    #[arg(long, global = true, value_name = "N", env = "STIGKIT_MAX_ZIP_ENTRIES")]
    max_zip_entries: Option<u64>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Archive checklists and evidence with a sealed manifest, or verify an archive.
    Archive(Box<archive::Args>),
    /// Inspect DISA benchmarks (XCCDF .xml or DISA .zip).
    #[command(subcommand)]
    Benchmark(benchmark::Command),
    /// Create checklists.
    #[command(subcommand)]
    Checklist(Box<checklist::Command>),
    /// Gather evidence from MKE, Kubernetes, MSR and Docker Engines into a bundle.
    Collect(Box<collect::Args>),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(completions::CompletionsArgs),
    /// Convert a checklist (CKL, CKLB, XCCDF results) to CKL or CKLB (by the output's extension).
    Convert(convert::Args),
    /// Compare the reviews of two checklists of one asset (exit 1 when they differ).
    Diff(diff::Args),
    /// Judge an evidence bundle against the MKE STIG and write checklists.
    Evaluate(Box<verdict::EvaluateArgs>),
    /// Export checklists as XCCDF results, STIG Viewer CSV or an eMASS POA&M draft.
    Export(export::Args),
    /// Check checklists for what eMASS, STIG Viewer or STIG Manager reject or misread (exit 1 on errors).
    Lint(lint::Args),
    /// Print the stigkit(1) man page (roff), from the same definitions as --help.
    Manpage(completions::ManpageArgs),
    /// Combine checklists of one asset into one, by a stated precedence.
    Merge(merge::Args),
    /// A self-contained HTML page (or Markdown) of where assets stand.
    Report(report::Args),
    /// Collect, then evaluate: evidence, CKL, CKLB and a summary in one folder.
    Scan(Box<verdict::ScanArgs>),
    /// Count reviews per STIG by status and category.
    Show(show::Args),
    /// Carry a checklist's reviews to new releases of its STIGs.
    Upgrade(upgrade::Args),
}

/// Process exit codes; documented in the README.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// The command did what was asked.
    Ok = 0,
    /// The command ran, and its result calls for attention (a `--fail-on`
    /// threshold reached, lint errors found, `diff` found differences).
    Findings = 1,
    /// Bad input or an I/O failure; nothing was written.
    Error = 2,
    /// A collection finished but some calls failed; the bundle records
    /// which, and holds no evidence for them.
    Partial = 3,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                Exit::Error
            } else {
                Exit::Ok
            };
            // clap prints usage and help itself; it cannot fail on a closed pipe.
            let _ = e.print();
            return code.into();
        }
    };
    match run(cli) {
        Ok(code) => code.into(),
        Err(err) => {
            to_stderr(&format!("error: {}", one_line(&err)));
            Exit::Error.into()
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    let d = crate::unzip::Limits::DEFAULT;
    crate::unzip::Limits {
        total_bytes: cli.max_unzip_bytes.unwrap_or(d.total_bytes),
        entries: cli.max_zip_entries.unwrap_or(d.entries),
    }
    .set();
    match cli.command {
        Command::Archive(a) => archive::run(*a),
        Command::Benchmark(c) => benchmark::run(c),
        Command::Checklist(c) => checklist::run(*c),
        Command::Collect(a) => collect::run(*a),
        Command::Completions(a) => completions::completions(a),
        Command::Manpage(a) => completions::manpage(a),
        Command::Convert(a) => convert::run(a),
        Command::Evaluate(a) => verdict::evaluate(*a),
        Command::Export(a) => export::run(a),
        Command::Scan(a) => verdict::scan(*a),
        Command::Merge(a) => merge::run(a),
        Command::Report(a) => report::run(a),
        Command::Show(a) => show::run(a),
        Command::Upgrade(a) => upgrade::run(a),
        Command::Diff(a) => diff::run(a),
        Command::Lint(a) => lint::run(a),
    }
}

/// The error and its causes on one line, newlines folded.
/// A cause whose text the message already holds is not repeated: many
/// errors say `PATH: CAUSE` and also carry CAUSE as their source.
fn one_line(err: &anyhow::Error) -> String {
    let mut line = err.to_string();
    for cause in err.chain().skip(1) {
        let text = cause.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
    }
    line.replace(['\n', '\r'], " ")
}

/// `text` safe to print on a terminal: control characters (C0, DEL, C1)
/// and bidirectional overrides from the input are shown as escapes, so a
/// hostile file cannot retitle, recolour or reorder the user's terminal.
pub fn terminal_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push('\n'),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if c.is_control()
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') =>
            {
                if (c as u32) < 0x100 {
                    out.push_str(&format!("\\x{:02x}", c as u32));
                } else {
                    out.push_str(&format!("\\u{{{:04x}}}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// One line for stderr: newlines folded, then made terminal-safe. A
/// closed stderr (`2>&1 | head`) loses the line rather than stopping the
/// run: `eprintln!` would panic there.
fn to_stderr(line: &str) {
    use std::io::Write;
    let line = terminal_safe(&line.replace(['\n', '\r'], " "));
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Shows warnings on stderr as they happen.
struct Stderr;

impl crate::commands::Notify for Stderr {
    fn warning(&self, line: &str) {
        to_stderr(&format!("warning: {line}"));
    }
}

/// Prints a command's outcome and maps what it calls for to an exit code.
fn finish(o: Outcome) -> anyhow::Result<Exit> {
    print(&o.stdout)?;
    for line in &o.notes {
        to_stderr(line);
    }
    Ok(match o.attention {
        Attention::None => Exit::Ok,
        Attention::Findings => Exit::Findings,
        Attention::Partial => Exit::Partial,
    })
}

/// Writes to stdout, treating a closed pipe (`| head`) as success.
/// On a terminal the text is made terminal-safe; a pipe or a file gets it
/// byte for byte.
fn print(text: &str) -> anyhow::Result<()> {
    use std::io::{IsTerminal, Write};
    let mut out = std::io::stdout().lock();
    let safe;
    let text = if out.is_terminal() {
        safe = terminal_safe(text);
        &safe
    } else {
        text
    };
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
