//! Fuzz target `capture`: see fep-core/tests/common/fuzz_capture.rs for the invariant.
#![no_main]

use std::sync::LazyLock;

use fep_core::Schema;
use libfuzzer_sys::fuzz_target;

#[path = "../../fep-core/tests/common/fuzz_checks.rs"]
#[allow(dead_code)]
mod checks;

#[path = "../../fep-core/tests/common/fuzz_capture.rs"]
mod capture;

static SCHEMAS: LazyLock<Vec<Schema>> = LazyLock::new(checks::schemas);

fuzz_target!(|data: &[u8]| capture::capture(&SCHEMAS, data));
