//! Batch files: the layout's `check` statements when reading and writing.

use fep_core::{BatchChecker, ErrorKind, Message, MessageReader, MessageWriter, Schema, Value};

fn cms() -> Schema {
    Schema::load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../layouts/cms-batch.layout"
    ))
    .expect("the bundled layout compiles")
}

fn sample() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../layouts/cms-batch/batch-file.bin"
    ))
    .expect("sample")
}

fn failures(schema: &Schema, input: &[u8]) -> Vec<String> {
    MessageReader::new(schema, input)
        .keep_going(true)
        .filter_map(Result::err)
        .map(|e| e.to_string())
        .collect()
}

#[test]
fn the_bundled_sample_passes_its_checks() {
    let schema = cms();
    assert_eq!(schema.checks().count(), 6);
    assert_eq!(failures(&schema, &sample()), Vec::<String>::new());
}
