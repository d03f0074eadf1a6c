//! Colour: ANSI styles on a terminal, plain text when piped, `NO_COLOR` and `--color` obeyed.

use std::io::IsTerminal;

use crate::args::ColorChoice;

/// Colours text, or leaves it plain.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    on: bool,
}

impl Style {
    /// The style for standard output under `choice`.
    pub fn stdout(choice: ColorChoice) -> Style {
        Style {
            on: enabled(choice, std::io::stdout().is_terminal()),
        }
    }

    /// The style for standard error under `choice`.
    pub fn stderr(choice: ColorChoice) -> Style {
        Style {
            on: enabled(choice, std::io::stderr().is_terminal()),
        }
    }

    /// Plain text.
    pub fn plain() -> Style {
        Style { on: false }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// Errors: bold red.
    pub fn error(self, text: &str) -> String {
        self.paint("1;31", text)
    }

    /// Headings: bold.
    pub fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }

    /// Secondary text (offsets, gutters, filler): dim.
    pub fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }

    /// The raw ANSI code of the error style, for table rows.
    pub fn error_code(self) -> Option<&'static str> {
        self.on.then_some("1;31")
    }

    /// The raw ANSI code of the dim style, for table rows.
    pub fn dim_code(self) -> Option<&'static str> {
        self.on.then_some("2")
    }

    /// Paints with a raw code (from [`Style::error_code`] and friends).
    pub fn with_code(code: Option<&str>, text: &str) -> String {
        match code {
            Some(c) => format!("\x1b[{c}m{text}\x1b[0m"),
            None => text.to_owned(),
        }
    }
}

fn enabled(choice: ColorChoice, terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            terminal
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
        }
    }
}
