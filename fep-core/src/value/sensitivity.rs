//! How much of a field human-facing output may show.

use std::borrow::Cow;

/// How a field is shown in human-facing output (`Debug`, `Display`, redacted JSON, logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Sensitivity {
    /// Shown as is.
    #[default]
    Plain,
    /// `mask`: all but the last 4 characters hidden.
    Mask,
    /// `secret`: hidden whole.
    Secret,
}

impl Sensitivity {
    /// The text as human-facing output shows it: whole, all but the last 4 characters
    /// hidden (`mask`), or `****` (`secret`).
    ///
    /// # Example
    /// ```
    /// use fep_core::Sensitivity;
    /// assert_eq!(Sensitivity::Mask.redact("1002003004005"), "*********4005");
    /// assert_eq!(Sensitivity::Secret.redact("4321"), "****");
    /// ```
    pub fn redact<'t>(self, text: &'t str) -> Cow<'t, str> {
        match self {
            Sensitivity::Plain => Cow::Borrowed(text),
            Sensitivity::Mask => Cow::Owned(mask_text(text)),
            Sensitivity::Secret => Cow::Borrowed(SECRET),
        }
    }

    /// Writes the text as [`Sensitivity::redact`] shows it to `out`, without a string of
    /// its own (for a column builder that takes text as it is written).
    ///
    /// # Example
    /// ```
    /// use fep_core::Sensitivity;
    /// let mut out = String::new();
    /// Sensitivity::Mask.write_redacted("1002003004005", &mut out)?;
    /// assert_eq!(out, "*********4005");
    /// # Ok::<(), std::fmt::Error>(())
    /// ```
    pub fn write_redacted<W: std::fmt::Write + ?Sized>(
        self,
        text: &str,
        out: &mut W,
    ) -> std::fmt::Result {
        match self {
            Sensitivity::Plain => out.write_str(text),
            Sensitivity::Mask => write_masked(text, out),
            Sensitivity::Secret => out.write_str(SECRET),
        }
    }

    /// True when `text` has the form [`Sensitivity::redact`] gives: for `mask`, stars
    /// followed by 4 characters (text of 4 characters or fewer is never hidden, so it
    /// never looks hidden); for `secret`, `****`; never for plain text. A door that reads
    /// values back refuses these rather than send stars.
    ///
    /// # Example
    /// ```
    /// use fep_core::Sensitivity;
    /// assert!(Sensitivity::Mask.is_redacted("*********4005"));
    /// assert!(!Sensitivity::Mask.is_redacted("1002003004005"));
    /// assert!(Sensitivity::Secret.is_redacted("****"));
    /// ```
    pub fn is_redacted(self, text: &str) -> bool {
        match self {
            Sensitivity::Plain => false,
            Sensitivity::Mask => {
                let n = text.chars().count();
                n > 4 && text.chars().take(n - 4).all(|c| c == '*')
            }
            Sensitivity::Secret => text == SECRET,
        }
    }
}

/// Hides all but the last 4 characters.
pub(crate) fn mask_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // Writing to a string cannot fail.
    let _ = write_masked(s, &mut out);
    out
}

/// Writes `s` with all but its last 4 characters as stars: a run of stars and the tail
/// at once (character by character, a string was a tenth of a Parquet conversion with
/// masked columns).
fn write_masked<W: std::fmt::Write + ?Sized>(s: &str, out: &mut W) -> std::fmt::Result {
    const STARS: &str = "****************************************************************";
    // Where the last 4 characters start, and how many come before.
    let (tail, hidden) = if s.is_ascii() {
        let t = s.len().saturating_sub(4);
        (t, t)
    } else {
        let n = s.chars().count();
        let hidden = n.saturating_sub(4);
        let t = s.char_indices().nth(hidden).map_or(s.len(), |(i, _)| i);
        (t, hidden)
    };
    let mut left = hidden;
    while left > 0 {
        let k = left.min(STARS.len());
        out.write_str(&STARS[..k])?;
        left -= k;
    }
    out.write_str(&s[tail..])
}

pub(crate) const SECRET: &str = "****";

#[cfg(test)]
mod tests {
    use super::Sensitivity;

    #[test]
    fn what_redact_writes_is_seen_as_redacted() {
        for text in ["1002003004005", "12345", "홍길동님안녕", "4321", "", "a"] {
            for sens in [Sensitivity::Mask, Sensitivity::Secret] {
                let shown = sens.redact(text);
                // Mask shows text of 4 characters or fewer whole: nothing is hidden then.
                let hidden = sens == Sensitivity::Secret || text.chars().count() > 4;
                assert_eq!(
                    sens.is_redacted(&shown),
                    hidden,
                    "{sens:?} {text:?} as {shown:?}"
                );
            }
        }
    }

    #[test]
    fn real_values_are_not_redacted() {
        for text in ["1002003004005", "4005", "****", "*", "12*45678", "*****"] {
            assert!(!Sensitivity::Plain.is_redacted(text), "{text}");
        }
        assert!(!Sensitivity::Mask.is_redacted("1002003004005"));
        assert!(!Sensitivity::Mask.is_redacted("*12*4005"));
        assert!(
            !Sensitivity::Mask.is_redacted("****"),
            "four characters are shown whole"
        );
        assert!(!Sensitivity::Secret.is_redacted("4321"));
        assert!(!Sensitivity::Secret.is_redacted("*****"));
    }
}
