//! Failures: what a command reports on standard error and the exit code that goes with it.
//!
//! Every error a person can see passes through here, already in words: core errors by
//! their `Display` (and, for layouts, the line with a caret), I/O errors with the file
//! they are about. Nothing prints a Rust debug form.

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use fep_core::text::display_width;
use fep_core::{Category, Position};

use crate::args::ColorChoice;
use crate::style::Style;

/// Exit code: a data error (a bad telegram, bad hex, bad JSON, a value that cannot be encoded).
pub const DATA: u8 = 1;
/// Exit code: a usage or layout error (a bad option, a missing file, a bad layout).
pub const USAGE: u8 = 2;

/// A command's failure: the exit code, and the text for standard error (none when the
/// command has already reported).
#[derive(Debug)]
pub struct Failure {
    code: u8,
    text: Option<String>,
}

impl Failure {
    /// A usage error (exit 2).
    pub fn usage(text: impl Into<String>) -> Failure {
        Failure {
            code: USAGE,
            text: Some(text.into()),
        }
    }

    /// A data error (exit 1).
    pub fn data(text: impl Into<String>) -> Failure {
        Failure {
            code: DATA,
            text: Some(text.into()),
        }
    }

    /// A failure already reported on standard error.
    pub fn reported(code: u8) -> Failure {
        Failure { code, text: None }
    }

    /// A core error, prefixed with what it is about (a file, a telegram), if anything.
    pub fn core(e: &fep_core::Error, context: &str, style: Style) -> Failure {
        let code = exit_code(e);
        let text = if let Position::Layout(_) = e.position() {
            layout_error(e, style)
        } else if context.is_empty() {
            e.to_string()
        } else {
            format!("{context}: {e}")
        };
        Failure {
            code,
            text: Some(text),
        }
    }

    /// An I/O error reading or writing `path`.
    pub fn io(e: &io::Error, path: &Path) -> Failure {
        let what = match e.kind() {
            io::ErrorKind::NotFound => "no such file".to_owned(),
            io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
            io::ErrorKind::IsADirectory => "is a directory, not a file".to_owned(),
            _ => e.to_string(),
        };
        Failure::usage(format!("{}: {what}", path.display()))
    }

    /// An error writing standard output. A closed pipe (`fep decode ... | head`) is not an
    /// error: the reader has what it wanted.
    pub fn output(e: io::Error) -> Failure {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Failure {
                code: 0,
                text: None,
            }
        } else {
            Failure::usage(format!("cannot write the output: {e}"))
        }
    }

    /// The same failure with another exit code.
    pub fn with_code(mut self, code: u8) -> Failure {
        self.code = code;
        self
    }

    /// The exit code.
    pub fn code(&self) -> u8 {
        self.code
    }

    /// Prints the failure on standard error (when it has not been).
    pub fn print(&self, choice: ColorChoice) {
        if let Some(text) = &self.text {
            print_error(text, choice);
        }
    }

    /// Prints the failure and gives the exit code.
    pub fn report(self, choice: ColorChoice) -> ExitCode {
        self.print(choice);
        ExitCode::from(self.code)
    }
}

/// Prints `error: TEXT` on standard error.
pub fn print_error(text: &str, choice: ColorChoice) {
    let style = Style::stderr(choice);
    // A closed standard error leaves no way to tell anyone.
    let _ = writeln!(io::stderr().lock(), "{} {text}", style.error("error:"));
}

/// Prints `note: TEXT` on standard error.
pub fn print_note(text: &str, choice: ColorChoice) {
    let style = Style::stderr(choice);
    let _ = writeln!(io::stderr().lock(), "{} {text}", style.bold("note:"));
}

/// The exit code of a core error.
pub fn exit_code(e: &fep_core::Error) -> u8 {
    match e.category() {
        Category::Layout | Category::Io => USAGE,
        _ => DATA,
    }
}

/// A layout error as `file:line:col: what`, then the line with a caret under the place:
///
/// ```text
/// bank.layout:12:17: unknown record "hedaer"
///    |
/// 12 |   header        hedaer
///    |                 ^^^^^^
/// ```
///
/// Every further independent mistake the core found ([`fep_core::Error::related`]) follows
/// the same way, each under its own `error:`, then a count.
pub fn layout_error(e: &fep_core::Error, style: Style) -> String {
    let mut out = one_layout_error(e, style);
    for more in e.related() {
        out.push_str(&format!(
            "\n{} {}",
            style.error("error:"),
            one_layout_error(more, style)
        ));
    }
    if !e.related().is_empty() {
        let n = e.related().len() + 1;
        let most = if e.related().len() == fep_core::MAX_RELATED {
            " (the first ones; fix them and check again for more)"
        } else {
            ""
        };
        out.push_str(&format!("\n{n} errors in the layout{most}"));
    }
    out
}

fn one_layout_error(e: &fep_core::Error, style: Style) -> String {
    let Position::Layout(p) = e.position() else {
        return e.alone().to_string();
    };
    let mut out = e.alone().to_string();
    if p.line_text.is_empty() && p.snippet.is_empty() {
        return out;
    }
    let line_no = p.line.to_string();
    let gutter = " ".repeat(line_no.len());
    let line = p.line_text.trim_end_matches(['\r', '\n']);
    // The caret goes under the column'th character; tabs are copied so that it lines up
    // whatever the terminal's tab width, wide (Hangul) characters count two cells.
    let col = (p.column as usize).saturating_sub(1);
    let before: String = line.chars().take(col).collect();
    let mut pad = String::new();
    for (i, piece) in before.split('\t').enumerate() {
        if i > 0 {
            pad.push('\t');
        }
        pad.push_str(&" ".repeat(display_width(piece)));
    }
    let rest: String = line.chars().skip(col).collect();
    let snippet = p.snippet.lines().next().unwrap_or("");
    let under = if snippet.is_empty() {
        1
    } else {
        display_width(snippet).min(display_width(&rest).max(1))
    };
    let bar = style.dim("|");
    out.push_str(&format!(
        "\n{gutter} {bar}\n{} {bar} {line}\n{gutter} {bar} {pad}{}",
        style.dim(&line_no),
        style.error(&"^".repeat(under.max(1))),
    ));
    out
}
