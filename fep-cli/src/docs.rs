//! `fep completions` and `fep man`: shell completion scripts and manual pages, made by
//! clap_complete and clap_mangen from the same command definitions as `--help`.

use std::io::{self, Write};
use std::path::Path;

use clap::{Command as ClapCommand, CommandFactory};

use crate::args::{Cli, CompletionsArgs, ManArgs};
use crate::failure::Failure;

/// Prints the completion script for a shell.
pub fn completions(args: &CompletionsArgs) -> Result<(), Failure> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "fep", &mut out);
    write_stdout(&out)
}

/// Prints fep(1), or writes one page a command into `--dir`.
pub fn man(args: &ManArgs) -> Result<(), Failure> {
    let mut cmd = Cli::command();
    cmd.build();
    match &args.dir {
        None => {
            let mut out = Vec::new();
            page(&cmd, &mut out).map_err(Failure::output)?;
            write_stdout(&out)
        }
        Some(dir) => {
            if !dir.is_dir() {
                return Err(Failure::usage(format!(
                    "{}: no such directory",
                    dir.display()
                )));
            }
            write_page(&cmd, &dir.join("fep.1"))?;
            // After `build`, a command's display name is `fep-decode` and its bin name
            // `fep decode`: the page's title and its synopsis.
            for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
                let name = sub.get_display_name().unwrap_or(sub.get_name());
                write_page(sub, &dir.join(format!("{name}.1")))?;
            }
            Ok(())
        }
    }
}

/// A command's page: name, synopsis, description, options, commands, its after-help
/// (examples, exit status) and version.
fn page(cmd: &ClapCommand, out: &mut impl Write) -> io::Result<()> {
    clap_mangen::Man::new(cmd.clone())
        .source(concat!("fep ", env!("CARGO_PKG_VERSION")))
        .manual("fep manual")
        .render(out)
}

fn write_page(cmd: &ClapCommand, path: &Path) -> Result<(), Failure> {
    let mut out = Vec::new();
    page(cmd, &mut out).map_err(Failure::output)?;
    std::fs::write(path, out).map_err(|e| Failure::io(&e, path))
}

fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(Failure::output)
}
