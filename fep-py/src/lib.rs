//! Python bindings of fep: `import fep`.
//!
//! A thin door into `fep_core`: each function converts its arguments, calls the core with
//! the GIL released, and maps the error onto `fep.LayoutError`, `fep.DecodeError` or
//! `fep.EncodeError`. What is only Python's lives here: values as Python objects
//! (`convert`), telegram and stream arguments (`input`), the `Message` mapping, and Arrow
//! columns for bulk decoding (`arrow`). The `explain` text is the core's, as the CLI prints it.

mod arrow;
mod convert;
mod errors;
mod input;
mod message;
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
    m.add("FepError", py.get_type::<errors::FepError>())?;
    m.add("LayoutError", py.get_type::<errors::LayoutError>())?;
    m.add("DecodeError", py.get_type::<errors::DecodeError>())?;
    m.add("EncodeError", py.get_type::<errors::EncodeError>())?;
    // The attributes that do not apply to an error are None, also on one made by hand.
    let base = py.get_type::<errors::FepError>();
    for attr in errors::ATTRIBUTES {
        base.setattr(attr, py.None())?;
    }
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
