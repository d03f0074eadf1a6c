//! Python bindings of fep: `import fep`.
//!
//! A thin door into `fep_core`: each function converts its arguments, calls the core with
//! the GIL released, and maps the error onto `fep.LayoutError`, `fep.DecodeError` or
//! `fep.EncodeError` (or a `fep.CorrelationError`). What is only Python's lives here: values
//! as Python objects (`convert`), telegram and stream arguments (`input`), the `Message`
//! mapping, Arrow columns for bulk decoding (`arrow`), and the `Correlator` holding Python
//! objects as tokens (`correlator`). The `explain` text is the core's, as the CLI prints it.

mod arrow;
mod capture;
mod convert;
mod correlator;
mod dicts;
mod errors;
mod input;
mod message;
mod range;
mod schema;
mod stream;

use pyo3::prelude::*;

/// The native module, `fep._fep`; `fep/__init__.py` re-exports it.
#[pymodule]
fn _fep(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<schema::PySchema>()?;
    m.add_class::<schema::PyMessageInfo>()?;
    m.add_class::<schema::PyFieldInfo>()?;
    m.add_class::<message::PyMessage>()?;
    m.add_class::<stream::PyMessageIterator>()?;
    m.add_class::<arrow::PyArrowTable>()?;
    m.add_class::<range::PyArrowBatches>()?;
    m.add_class::<correlator::PyCorrelator>()?;
    m.add_class::<correlator::PyMatched>()?;
    m.add_class::<correlator::PyExpired>()?;
    m.add_class::<correlator::PyUnmatched>()?;
    m.add_function(wrap_pyfunction!(capture::pair, m)?)?;
    m.add("FepError", py.get_type::<errors::FepError>())?;
    m.add("LayoutError", py.get_type::<errors::LayoutError>())?;
    m.add("DecodeError", py.get_type::<errors::DecodeError>())?;
    m.add("FramingError", py.get_type::<errors::FramingError>())?;
    m.add("EncodeError", py.get_type::<errors::EncodeError>())?;
    m.add("CaptureGapError", py.get_type::<capture::CaptureGapError>())?;
    m.add(
        "CorrelationError",
        py.get_type::<errors::CorrelationError>(),
    )?;
    m.add(
        "DuplicateKeyError",
        py.get_type::<errors::DuplicateKeyError>(),
    )?;
    m.add(
        "CorrelatorFullError",
        py.get_type::<errors::CorrelatorFullError>(),
    )?;
    m.add("UnmatchedError", py.get_type::<errors::UnmatchedError>())?;
    // The attributes that do not apply to an error are None, also on one made by hand.
    let base = py.get_type::<errors::FepError>();
    for attr in errors::ATTRIBUTES {
        base.setattr(attr, py.None())?;
    }
    let correlation = py.get_type::<errors::CorrelationError>();
    for attr in errors::CORRELATION_ATTRIBUTES {
        correlation.setattr(attr, py.None())?;
    }
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
