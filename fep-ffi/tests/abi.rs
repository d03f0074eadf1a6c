//! The numbers and names that are the ABI: result codes, categories, the version.

// These tests call the C ABI through raw pointers, as a C program would; every `unsafe`
// block says why it is sound.
#![allow(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

use fep::*;

mod common;
use common::*;

#[test]
fn result_codes_are_fixed() {
    // The numbers are the ABI: this table may grow, never change.
    let table = [
        (fep_result::Ok, 0, "FEP_RESULT_OK"),
        (fep_result::NullParameter, 1, "FEP_RESULT_NULL_PARAMETER"),
        (
            fep_result::InvalidParameter,
            2,
            "FEP_RESULT_INVALID_PARAMETER",
        ),
        (
            fep_result::InsufficientSize,
            3,
            "FEP_RESULT_INSUFFICIENT_SIZE",
        ),
        (fep_result::Panic, 4, "FEP_RESULT_PANIC"),
        (fep_result::NoTelegram, 5, "FEP_RESULT_NO_TELEGRAM"),
        (fep_result::Layout, 100, "FEP_RESULT_LAYOUT"),
        (fep_result::Data, 101, "FEP_RESULT_DATA"),
        (fep_result::Encoding, 102, "FEP_RESULT_ENCODING"),
        (fep_result::Io, 103, "FEP_RESULT_IO"),
        (fep_result::Json, 104, "FEP_RESULT_JSON"),
        (
            fep_result::UnknownMessage,
            105,
            "FEP_RESULT_UNKNOWN_MESSAGE",
        ),
        (fep_result::UnknownField, 106, "FEP_RESULT_UNKNOWN_FIELD"),
        (fep_result::WrongType, 107, "FEP_RESULT_WRONG_TYPE"),
        (fep_result::NullValue, 108, "FEP_RESULT_NULL_VALUE"),
        (fep_result::Framing, 109, "FEP_RESULT_FRAMING"),
        (fep_result::NoKey, 110, "FEP_RESULT_NO_KEY"),
        (fep_result::DuplicateKey, 111, "FEP_RESULT_DUPLICATE_KEY"),
        (
            fep_result::CorrelatorFull,
            112,
            "FEP_RESULT_CORRELATOR_FULL",
        ),
        (fep_result::Unmatched, 113, "FEP_RESULT_UNMATCHED"),
        (
            fep_result::FrameTruncated,
            114,
            "FEP_RESULT_FRAME_TRUNCATED",
        ),
        (
            fep_result::FrameLengthMismatch,
            115,
            "FEP_RESULT_FRAME_LENGTH_MISMATCH",
        ),
        (fep_result::FrameTooLong, 116, "FEP_RESULT_FRAME_TOO_LONG"),
        (fep_result::CheckFailed, 117, "FEP_RESULT_CHECK_FAILED"),
    ];
    for (code, n, name) in table {
        assert_eq!(code as u32, n);
        assert_eq!(text(fep_result_name(n)), name);
    }
    assert_eq!(text(fep_result_name(99)), "FEP_RESULT_UNKNOWN");
    let categories = [
        (fep_category::None, 0),
        (fep_category::Usage, 1),
        (fep_category::Layout, 2),
        (fep_category::Data, 3),
        (fep_category::Encoding, 4),
        (fep_category::Io, 5),
        (fep_category::Internal, 6),
    ];
    for (c, n) in categories {
        assert_eq!(c as u32, n);
    }
}

#[test]
fn version_is_the_crate_version() {
    assert_eq!(text(fep_version()), env!("CARGO_PKG_VERSION"));
}
