//! Tests that need the crate's private items (the panic boundary). The tests of the C
//! functions that a C program could make are in `tests/`, which links the crate as a caller.

use std::ffi::{CStr, c_char};
use std::ptr::null_mut;

use crate::boundary::boundary;
use crate::error::FfiError;
use crate::*;

fn text(p: *const c_char) -> String {
    assert!(!p.is_null());
    // SAFETY: the library hands out NUL-terminated strings that live as long as their owner,
    // which every caller here keeps alive.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// An error out-parameter that frees what it holds.
struct ErrOut(*mut fep_error);

impl ErrOut {
    fn new() -> ErrOut {
        ErrOut(null_mut())
    }
    fn out(&mut self) -> *mut *mut fep_error {
        self.clear();
        &mut self.0
    }
    fn clear(&mut self) {
        // SAFETY: NULL or an error from the library, freed once (then forgotten).
        unsafe { fep_error_free(self.0) };
        self.0 = null_mut();
    }
    fn message(&self) -> String {
        // SAFETY: NULL or a live error.
        text(unsafe { fep_error_message(self.0) })
    }
    fn category(&self) -> fep_category {
        // SAFETY: NULL or a live error.
        unsafe { fep_error_category(self.0) }
    }
}

impl Drop for ErrOut {
    fn drop(&mut self) {
        self.clear();
    }
}

#[test]
fn a_panic_becomes_a_result_code() {
    let mut err = ErrOut::new();
    let r = boundary(err.out(), || -> Result<(), FfiError> { panic!("boom") });
    assert_eq!(r, fep_result::Panic);
    assert_eq!(err.category(), fep_category::Internal);
    assert!(err.message().contains("boom"), "{}", err.message());
    assert_eq!(
        boundary(null_mut(), || -> Result<(), FfiError> { panic!("boom") }),
        fep_result::Panic
    );
}
