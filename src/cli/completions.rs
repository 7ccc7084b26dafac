//! `stigkit completions SHELL` and `stigkit manpage`: shell completions and
//! a man page, generated from the same clap definitions as the parser, so
//! they cannot drift from it.

use super::{Cli, Exit, print};
use clap::CommandFactory;

#[derive(clap::Args, Debug)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, powershell or elvish.
    pub shell: clap_complete::Shell,
}

/// Prints the completion script for `shell`; install it where the shell
/// looks (e.g. `stigkit completions bash > /etc/bash_completion.d/stigkit`).
pub fn completions(a: CompletionsArgs) -> anyhow::Result<Exit> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "stigkit", &mut out);
    print(&String::from_utf8(out)?)?;
    Ok(Exit::Ok)
}

#[derive(clap::Args, Debug)]
pub struct ManpageArgs {
    /// Write stigkit.1 and one stigkit-COMMAND.1 per command into this
    /// folder instead of printing stigkit.1.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<std::path::PathBuf>,
    /// Replace pages that exist.
    #[arg(long)]
    pub force: bool,
}

/// stigkit(1) in roff, and with `--out-dir` a page per command.
pub fn manpage(a: ManpageArgs) -> anyhow::Result<Exit> {
    let cmd = Cli::command();
    let page = |c: clap::Command| -> anyhow::Result<Vec<u8>> {
        let mut out = Vec::new();
        clap_mangen::Man::new(c).render(&mut out)?;
        Ok(out)
    };
    let Some(dir) = a.out_dir else {
        print(&String::from_utf8(page(cmd)?)?)?;
        return Ok(Exit::Ok);
    };
    let mut pages = vec![("stigkit.1".to_string(), page(cmd.clone())?)];
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("stigkit-{}", sub.get_name());
        let named = sub.clone().name(name.clone()).bin_name(name.clone());
        pages.push((format!("{name}.1"), page(named)?));
    }
    std::fs::create_dir_all(&dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
    let paths: Vec<std::path::PathBuf> = pages.iter().map(|(n, _)| dir.join(n)).collect();
    let files: Vec<(&std::path::Path, &[u8])> = paths
        .iter()
        .zip(&pages)
        .map(|(p, (_, b))| (p.as_path(), b.as_slice()))
        .collect();
    crate::output::write_all_atomic(&files, a.force)?;
    for p in &paths {
        super::to_stderr(&format!("wrote {}", p.display()));
    }
    Ok(Exit::Ok)
}
