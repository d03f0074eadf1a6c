//! Batch files through the C functions: `fep_checker` gives the same failures as the core's
//! readers (and `fep check -l`), with `FEP_RESULT_CHECK_FAILED`, the record's offset and
//! the field.

// These tests call the C ABI through raw pointers, as a C program would; every `unsafe`
// block says why it is sound.
#![allow(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

use std::ptr::null_mut;

use fep::*;

mod common;
use common::*;

/// A checker handle that frees itself.
struct Checker(*mut fep_checker);

impl Drop for Checker {
    fn drop(&mut self) {
        // SAFETY: NULL or a checker from the library, freed once.
        unsafe { fep_checker_free(self.0) }
    }
}

fn checker(schema: &Schema) -> Checker {
    let mut c = null_mut();
    let mut err = ErrOut::new();
    // SAFETY: a live schema, writable out-parameters.
    let r = unsafe { fep_checker_new(schema.0, &mut c, err.out()) };
    assert_eq!(r, fep_result::Ok, "{}", err.message());
    Checker(c)
}

/// Every failure of one call and the ones pending after it, as (code, offset, path, text).
fn failures(c: &Checker, first: fep_result, err: ErrOut) -> Vec<(i64, String, String)> {
    let mut out = Vec::new();
    if first == fep_result::Ok {
        return out;
    }
    assert_eq!(first, fep_result::CheckFailed);
    assert_eq!(err.code(), fep_result::CheckFailed);
    assert_eq!(err.category(), fep_category::Data);
    out.push((err.offset(), err.path(), err.message()));
    loop {
        let mut e = ErrOut::new();
        // SAFETY: a live, unshared checker, a writable error slot.
        let r = unsafe { fep_checker_next_failure(c.0, e.out()) };
        if r == fep_result::Ok {
            return out;
        }
        assert_eq!(r, fep_result::CheckFailed);
        out.push((e.offset(), e.path(), e.message()));
    }
}

/// The cms-batch sample's records with the trailer's count and company changed, and a
/// data record that does not decode.
fn bad_file() -> Vec<Vec<u8>> {
    let wire = std::fs::read(layouts().join("cms-batch").join("batch-file.bin")).expect("sample");
    let mut recs: Vec<Vec<u8>> = wire
        .split(|&b| b == b'\n')
        .filter(|r| !r.is_empty())
        .map(|r| r.strip_suffix(b"\r").unwrap_or(r).to_vec())
        .collect();
    recs[4][18..25].copy_from_slice(b"0000009");
    recs[4][8..18].copy_from_slice(b"HANBIT0002");
    recs[2][30] = b'X';
    recs
}

#[test]
fn a_checker_reports_every_failure_with_its_record_and_offset() {
    let schema = load("cms-batch.layout");
    let c = checker(&schema);
    let mut all = Vec::new();
    let mut offset = 0u64;
    for rec in bad_file() {
        match decode(&schema, &rec, false) {
            Ok(msg) => {
                let mut err = ErrOut::new();
                // SAFETY: a live, unshared checker, a live message, a writable error slot.
                let r = unsafe { fep_checker_record(c.0, msg.0, offset, err.out()) };
                all.extend(failures(&c, r, err));
            }
            Err(_) => {
                let mut err = ErrOut::new();
                // SAFETY: a live, unshared checker, a writable error slot.
                let r = unsafe { fep_checker_unreadable(c.0, offset, err.out()) };
                assert_eq!(r, fep_result::Ok);
            }
        }
        offset += rec.len() as u64 + 2;
    }
    let mut err = ErrOut::new();
    // SAFETY: a live, unshared checker, a writable error slot.
    let r = unsafe { fep_checker_finish(c.0, err.out()) };
    all.extend(failures(&c, r, err));
    assert_eq!(
        all,
        [
            (
                488,
                "total_count".to_owned(),
                "record 5 (byte 488): file_trailer.total_count is 9, the batch has 2 data_record records (and 1 record that could not be read)".to_owned()
            ),
            (
                488,
                "total_amount".to_owned(),
                "record 5 (byte 488): file_trailer.total_amount is 5050500, the data_record.amount of the batch add up to 3220500 (and 1 record that could not be read)".to_owned()
            ),
            (
                488,
                "company_id".to_owned(),
                "record 5 (byte 488): file_trailer.company_id is \"HANBIT0002\", file_header.company_id of the batch is \"HANBIT0001\"".to_owned()
            ),
        ]
    );
}

#[test]
fn a_missing_trailer_fails_at_the_end_and_a_layout_without_checks_passes_all() {
    let schema = load("cms-batch.layout");
    let c = checker(&schema);
    let recs = bad_file();
    let Ok(msg) = decode(&schema, &recs[0], false) else {
        panic!("the header decodes");
    };
    let mut err = ErrOut::new();
    // SAFETY: a live, unshared checker, a live message, a writable error slot.
    let r = unsafe { fep_checker_record(c.0, msg.0, 0, err.out()) };
    assert_eq!(r, fep_result::Ok);
    let mut err = ErrOut::new();
    // SAFETY: as above.
    let r = unsafe { fep_checker_finish(c.0, err.out()) };
    assert_eq!(r, fep_result::CheckFailed);
    assert!(
        err.message().contains("without its file_trailer record"),
        "{}",
        err.message()
    );

    let plain = load("firmbanking.layout");
    let c = checker(&plain);
    let mut err = ErrOut::new();
    // SAFETY: a live, unshared checker, a writable error slot.
    let r = unsafe { fep_checker_finish(c.0, err.out()) };
    assert_eq!(r, fep_result::Ok);
    // NULL arguments are refused, not followed.
    let mut err = ErrOut::new();
    // SAFETY: NULL handles are checked by the library.
    let r = unsafe { fep_checker_record(null_mut(), msg.0, 0, err.out()) };
    assert_eq!(r, fep_result::NullParameter);
}
