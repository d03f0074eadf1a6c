//! Why a conversion stopped.

/// A telegram that did not decode, an Arrow or Parquet failure, or an I/O error.
#[derive(Debug)]
pub enum Error {
    /// The core's error: a bad frame or telegram (with its offset in the stream), an
    /// unknown message.
    Core(fep_core::Error),
    /// A value that does not fit its column, or an Arrow array that could not be built.
    Arrow(String),
    /// Writing a file.
    Io(std::io::Error),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Core(e) => e.fmt(f),
            Error::Arrow(e) => f.write_str(e),
            Error::Io(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Core(e) => Some(e),
            Error::Arrow(_) => None,
            Error::Io(e) => Some(e),
        }
    }
}

impl From<fep_core::Error> for Error {
    fn from(e: fep_core::Error) -> Error {
        Error::Core(e)
    }
}

impl From<String> for Error {
    fn from(e: String) -> Error {
        Error::Arrow(e)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::Io(e)
    }
}
