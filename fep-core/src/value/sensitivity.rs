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
}

/// Hides all but the last 4 characters.
pub(crate) fn mask_text(s: &str) -> String {
    let n = s.chars().count();
    s.chars()
        .enumerate()
        .map(|(i, c)| if i + 4 < n { '*' } else { c })
        .collect()
}

pub(crate) const SECRET: &str = "****";
