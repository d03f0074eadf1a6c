use fep_core::{Message, Schema};

fn p(src: &str) -> Option<Schema> {
    match Schema::parse(src) {
        Ok(s) => {
            println!("OK");
            Some(s)
        }
        Err(e) => {
            println!("LAYOUT ERR: {e}");
            None
        }
    }
}
fn d(src: &str, bytes: &[u8]) {
    let s = Schema::parse(src).unwrap_or_else(|e| panic!("{e}"));
    match s.decode(bytes) {
        Ok(m) => println!(
            "DEC: {} | redacted {}",
            serde_json::to_string(&m).unwrap(),
            m
        ),
        Err(e) => println!("DEC ERR: {e}"),
    }
}
fn e(src: &str, json: &str) {
    let s = Schema::parse(src).unwrap_or_else(|e| panic!("{e}"));
    let m: Message<'static> = match serde_json::from_str(json) {
        Ok(m) => m,
        Err(e) => {
            println!("JSON ERR: {e}");
            return;
        }
    };
    match s.encode(&m) {
        Ok(b) => {
            println!("ENC: {:?}", String::from_utf8_lossy(&b));
            match s.decode(&b) {
                Ok(m2) => println!("   back: {}", serde_json::to_string(&m2).unwrap()),
                Err(e) => println!("   back ERR: {e}"),
            }
        }
        Err(e) => println!("ENC ERR: {e}"),
    }
}

#[test]
fn probe() {
    include!("/tmp/probe/cases.rs");
}
