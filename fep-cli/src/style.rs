//! Colour: ANSI styles on a terminal, plain text when piped, `NO_COLOR` and `--color` obeyed.

use std::io::IsTerminal;

use fep_core::text::Tone;

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

    /// A line of the core's tables and texts in its tone: strong bold, dim dim, errors red.
    pub fn tone(self, tone: Tone, text: &str) -> String {
        match tone {
            Tone::Strong => self.bold(text),
            Tone::Dim => self.dim(text),
            Tone::Error => self.error(text),
            _ => text.to_owned(),
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

/// The width of the terminal standard output writes to; `None` in a pipe or a file.
pub fn terminal_width() -> Option<usize> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    console::Term::stdout()
        .size_checked()
        .map(|(_, columns)| usize::from(columns))
        .filter(|&c| c > 0)
}
