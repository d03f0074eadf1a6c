//! # fep-relay
//!
//! The whole correlation architecture as a runnable example: many callers share ONE TCP
//! session to a counterpart, responses come back in any order and are matched to their
//! requests by the layout's key, and every request ends exactly once: with its response,
//! with a timeout, or failed fast when its session is cut.
//!
//! - [`Relay`]: the send/receive task (with its reader and timer), over a
//!   [`fep_core::Correlator`];
//! - [`Counterpart`]: a simulated bank that delays, reorders, drops, duplicates and cuts;
//! - [`run_load`]: callers, relay and counterpart together, with every outcome checked;
//!   `main.rs` and the load test run it.

mod counterpart;
mod load;
mod relay;
mod samples;

pub use counterpart::{Counterpart, CounterpartConfig, CounterpartCounts};
pub use load::{LoadConfig, LoadReport, run_load};
pub use relay::{
    Outcome, Relay, RelayConfig, RelayCounts, RelayError, RelayHandle, RelayReport, Reply, TraceId,
};
pub use samples::{BoxError, Samples};
