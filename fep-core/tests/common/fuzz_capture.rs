//! The invariant the `capture` fuzz target checks, shared with `tests/capture.rs`, which
//! replays `fuzz/regressions/capture/` with a normal `cargo test --features capture`.

use fep_core::Schema;
use fep_core::capture::{CaptureEvent, CaptureOptions, CaptureReader};

/// A capture reader over arbitrary bytes: never panics, never hands out more telegram
/// bytes than the input holds, and holds no more than its window and frame bounds.
///
/// The first byte chooses the framing of the rest: 0 as it is (a whole file), else a pcap
/// file header for a link type (1 Ethernet, 2 raw IP, 3 Linux cooked SLL2) before it, so
/// that the fuzzer spends its time on packets rather than on the magic number.
pub fn capture(schemas: &[Schema], data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let link: u32 = match mode % 4 {
        0 => 0,
        1 => 1,
        2 => 101,
        _ => 276,
    };
    let mut file = Vec::new();
    if link != 0 {
        file.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        file.extend_from_slice(&[2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        file.extend_from_slice(&65_535u32.to_le_bytes());
        file.extend_from_slice(&link.to_le_bytes());
    }
    file.extend_from_slice(rest);
    let window = 4096;
    let options = CaptureOptions {
        window,
        max_connections: 8,
        ..CaptureOptions::default()
    };
    let schema = &schemas[usize::from(mode / 4) % schemas.len()];
    let Ok(mut reader) = CaptureReader::with_options(schema, &file[..], options) else {
        return;
    };
    let mut telegram_bytes = 0usize;
    while let Some(event) = reader.next() {
        // Two directions per connection, each its window and one frame (64 KiB at most).
        assert!(reader.held_bytes() <= 8 * 2 * (window + 2 * 65_536 + 16));
        match event {
            Ok(CaptureEvent::Telegram(t)) => telegram_bytes += t.frame.telegram.len(),
            Ok(_) => {}
            Err(e) => {
                assert!(e.offset().is_some_and(|o| o <= file.len()), "{e}");
                break;
            }
        }
    }
    assert!(telegram_bytes <= file.len());
}
