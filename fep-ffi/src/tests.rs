//! Tests of the C functions, called from Rust as a C program would call them: through raw
//! pointers, with NULLs and small buffers where a careless caller would pass them.

use std::ffi::{CStr, c_char};
use std::path::{Path, PathBuf};
use std::ptr::{null, null_mut};

use crate::boundary::boundary;
use crate::error::FfiError;
use crate::*;

const NUL: usize = FEP_NUL_TERMINATED;

fn layouts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../layouts")
}

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
    fn path(&self) -> String {
        // SAFETY: NULL or a live error.
        text(unsafe { fep_error_path(self.0) })
    }
    fn offset(&self) -> i64 {
        // SAFETY: NULL or a live error.
        unsafe { fep_error_offset(self.0) }
    }
    fn code(&self) -> fep_result {
        // SAFETY: NULL or a live error.
        unsafe { fep_error_code(self.0) }
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

/// A schema handle that frees itself.
struct Schema(*const fep_schema);

impl Drop for Schema {
    fn drop(&mut self) {
        // SAFETY: a schema from the library, freed once.
        unsafe { fep_schema_free(self.0) }
    }
}

fn load(name: &str) -> Schema {
    let path = layouts().join(name);
    let path = path.to_str().expect("UTF-8 path");
    let mut schema = null();
    let mut err = ErrOut::new();
    // SAFETY: a valid string with its length, writable out-parameters.
    let r = unsafe { fep_schema_load(path.as_ptr().cast(), path.len(), &mut schema, err.out()) };
    assert_eq!(r, fep_result::Ok, "{}", err.message());
    Schema(schema)
}

fn parse(layout: &str) -> Result<Schema, ErrOut> {
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
struct Msg(*const fep_message);

impl Drop for Msg {
    fn drop(&mut self) {
        // SAFETY: NULL or a message from the library, freed once.
        unsafe { fep_message_free(self.0) }
    }
}

fn decode(schema: &Schema, telegram: &[u8], view: bool) -> Result<Msg, ErrOut> {
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

fn take_buffer(buf: *mut fep_buffer) -> Vec<u8> {
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

fn json(msg: &Msg, flags: u32) -> Result<String, ErrOut> {
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

fn encode(schema: &Schema, message: Option<&str>, json: &str) -> Result<Vec<u8>, ErrOut> {
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
fn frames(schema: &Schema, wire: &[u8]) -> Vec<Vec<u8>> {
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

/// Every (layout file name, sample stem) pair of `layouts/`.
fn samples() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(layouts()).expect("layouts/") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "layout") {
            continue;
        }
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        for bin in std::fs::read_dir(path.with_extension("")).expect("samples") {
            let bin = bin.expect("entry").path();
            if bin.extension().is_some_and(|e| e == "bin") {
                out.push((name.clone(), bin.with_extension("")));
            }
        }
    }
    out.sort();
    assert!(out.len() >= 10, "only {} samples", out.len());
    out
}

#[test]
fn every_sample_decodes_to_its_json_and_encodes_back() {
    for (layout, stem) in samples() {
        let schema = load(&layout);
        let wire = std::fs::read(stem.with_extension("bin")).expect("bin");
        let want: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(stem.with_extension("json")).expect("json"),
        )
        .expect("valid JSON");
        let telegrams = frames(&schema, &wire);
        let mut got = Vec::new();
        let mut again = Vec::new();
        for t in &telegrams {
            for view in [false, true] {
                let msg = decode(&schema, t, view).unwrap_or_else(|e| panic!("{}", e.message()));
                let j = json(&msg, 0).unwrap_or_else(|e| panic!("{}", e.message()));
                let bytes = encode(&schema, None, &j).unwrap_or_else(|e| panic!("{}", e.message()));
                assert_eq!(&bytes, t, "{}", stem.display());
                if !view {
                    got.push(serde_json::from_str::<serde_json::Value>(&j).expect("JSON"));
                    again.push(bytes);
                }
            }
        }
        let got = if want.is_array() {
            serde_json::Value::Array(got)
        } else {
            got.pop().expect("one message")
        };
        assert_eq!(got, want, "{}", stem.display());
        assert_eq!(again, telegrams);
    }
}

#[test]
fn pretty_json_is_the_sample_file() {
    let schema = load("firmbanking.layout");
    let stem = layouts().join("firmbanking/transfer-request");
    let wire = std::fs::read(stem.with_extension("bin")).expect("bin");
    let want = std::fs::read_to_string(stem.with_extension("json")).expect("json");
    let msg = decode(&schema, &frames(&schema, &wire)[0], false)
        .ok()
        .expect("decodes");
    assert_eq!(
        json(&msg, FEP_JSON_PRETTY).ok().expect("json"),
        want.trim_end()
    );
    let redacted = json(&msg, FEP_JSON_REDACTED).ok().expect("json");
    assert!(
        redacted.contains(r#""debit_acct":"*********4005""#),
        "{redacted}"
    );
    assert!(redacted.contains(r#""password":"****""#), "{redacted}");
    assert!(!redacted.contains("4321"), "{redacted}");
    let e = json(&msg, 4).expect_err("unknown flag");
    assert_eq!(e.code(), fep_result::InvalidParameter);
    assert_eq!(e.category(), fep_category::Usage);
}

fn transfer() -> (Schema, Msg, Vec<u8>) {
    let schema = load("firmbanking.layout");
    let wire = std::fs::read(layouts().join("firmbanking/transfer-request.bin")).expect("bin");
    let t = frames(&schema, &wire).remove(0);
    let msg = decode(&schema, &t, false).ok().expect("decodes");
    (schema, msg, t)
}

fn get_str(msg: &Msg, path: &str) -> Result<String, ErrOut> {
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

fn get_int(msg: &Msg, path: &str) -> Result<i64, ErrOut> {
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

#[test]
fn reads_fields_by_path() {
    let (_schema, msg, t) = transfer();
    assert_eq!(text(unsafe_name(&msg)), "transfer");
    assert_eq!(get_str(&msg, "memo").ok().expect("memo"), "급여");
    assert_eq!(
        get_str(&msg, "debit_acct").ok().expect("real value"),
        "1002003004005"
    );
    assert_eq!(
        get_str(&msg, "header.send_date").ok().expect("date"),
        "2024-03-15"
    );
    assert_eq!(
        get_str(&msg, "amount").ok().expect("number as text"),
        "10000"
    );
    assert_eq!(get_int(&msg, "amount").ok().expect("amount"), 10000);
    assert_eq!(get_int(&msg, "header.seq_no").ok().expect("seq"), 123);

    let e = get_int(&msg, "fee").expect_err("blank");
    assert_eq!(e.code(), fep_result::NullValue);
    assert_eq!(e.path(), "fee");
    assert_eq!(e.offset(), 174);
    assert!(
        e.message().starts_with("transfer.fee (bytes 174..183)"),
        "{}",
        e.message()
    );
    let e = get_str(&msg, "fee").expect_err("blank");
    assert_eq!(e.code(), fep_result::NullValue);
    let e = get_int(&msg, "memo").expect_err("text");
    assert_eq!(e.code(), fep_result::WrongType);
    assert_eq!(e.category(), fep_category::Data);
    let e = get_int(&msg, "no_such").expect_err("unknown");
    assert_eq!(e.code(), fep_result::UnknownField);
    let e = get_int(&msg, "items[0].amount").expect_err("other message's field");
    assert_eq!(e.code(), fep_result::UnknownField);

    let mut buf = [0u8; 32];
    let mut len = 0;
    let mut is_null = false;
    let (mut raw, mut raw_len) = (null(), 0);
    // SAFETY: a live message, valid strings, writable buffers of their sizes.
    unsafe {
        let r = fep_message_get_decimal(
            msg.0,
            c"balance".as_ptr(),
            NUL,
            buf.as_mut_ptr().cast(),
            32,
            &mut len,
            null_mut(),
        );
        assert_eq!(r, fep_result::NullValue);
        let r = fep_message_get_decimal(
            msg.0,
            c"amount".as_ptr(),
            NUL,
            buf.as_mut_ptr().cast(),
            32,
            &mut len,
            null_mut(),
        );
        assert_eq!((r, &buf[..len]), (fep_result::Ok, &b"10000"[..]));
        let r = fep_message_get_is_null(msg.0, c"fee".as_ptr(), NUL, &mut is_null, null_mut());
        assert_eq!((r, is_null), (fep_result::Ok, true));
        let r = fep_message_get_is_null(msg.0, c"amount".as_ptr(), NUL, &mut is_null, null_mut());
        assert_eq!((r, is_null), (fep_result::Ok, false));
        let r = fep_message_get_raw(
            msg.0,
            c"amount".as_ptr(),
            NUL,
            &mut raw,
            &mut raw_len,
            null_mut(),
        );
        assert_eq!(r, fep_result::Ok);
        assert_eq!(std::slice::from_raw_parts(raw, raw_len), b"0000000010000");
        // The raw bytes are the message's own copy of the telegram.
        assert_ne!(raw, t.as_ptr().wrapping_add(129));
    }
}

fn unsafe_name(msg: &Msg) -> *const c_char {
    // SAFETY: a live message.
    unsafe { fep_message_name(msg.0) }
}

#[test]
fn reads_fields_through_resolved_handles() {
    let (schema, msg, _) = transfer();
    let other = load("firmbanking.layout");
    let mut field = null();
    let mut other_field = null();
    let mut err = ErrOut::new();
    let mut v = 0i64;
    let mut buf = [0u8; 32];
    let mut len = 0;
    let mut is_null = true;
    let (mut raw, mut raw_len) = (null(), 0);
    // SAFETY: live handles, valid strings, writable buffers of their sizes; each handle is
    // freed once.
    unsafe {
        assert_eq!(
            fep_schema_field(schema.0, c"amount".as_ptr(), NUL, &mut field, err.out()),
            fep_result::Ok
        );
        assert_eq!(text(fep_field_path(field)), "amount");
        assert_eq!(
            fep_message_field_int(msg.0, field, &mut v, err.out()),
            fep_result::Ok
        );
        assert_eq!(v, 10000);
        assert_eq!(
            fep_message_field_decimal(
                msg.0,
                field,
                buf.as_mut_ptr().cast(),
                32,
                &mut len,
                err.out()
            ),
            fep_result::Ok
        );
        assert_eq!(&buf[..len], b"10000");
        assert_eq!(
            fep_message_field_str(
                msg.0,
                field,
                buf.as_mut_ptr().cast(),
                32,
                &mut len,
                err.out()
            ),
            fep_result::Ok
        );
        assert_eq!(&buf[..len], b"10000");
        assert_eq!(
            fep_message_field_is_null(msg.0, field, &mut is_null, err.out()),
            fep_result::Ok
        );
        assert!(!is_null);
        assert_eq!(
            fep_message_field_raw(msg.0, field, &mut raw, &mut raw_len, err.out()),
            fep_result::Ok
        );
        assert_eq!(raw_len, 13);

        // A field of another schema (even of the same layout) is refused, not misread.
        assert_eq!(
            fep_schema_field(
                other.0,
                c"amount".as_ptr(),
                NUL,
                &mut other_field,
                null_mut()
            ),
            fep_result::Ok
        );
        assert_eq!(
            fep_message_field_int(msg.0, other_field, &mut v, err.out()),
            fep_result::InvalidParameter
        );
        assert!(
            err.message().contains("another schema"),
            "{}",
            err.message()
        );

        let mut none = null();
        assert_eq!(
            fep_schema_field(schema.0, c"nope".as_ptr(), NUL, &mut none, err.out()),
            fep_result::UnknownField
        );
        assert!(none.is_null());
        assert_eq!(
            fep_schema_field(
                schema.0,
                c"items[10].amount".as_ptr(),
                NUL,
                &mut none,
                err.out()
            ),
            fep_result::UnknownField
        );
        assert!(
            err.message().contains("at most 10 entries"),
            "{}",
            err.message()
        );
        assert_eq!(
            fep_schema_field(schema.0, c"header".as_ptr(), NUL, &mut none, err.out()),
            fep_result::UnknownField
        );

        fep_field_free(field);
        fep_field_free(other_field);
        fep_field_free(null());
        assert_eq!(text(fep_field_path(null())), "");
    }
}

#[test]
fn handles_outlive_their_schema() {
    let (schema, msg, _) = transfer();
    let mut field = null();
    // SAFETY: live handles; the schema is freed first, then the rest, each once.
    unsafe {
        assert_eq!(
            fep_schema_field(schema.0, c"amount".as_ptr(), NUL, &mut field, null_mut()),
            fep_result::Ok
        );
        drop(schema);
        let mut v = 0;
        assert_eq!(
            fep_message_field_int(msg.0, field, &mut v, null_mut()),
            fep_result::Ok
        );
        assert_eq!(v, 10000);
        fep_field_free(field);
    }
}

#[test]
fn decode_errors_say_where() {
    let (schema, _, t) = transfer();
    let mut bad = t.clone();
    bad[134] = b'O';
    let e = decode(&schema, &bad, false).err().expect("bad digit");
    assert_eq!(e.code(), fep_result::Data);
    assert_eq!(e.category(), fep_category::Data);
    assert_eq!(e.path(), "amount");
    assert_eq!(e.offset(), 129);
    // SAFETY: a live error.
    unsafe {
        assert_eq!(fep_error_length(e.0), 13);
        assert_eq!(text(fep_error_message_name(e.0)), "transfer");
    }
    assert_eq!(
        e.message(),
        r#"transfer.amount (bytes 129..142): expected digits, found "00000O0010000""#
    );
    // A view accepts it; the field read finds it.
    let view = decode(&schema, &bad, true)
        .ok()
        .expect("view checks only the length");
    let e = get_int(&view, "amount").expect_err("bad digit");
    assert_eq!((e.code(), e.offset()), (fep_result::Data, 129));
    assert_eq!(
        json(&view, 0).expect_err("whole decode").code(),
        fep_result::Data
    );

    let e = decode(&schema, &t[..299], false).err().expect("short");
    assert!(e.message().contains("too short"), "{}", e.message());
    let e = decode(&schema, b"nonsense", true)
        .err()
        .expect("no message");
    assert!(
        e.message().contains("no message matches"),
        "{}",
        e.message()
    );

    // A secret field's bytes never show.
    let mut bad = t.clone();
    bad[115..123].copy_from_slice(&[0xFF; 8]);
    let e = decode(&schema, &bad, false)
        .err()
        .expect("bad password bytes");
    assert_eq!(e.path(), "password");
    assert!(!e.message().contains("FF"), "{}", e.message());
}

#[test]
fn layout_errors_carry_line_and_column() {
    let e = parse("message m {\n  f Q(3)\n}\n").err().expect("bad type");
    assert_eq!(e.code(), fep_result::Layout);
    assert_eq!(e.category(), fep_category::Layout);
    // SAFETY: a live error.
    unsafe {
        assert_eq!((fep_error_line(e.0), fep_error_column(e.0)), (2, 5));
        assert_eq!(fep_error_offset(e.0), -1);
    }
    let mut schema = null();
    let mut err = ErrOut::new();
    // SAFETY: valid strings, writable out-parameters.
    unsafe {
        let r = fep_schema_load(
            c"/nonexistent/x.layout".as_ptr(),
            NUL,
            &mut schema,
            err.out(),
        );
        assert_eq!(r, fep_result::Io);
        assert!(schema.is_null());
        assert_eq!(err.category(), fep_category::Io);
        assert!(
            err.message().contains("/nonexistent/x.layout"),
            "{}",
            err.message()
        );
        let r = fep_schema_parse(b"\xFF".as_ptr().cast(), 1, &mut schema, err.out());
        assert_eq!(r, fep_result::InvalidParameter);
        assert!(err.message().contains("not UTF-8"), "{}", err.message());
    }
}

#[test]
fn null_arguments_are_errors_not_crashes() {
    let (schema, msg, t) = transfer();
    let mut err = ErrOut::new();
    let mut out_schema = null();
    let mut out_msg = null();
    let mut v = 0i64;
    let mut len = 0usize;
    let mut buf = [0u8; 8];
    // SAFETY: every pointer is NULL or valid; the library checks the NULLs.
    unsafe {
        assert_eq!(
            fep_schema_load(null(), 0, &mut out_schema, err.out()),
            fep_result::NullParameter
        );
        assert_eq!(err.message(), "`path` is NULL");
        assert_eq!(err.category(), fep_category::Usage);
        assert_eq!(
            fep_schema_load(c"x".as_ptr(), NUL, null_mut(), err.out()),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_schema_parse(null(), NUL, &mut out_schema, null_mut()),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_schema_decode(null(), t.as_ptr(), t.len(), &mut out_msg, err.out()),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_schema_decode(schema.0, null(), 0, &mut out_msg, err.out()),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_schema_view(schema.0, t.as_ptr(), t.len(), null_mut(), err.out()),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_message_get_int(null(), c"amount".as_ptr(), NUL, &mut v, err.out()),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_message_get_int(msg.0, null(), NUL, &mut v, err.out()),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_message_get_int(msg.0, c"amount".as_ptr(), NUL, null_mut(), err.out()),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_message_field_int(msg.0, null(), &mut v, err.out()),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_message_get_str(
                msg.0,
                c"memo".as_ptr(),
                NUL,
                buf.as_mut_ptr().cast(),
                8,
                null_mut(),
                err.out()
            ),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_message_get_str(
                msg.0,
                c"memo".as_ptr(),
                NUL,
                null_mut(),
                8,
                &mut len,
                err.out()
            ),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_message_to_json(msg.0, 0, null_mut(), err.out()),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_schema_key(
                schema.0,
                t.as_ptr(),
                t.len(),
                buf.as_mut_ptr().cast(),
                8,
                null_mut(),
                err.out()
            ),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_schema_encode_json(
                schema.0,
                null(),
                0,
                null(),
                0,
                buf.as_mut_ptr(),
                8,
                &mut len,
                err.out()
            ),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_framer_new(null(), &mut null_mut(), err.out()),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_framer_feed(null_mut(), t.as_ptr(), 1, err.out()),
            fep_result::NullParameter
        );
        assert_eq!(
            fep_framer_set_max_length(null_mut(), 1, err.out()),
            fep_result::NullParameter
        );
        // Getters and frees accept NULL.
        assert_eq!(text(fep_message_name(null())), "");
        assert_eq!(fep_buffer_len(null()), 0);
        assert_eq!(*fep_buffer_data(null()), 0);
        assert_eq!(fep_framer_buffered(null()), 0);
        assert_eq!(fep_error_code(null()), fep_result::Ok);
        assert_eq!(fep_error_category(null()), fep_category::None);
        assert_eq!(text(fep_error_message(null())), "");
        assert_eq!(text(fep_error_path(null())), "");
        assert_eq!(text(fep_error_message_name(null())), "");
        assert_eq!(
            (fep_error_offset(null()), fep_error_length(null())),
            (-1, -1)
        );
        assert_eq!((fep_error_line(null()), fep_error_column(null())), (0, 0));
        fep_schema_free(null());
        fep_message_free(null());
        fep_buffer_free(null_mut());
        fep_framer_free(null_mut());
        fep_error_free(null_mut());
    }
    assert!(out_schema.is_null() && out_msg.is_null());
}

#[test]
fn small_buffers_report_the_size_needed_and_stay_untouched() {
    let (schema, msg, t) = transfer();
    let mut err = ErrOut::new();
    let mut buf = [b'#'; 8];
    let mut len = 0usize;
    // SAFETY: live handles, valid strings, writable buffers of the sizes given.
    unsafe {
        // "홍길동" is 9 bytes of UTF-8, 10 with the NUL.
        let r = fep_message_get_str(
            msg.0,
            c"holder_name".as_ptr(),
            NUL,
            buf.as_mut_ptr().cast(),
            8,
            &mut len,
            err.out(),
        );
        assert_eq!((r, len), (fep_result::InsufficientSize, 10));
        assert_eq!(buf, [b'#'; 8]);
        assert_eq!(err.category(), fep_category::Usage);
        // The size query: NULL and 0.
        let r = fep_message_get_str(
            msg.0,
            c"holder_name".as_ptr(),
            NUL,
            null_mut(),
            0,
            &mut len,
            null_mut(),
        );
        assert_eq!((r, len), (fep_result::InsufficientSize, 10));
        let mut exact = [0u8; 10];
        let r = fep_message_get_str(
            msg.0,
            c"holder_name".as_ptr(),
            NUL,
            exact.as_mut_ptr().cast(),
            10,
            &mut len,
            null_mut(),
        );
        assert_eq!((r, len), (fep_result::Ok, 9));
        assert_eq!(&exact, "홍길동\0".as_bytes());

        let r = fep_schema_key(
            schema.0,
            t.as_ptr(),
            t.len(),
            null_mut(),
            0,
            &mut len,
            null_mut(),
        );
        assert_eq!((r, len), (fep_result::InsufficientSize, 31));
        let mut key = [0u8; 32];
        let r = fep_schema_key(
            schema.0,
            t.as_ptr(),
            t.len(),
            key.as_mut_ptr().cast(),
            32,
            &mut len,
            null_mut(),
        );
        assert_eq!(
            (r, &key[..len]),
            (fep_result::Ok, &b"20240315|004|TESTCO0001|000123"[..])
        );

        let j = json(&msg, 0).ok().expect("json");
        let r = fep_schema_encode_json(
            schema.0,
            null(),
            0,
            j.as_ptr().cast(),
            j.len(),
            buf.as_mut_ptr(),
            8,
            &mut len,
            err.out(),
        );
        assert_eq!((r, len), (fep_result::InsufficientSize, 300));
        assert_eq!(buf, [b'#'; 8]);
        let mut out = vec![0u8; 300];
        let r = fep_schema_encode_json(
            schema.0,
            null(),
            0,
            j.as_ptr().cast(),
            j.len(),
            out.as_mut_ptr(),
            300,
            &mut len,
            err.out(),
        );
        assert_eq!((r, len), (fep_result::Ok, 300));
        assert_eq!(out, t);
    }
}

#[test]
fn encodes_fields_of_a_named_message() {
    let (schema, _, t) = transfer();
    let whole: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(layouts().join("firmbanking/transfer-request.json"))
            .expect("json"),
    )
    .expect("JSON");
    let fields = whole["fields"].to_string();
    assert_eq!(
        encode(&schema, Some("transfer"), &fields)
            .ok()
            .expect("encodes"),
        t
    );

    let e = encode(&schema, Some("nope"), &fields).expect_err("unknown message");
    assert_eq!(e.code(), fep_result::UnknownMessage);
    let e = encode(
        &schema,
        None,
        r#"{"message":"transfer","fields":{"amount":"12x"}}"#,
    )
    .expect_err("bad amount");
    assert_eq!(
        (e.code(), e.path()),
        (fep_result::Encoding, "amount".into())
    );
    assert_eq!(e.category(), fep_category::Encoding);
    let e = encode(
        &schema,
        None,
        r#"{"message":"transfer","fields":{"amount":1.5}}"#,
    )
    .expect_err("float");
    assert_eq!(e.code(), fep_result::Json);
    // SAFETY: a live error.
    assert_eq!(unsafe { fep_error_column(e.0) }, 44);
    let e = encode(&schema, None, "{").expect_err("truncated");
    assert_eq!(e.code(), fep_result::Json);
    let e = encode(
        &schema,
        None,
        r#"{"message":"transfer","fields":{"zzz":1}}"#,
    )
    .expect_err("unknown field");
    assert_eq!(e.code(), fep_result::UnknownField);
}

#[test]
fn framer_errors_and_framing_for_sending() {
    let schema = load("firmbanking.layout");
    let mut framer = null_mut();
    let mut err = ErrOut::new();
    let (mut t, mut n, mut off) = (null(), 0usize, 0u64);
    let mut out = [0u8; 8];
    let mut len = 0;
    // SAFETY: live handles, valid buffers, writable out-parameters.
    unsafe {
        assert_eq!(
            fep_framer_new(schema.0, &mut framer, err.out()),
            fep_result::Ok
        );
        assert_eq!(
            fep_framer_feed(framer, b"0003".as_ptr(), 4, err.out()),
            fep_result::Ok
        );
        assert_eq!(
            fep_framer_next(framer, &mut t, &mut n, &mut off, err.out()),
            fep_result::NoTelegram
        );
        assert!(err.0.is_null(), "no error for NO_TELEGRAM");
        assert_eq!(fep_framer_buffered(framer), 4);
        assert_eq!(
            fep_framer_feed(framer, b"abc".as_ptr(), 3, err.out()),
            fep_result::Ok
        );
        // A three-byte frame matches no message: handed out, for decode to judge.
        assert_eq!(
            fep_framer_next(framer, &mut t, &mut n, &mut off, err.out()),
            fep_result::Ok
        );
        assert_eq!((std::slice::from_raw_parts(t, n), off), (&b"abc"[..], 0));
        assert_eq!(
            fep_framer_feed(framer, b"00x1".as_ptr(), 4, err.out()),
            fep_result::Ok
        );
        assert_eq!(
            fep_framer_next(framer, &mut t, &mut n, &mut off, err.out()),
            fep_result::Framing
        );
        assert_eq!((err.offset(), err.category()), (7, fep_category::Data));
        assert!(err.message().contains("not digits"), "{}", err.message());
        assert_eq!(
            fep_framer_finish(framer, &mut t, &mut n, &mut off, err.out()),
            fep_result::Framing
        );
        assert!(
            err.message().contains("ends inside a telegram"),
            "{}",
            err.message()
        );
        assert_eq!(
            fep_framer_finish(framer, &mut t, &mut n, &mut off, err.out()),
            fep_result::NoTelegram
        );

        assert_eq!(
            fep_framer_set_max_length(framer, 2, err.out()),
            fep_result::Ok
        );
        assert_eq!(
            fep_framer_feed(framer, b"0300".as_ptr(), 4, err.out()),
            fep_result::Ok
        );
        assert_eq!(
            fep_framer_next(framer, &mut t, &mut n, null_mut(), err.out()),
            fep_result::Framing
        );
        assert!(
            err.message().contains("more than the maximum of 2"),
            "{}",
            err.message()
        );

        assert_eq!(
            fep_framer_frame(
                framer,
                b"ab".as_ptr(),
                2,
                out.as_mut_ptr(),
                8,
                &mut len,
                err.out()
            ),
            fep_result::Ok
        );
        assert_eq!(&out[..len], b"0002ab");
        assert_eq!(
            fep_framer_frame(
                framer,
                b"ab".as_ptr(),
                2,
                out.as_mut_ptr(),
                5,
                &mut len,
                err.out()
            ),
            fep_result::InsufficientSize
        );
        assert_eq!(len, 6);
        assert_eq!(
            fep_framer_frame(
                framer,
                b"abc".as_ptr(),
                3,
                out.as_mut_ptr(),
                8,
                &mut len,
                err.out()
            ),
            fep_result::Encoding
        );
        let mut framed = null_mut();
        assert_eq!(
            fep_framer_frame_alloc(framer, b"ab".as_ptr(), 2, &mut framed, err.out()),
            fep_result::Ok
        );
        assert_eq!(take_buffer(framed), b"0002ab");
        assert_eq!(
            fep_framer_set_line_ending(framer, 7, err.out()),
            fep_result::InvalidParameter
        );
        assert_eq!(
            fep_framer_set_line_ending(framer, FEP_LINE_ENDING_LF, err.out()),
            fep_result::Ok
        );
        fep_framer_free(framer);
    }

    let lines = load("cms-batch.layout");
    // SAFETY: as above.
    unsafe {
        assert_eq!(
            fep_framer_new(lines.0, &mut framer, err.out()),
            fep_result::Ok
        );
        assert_eq!(
            fep_framer_frame(
                framer,
                b"ab".as_ptr(),
                2,
                out.as_mut_ptr(),
                8,
                &mut len,
                err.out()
            ),
            fep_result::Ok
        );
        assert_eq!(&out[..len], b"ab\r\n");
        assert_eq!(
            fep_framer_set_line_ending(framer, FEP_LINE_ENDING_LF, err.out()),
            fep_result::Ok
        );
        assert_eq!(
            fep_framer_frame(
                framer,
                b"ab".as_ptr(),
                2,
                out.as_mut_ptr(),
                8,
                &mut len,
                err.out()
            ),
            fep_result::Ok
        );
        assert_eq!(&out[..len], b"ab\n");
        fep_framer_free(framer);
    }
}

#[test]
fn key_errors() {
    let (schema, _, t) = transfer();
    let nokey = parse("encoding ascii\nmessage m 3 {\n a X(3)\n}\n")
        .ok()
        .expect("layout");
    let mut err = ErrOut::new();
    let mut buf = [0u8; 64];
    let mut len = 0;
    // SAFETY: live handles, valid buffers, writable out-parameters.
    unsafe {
        let r = fep_schema_key(
            nokey.0,
            b"abc".as_ptr(),
            3,
            buf.as_mut_ptr().cast(),
            64,
            &mut len,
            err.out(),
        );
        assert_eq!(r, fep_result::NoKey);
        assert_eq!(err.category(), fep_category::Layout);
        let r = fep_schema_key(
            schema.0,
            b"zz".as_ptr(),
            2,
            buf.as_mut_ptr().cast(),
            64,
            &mut len,
            err.out(),
        );
        assert_eq!(r, fep_result::Data);
        let r = fep_schema_key(
            schema.0,
            t.as_ptr(),
            t.len(),
            buf.as_mut_ptr().cast(),
            64,
            &mut len,
            err.out(),
        );
        assert_eq!(r, fep_result::Ok);
    }
}

#[test]
fn strings_may_be_counted_or_nul_terminated_and_must_be_utf8() {
    let (_, msg, _) = transfer();
    let mut v = 0;
    let mut err = ErrOut::new();
    // SAFETY: a live message; each string is valid for the length given.
    unsafe {
        // Counted: only the first 6 bytes of "amountXYZ" are the path.
        assert_eq!(
            fep_message_get_int(msg.0, c"amountXYZ".as_ptr(), 6, &mut v, err.out()),
            fep_result::Ok
        );
        assert_eq!(v, 10000);
        assert_eq!(
            fep_message_get_int(msg.0, c"amount".as_ptr(), NUL, &mut v, err.out()),
            fep_result::Ok
        );
        let r = fep_message_get_int(msg.0, b"am\xFFount".as_ptr().cast(), 7, &mut v, err.out());
        assert_eq!(r, fep_result::InvalidParameter);
        assert_eq!(err.message(), "`path` is not UTF-8 (byte 2)");
        let r = fep_message_get_int(msg.0, c"amount".as_ptr(), usize::MAX - 1, &mut v, err.out());
        assert_eq!(r, fep_result::InvalidParameter);
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

#[test]
fn handles_are_shared_between_threads() {
    let (schema, msg, t) = transfer();
    struct Shared(*const fep_schema, *const fep_message);
    // SAFETY: schemas and messages are immutable and Sync; the test frees them after the
    // threads are joined.
    unsafe impl Sync for Shared {}
    let shared = Shared(schema.0, msg.0);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                let shared = &shared;
                for _ in 0..50 {
                    let mut m = null();
                    let mut v = 0;
                    // SAFETY: live handles shared read-only; the new message is freed once.
                    unsafe {
                        assert_eq!(
                            fep_schema_decode(shared.0, t.as_ptr(), t.len(), &mut m, null_mut()),
                            fep_result::Ok
                        );
                        assert_eq!(
                            fep_message_get_int(m, c"amount".as_ptr(), NUL, &mut v, null_mut()),
                            fep_result::Ok
                        );
                        assert_eq!(v, 10000);
                        let mut j = null_mut();
                        assert_eq!(
                            fep_message_to_json(shared.1, 0, &mut j, null_mut()),
                            fep_result::Ok
                        );
                        fep_buffer_free(j);
                        fep_message_free(m);
                    }
                }
            });
        }
    });
}
