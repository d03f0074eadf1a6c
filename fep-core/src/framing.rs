//! How telegrams follow each other on the wire: [`Framing`], as the layout's `framing`
//! directive says, and the [`LineEnding`] written for `framing lines`. A description only:
//! the schema holds one, and the [`Framer`](crate::Framer) (in `framer.rs`) acts on it.

/// How telegrams are delimited on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Framing {
    /// Telegrams follow each other; each one's length comes from its message.
    #[default]
    None,
    /// Records end with CRLF or LF (batch files).
    Lines,
    /// A length before each telegram: `width` ASCII digits, or a `width`-byte big-endian
    /// binary number; `inclusive` when it counts itself.
    LengthPrefix {
        /// Digits (ASCII) or bytes (binary) of the prefix.
        width: u8,
        /// Binary big-endian rather than ASCII digits.
        binary: bool,
        /// The length counts the prefix itself.
        inclusive: bool,
    },
}

/// The framing as the layout spells it: `length-prefix 4 ascii inclusive`, `lines`, `none`.
impl std::fmt::Display for Framing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Framing::None => f.write_str("none"),
            Framing::Lines => f.write_str("lines"),
            Framing::LengthPrefix {
                width,
                binary,
                inclusive,
            } => {
                write!(
                    f,
                    "length-prefix {width} {}",
                    if *binary { "binary" } else { "ascii" }
                )?;
                if *inclusive {
                    f.write_str(" inclusive")?;
                }
                Ok(())
            }
        }
    }
}

/// The line ending that `Framer::write` (in `framer.rs`) uses for `framing lines`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineEnding {
    /// `\r\n`, the usual one in Korean batch files.
    #[default]
    CrLf,
    /// `\n`.
    Lf,
}
