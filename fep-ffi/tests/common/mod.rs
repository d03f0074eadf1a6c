//! What the tests of the C functions share: handles that free themselves and thin wrappers
//! that call the library as a C program would, through raw pointers and out-parameters.

// Each test file uses a part of these.
#![allow(dead_code)]

use std::ffi::{CStr, c_char};
use std::path::{Path, PathBuf};
use std::ptr::{null, null_mut};

use fep::*;

pub const NUL: usize = FEP_NUL_TERMINATED;

pub fn layouts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../layouts")
}

pub fn text(p: *const c_char) -> String {
    assert!(!p.is_null());
    // SAFETY: the library hands out NUL-terminated strings that live as long as their owner,
    // which every caller here keeps alive.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// An error out-parameter that frees what it holds.
pub struct ErrOut(pub *mut fep_error);

impl ErrOut {
    pub fn new() -> ErrOut {
        ErrOut(null_mut())
    }
    pub fn out(&mut self) -> *mut *mut fep_error {
        self.clear();
        &mut self.0
    }
    pub fn clear(&mut self) {
        // SAFETY: NULL or an error from the library, freed once (then forgotten).
        unsafe { fep_error_free(self.0) };
        self.0 = null_mut();
    }
    pub fn message(&self) -> String {
        // SAFETY: NULL or a live error.
        text(unsafe { fep_error_message(self.0) })
    }
    pub fn path(&self) -> String {
        // SAFETY: NULL or a live error.
        text(unsafe { fep_error_path(self.0) })
    }
    pub fn offset(&self) -> i64 {
        // SAFETY: NULL or a live error.
        unsafe { fep_error_offset(self.0) }
    }
    pub fn code(&self) -> fep_result {
        // SAFETY: NULL or a live error.
        unsafe { fep_error_code(self.0) }
    }
    pub fn category(&self) -> fep_category {
        // SAFETY: NULL or a live error.
        unsafe { fep_error_category(self.0) }
    }
}

impl Drop for ErrOut {
    fn drop(&mut self) {
        self.clear();
    }
}

/// A schema handle that frees itself.
pub struct Schema(pub *const fep_schema);

impl Drop for Schema {
    fn drop(&mut self) {
        // SAFETY: a schema from the library, freed once.
        unsafe { fep_schema_free(self.0) }
    }
}

pub fn load(name: &str) -> Schema {
    let path = layouts().join(name);
    let path = path.to_str().expect("UTF-8 path");
    let mut schema = null();
    let mut err = ErrOut::new();
    // SAFETY: a valid string with its length, writable out-parameters.
    let r = unsafe { fep_schema_load(path.as_ptr().cast(), path.len(), &mut schema, err.out()) };
    assert_eq!(r, fep_result::Ok, "{}", err.message());
    Schema(schema)
}

pub fn parse(layout: &str) -> Result<Schema, ErrOut> {
    let mut schema = null();
    let mut err = ErrOut::new();
    // SAFETY: a valid string with its length, writable out-parameters.
    let r =
        unsafe { fep_schema_parse(layout.as_ptr().cast(), layout.len(), &mut schema, err.out()) };
    if r == fep_result::Ok {
        assert!(err.0.is_null());
        Ok(Schema(schema))
    } else {
        assert_eq!(err.code(), r);
        Err(err)
    }
}

/// A message handle that frees itself.
pub struct Msg(pub *const fep_message);

impl Drop for Msg {
    fn drop(&mut self) {
        // SAFETY: NULL or a message from the library, freed once.
        unsafe { fep_message_free(self.0) }
    }
}

pub fn decode(schema: &Schema, telegram: &[u8], view: bool) -> Result<Msg, ErrOut> {
    let mut msg = null();
    let mut err = ErrOut::new();
    let f = if view {
        fep_schema_view
    } else {
        fep_schema_decode
    };
    // SAFETY: a live schema, a valid buffer, writable out-parameters.
    let r = unsafe {
        f(
            schema.0,
            telegram.as_ptr(),
            telegram.len(),
            &mut msg,
            err.out(),
        )
    };
    if r == fep_result::Ok {
        Ok(Msg(msg))
    } else {
        assert!(msg.is_null(), "output written on failure");
        Err(err)
    }
}

pub fn take_buffer(buf: *mut fep_buffer) -> Vec<u8> {
    // SAFETY: a live buffer, read then freed once.
    unsafe {
        let data = std::slice::from_raw_parts(fep_buffer_data(buf), fep_buffer_len(buf)).to_vec();
        assert_eq!(
            *fep_buffer_data(buf).add(data.len()),
            0,
            "NUL after the data"
        );
        fep_buffer_free(buf);
        data
    }
}

pub fn json(msg: &Msg, flags: u32) -> Result<String, ErrOut> {
    let mut out = null_mut();
    let mut err = ErrOut::new();
    // SAFETY: a live message, writable out-parameters.
    let r = unsafe { fep_message_to_json(msg.0, flags, &mut out, err.out()) };
    if r != fep_result::Ok {
        assert!(out.is_null());
        return Err(err);
    }
    Ok(String::from_utf8(take_buffer(out)).expect("UTF-8"))
}

pub fn encode(schema: &Schema, message: Option<&str>, json: &str) -> Result<Vec<u8>, ErrOut> {
    let mut out = null_mut();
    let mut err = ErrOut::new();
    let (name, name_len) = message.map_or((null(), 0), |m| (m.as_ptr().cast(), m.len()));
    // SAFETY: a live schema, valid strings with their lengths, writable out-parameters.
    let r = unsafe {
        fep_schema_encode_json_alloc(
            schema.0,
            name,
            name_len,
            json.as_ptr().cast(),
            json.len(),
            &mut out,
            err.out(),
        )
    };
    if r != fep_result::Ok {
        return Err(err);
    }
    Ok(take_buffer(out))
}

/// Splits a framed sample into its telegrams through the C framer.
pub fn frames(schema: &Schema, wire: &[u8]) -> Vec<Vec<u8>> {
    let mut framer = null_mut();
    let mut out = Vec::new();
    // SAFETY: live handles, valid buffers, writable out-parameters; the telegram pointer is
    // read before the next call on the framer.
    unsafe {
        assert_eq!(
            fep_framer_new(schema.0, &mut framer, null_mut()),
            fep_result::Ok
        );
        // Feed in pieces of 7 bytes, to cut telegrams anywhere.
        for piece in wire.chunks(7) {
            let r = fep_framer_feed(framer, piece.as_ptr(), piece.len(), null_mut());
            assert_eq!(r, fep_result::Ok);
            loop {
                let (mut t, mut n, mut off) = (null(), 0, 0u64);
                match fep_framer_next(framer, &mut t, &mut n, &mut off, null_mut()) {
                    fep_result::Ok => out.push(std::slice::from_raw_parts(t, n).to_vec()),
                    fep_result::NoTelegram => break,
                    r => panic!("framer: {r:?}"),
                }
            }
        }
        let (mut t, mut n) = (null(), 0);
        loop {
            match fep_framer_finish(framer, &mut t, &mut n, null_mut(), null_mut()) {
                fep_result::Ok => out.push(std::slice::from_raw_parts(t, n).to_vec()),
                fep_result::NoTelegram => break,
                r => panic!("finish: {r:?}"),
            }
        }
        assert_eq!(fep_framer_buffered(framer), 0);
        fep_framer_free(framer);
    }
    out
}

pub fn transfer() -> (Schema, Msg, Vec<u8>) {
    let schema = load("firmbanking.layout");
    let wire = std::fs::read(layouts().join("firmbanking/transfer-request.bin")).expect("bin");
    let t = frames(&schema, &wire).remove(0);
    let msg = decode(&schema, &t, false).ok().expect("decodes");
    (schema, msg, t)
}

pub fn get_str(msg: &Msg, path: &str) -> Result<String, ErrOut> {
    let mut buf = [0u8; 128];
    let mut len = 0;
    let mut err = ErrOut::new();
    // SAFETY: a live message, a valid string, a writable buffer of its size.
    let r = unsafe {
        fep_message_get_str(
            msg.0,
            path.as_ptr().cast(),
            path.len(),
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut len,
            err.out(),
        )
    };
    if r != fep_result::Ok {
        return Err(err);
    }
    assert_eq!(buf[len], 0, "NUL-terminated");
    Ok(String::from_utf8(buf[..len].to_vec()).expect("UTF-8"))
}

pub fn get_int(msg: &Msg, path: &str) -> Result<i64, ErrOut> {
    let mut v = -7;
    let mut err = ErrOut::new();
    // SAFETY: a live message, a NUL-terminated string, writable out-parameters.
    let r = unsafe {
        fep_message_get_int(
            msg.0,
            format!("{path}\0").as_ptr().cast(),
            NUL,
            &mut v,
            err.out(),
        )
    };
    if r != fep_result::Ok {
        assert_eq!(v, -7, "output written on failure");
        return Err(err);
    }
    Ok(v)
}
