//! Fuzz target `layout`: see fep-core/tests/common/fuzz_checks.rs for the invariant.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../fep-core/tests/common/fuzz_checks.rs"]
#[allow(dead_code)]
mod checks;

fuzz_target!(|data: &[u8]| checks::layout_text(data));
