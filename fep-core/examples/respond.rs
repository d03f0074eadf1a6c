//! Builds a response from a request: decode, set the bank-filled fields, encode and frame.
//! Responses mirror requests; the reserved area is echoed back byte for byte.
//!
//! ```text
//! cargo run -p fep-core --example respond -- layouts/firmbanking.layout \
//!     layouts/firmbanking/transfer-request.bin layouts/firmbanking/transfer-response.bin
//! ```
//!
//! With a third argument, the framed response must equal that file, byte for byte.

use fep_core::{Decimal, MessageReader, MessageWriter, Schema, Value};

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(layout), Some(request)) = (args.next(), args.next()) else {
        return Err("usage: respond LAYOUT REQUEST".into());
    };
    let schema = Schema::load(&layout)?;
    let mut out = Vec::new();
    let mut writer = MessageWriter::new(&schema, &mut out);
    for item in MessageReader::new(&schema, std::fs::File::open(&request)?) {
        let mut msg = item?.message;
        let fields = msg.fields_mut();
        if let Some(Value::Record(header)) = fields.get_mut("header") {
            header.set("msg_code", Value::Text("2100".into()));
            header.set("resp_code", Value::Text("0000".into()));
        }
        fields.set("balance", Value::Int(-2500));
        fields.set("fee", Value::Decimal(Decimal::new(500, 0)));
        println!("{msg}");
        writer.write(&msg)?;
    }
    drop(writer);
    // Check the response by decoding it again.
    for item in MessageReader::new(&schema, &out[..]) {
        let m = item?.message;
        println!(
            "response: {} bytes framed, resp_code {:?}",
            out.len(),
            m.get("header.resp_code")
        );
    }
    if let Some(expected) = args.next() {
        if std::fs::read(&expected)? != out {
            return Err(format!("the response differs from {expected}").into());
        }
        println!("the response equals {expected}, byte for byte");
    }
    Ok(())
}
