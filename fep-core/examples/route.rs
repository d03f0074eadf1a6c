//! Routes telegrams on three fields read through views, without decoding the rest: what a
//! FEP process does for every telegram it receives.
//!
//! ```text
//! cargo run -p fep-core --example route -- layouts/firmbanking.layout layouts/firmbanking/*.bin
//! ```

use fep_core::{Schema, TelegramReader};

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let layout = args.next().ok_or("usage: route LAYOUT CAPTURE...")?;
    let schema = Schema::load(&layout)?;
    // Resolve the paths once; the loop below pays no lookup by name.
    let msg_code = schema.field("header.msg_code")?;
    let bank = schema.field("header.bank_code")?;
    let resp_code = schema.field("header.resp_code")?;
    for capture in args {
        for frame in TelegramReader::new(&schema, std::fs::File::open(&capture)?) {
            let frame = frame?;
            let view = schema.view(&frame.telegram)?;
            let code = view.str(&msg_code)?;
            let queue = match (code.as_bytes().get(1), view.str(&resp_code)?.as_ref()) {
                (Some(b'1'), "0000") => "responses-ok",
                (Some(b'1'), _) => "responses-failed",
                _ => "requests",
            };
            println!(
                "{capture}@{}: {} {} from bank {:03} -> {queue}",
                frame.offset,
                view.message_name(),
                code,
                view.int(&bank)?.unwrap_or(0),
            );
        }
    }
    Ok(())
}
