//! Fuzz target `round_trip`: see fep-core/tests/common/fuzz_checks.rs for the invariant.
#![no_main]

use std::sync::LazyLock;

use fep_core::Schema;
use libfuzzer_sys::fuzz_target;

#[path = "../../fep-core/tests/common/fuzz_checks.rs"]
#[allow(dead_code)]
mod checks;

static SCHEMAS: LazyLock<Vec<Schema>> = LazyLock::new(checks::schemas);

fuzz_target!(|data: &[u8]| checks::round_trip(&SCHEMAS, data));
