//! Reads a capture file of framed telegrams and prints each as a JSON line, with
//! `mask`/`secret` fields hidden.
//!
//! ```text
//! cargo run -p fep-core --example decode -- layouts/firmbanking.layout layouts/firmbanking/transfer-request.bin
//! ```

use std::io::Read;

use bytes::BytesMut;
use fep_core::{Framer, Schema};

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(layout), Some(capture)) = (args.next(), args.next()) else {
        return Err("usage: decode LAYOUT CAPTURE".into());
    };
    let schema = Schema::load(&layout)?;
    let mut framer = Framer::new(&schema);
    let mut file = std::fs::File::open(&capture)?;
    let mut buf = BytesMut::with_capacity(64 * 1024);
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut chunk)?;
        if n > 0 {
            buf.extend_from_slice(&chunk[..n]);
        }
        loop {
            let frame = if n == 0 {
                framer.finish(&mut buf)?
            } else {
                framer.next_frame(&mut buf)?
            };
            let Some(frame) = frame else { break };
            let msg = schema
                .decode(&frame.telegram)
                .map_err(|e| e.shift_offset(frame.telegram_offset as usize))?;
            println!(
                "{{\"offset\":{},\"message\":{}}}",
                frame.offset,
                serde_json::to_string(&msg.redacted())?
            );
        }
        if n == 0 {
            return Ok(());
        }
    }
}
