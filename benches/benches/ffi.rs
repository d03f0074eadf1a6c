//! The C ABI as a C caller uses it: view a telegram and read three fields through
//! pre-resolved field handles, then free; and a full decode. Called through the exported
//! `extern "C"` symbols of fep-ffi.

// Calling a C ABI is unsafe by nature; every call below passes live handles and buffers.
#![allow(unsafe_code)]

use std::hint::black_box;
use std::ptr;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fep::*;
use fep_benches::{layouts, transfer_telegrams};

fn ffi(c: &mut Criterion) {
    let text = std::fs::read_to_string(layouts().join("firmbanking.layout")).expect("layout");
    let [req, resp] = transfer_telegrams();
    let mut schema = ptr::null();
    // SAFETY: valid text and out-pointer; the error out-parameter may be NULL.
    let r = unsafe {
        fep_schema_parse(
            text.as_ptr().cast(),
            text.len(),
            &mut schema,
            ptr::null_mut(),
        )
    };
    assert_eq!(r, fep_result::Ok);
    let field = |path: &str| {
        let mut f = ptr::null();
        // SAFETY: a live schema, a valid path and out-pointer.
        let r = unsafe {
            fep_schema_field(
                schema,
                path.as_ptr().cast(),
                path.len(),
                &mut f,
                ptr::null_mut(),
            )
        };
        assert_eq!(r, fep_result::Ok);
        f
    };
    let (code, seq, amount) = (
        field("header.msg_code"),
        field("header.seq_no"),
        field("amount"),
    );
    let mut g = c.benchmark_group("ffi");
    g.throughput(Throughput::Elements(2));
    g.bench_function("view_3_fields", |b| {
        b.iter(|| {
            let mut sum = 0i64;
            for t in [&req, &resp] {
                let mut m = ptr::null();
                let mut buf = [0u8; 16];
                let (mut len, mut v1, mut v2) = (0usize, 0i64, 0i64);
                // SAFETY: live handles, valid buffers with their lengths, writable outputs.
                unsafe {
                    assert_eq!(
                        fep_schema_view(schema, t.as_ptr(), t.len(), &mut m, ptr::null_mut()),
                        fep_result::Ok
                    );
                    assert_eq!(
                        fep_message_field_str(
                            m,
                            code,
                            buf.as_mut_ptr().cast(),
                            buf.len(),
                            &mut len,
                            ptr::null_mut()
                        ),
                        fep_result::Ok
                    );
                    assert_eq!(
                        fep_message_field_int(m, seq, &mut v1, ptr::null_mut()),
                        fep_result::Ok
                    );
                    assert_eq!(
                        fep_message_field_int(m, amount, &mut v2, ptr::null_mut()),
                        fep_result::Ok
                    );
                    fep_message_free(m);
                }
                sum += len as i64 + v1 + v2;
            }
            assert_eq!(black_box(sum), 2 * (4 + 123 + 10000));
        })
    });
    g.bench_function("decode", |b| {
        b.iter(|| {
            for t in [&req, &resp] {
                let mut m = ptr::null();
                // SAFETY: a live schema, a valid telegram with its length, a writable output.
                unsafe {
                    assert_eq!(
                        fep_schema_decode(schema, t.as_ptr(), t.len(), &mut m, ptr::null_mut()),
                        fep_result::Ok
                    );
                    fep_message_free(black_box(m));
                }
            }
        })
    });
    g.finish();
    // SAFETY: each handle freed once.
    unsafe {
        fep_field_free(code);
        fep_field_free(seq);
        fep_field_free(amount);
        fep_schema_free(schema);
    }
}

criterion_group!(benches, ffi);
criterion_main!(benches);
