//! `fep.Correlator`: the core's correlator with any Python object as a request's token.
//!
//! The tokens are `Py<PyAny>` kept in the core's table; each leaves it once, in a `Matched`
//! or an `Expired`, or in the exception of a refused insert, so none is lost and none is
//! kept alive longer than its request is pending. The table is synchronized inside, so the
//! class is frozen and shared by threads as it stands. Calls keep the GIL: each is one hash
//! map operation, shorter than releasing and taking the GIL back would be.
//!
//! Time is the core's monotonic clock (`Instant::now()`): durations are seconds as `float`.

use std::time::{Duration, Instant};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyFloat;

use crate::errors::{Op, to_py};
use crate::input::{telegram, type_name};
use crate::schema::{PySchema, py_repr};

type Table = fep_core::Correlator<Py<PyAny>>;

/// Matches responses to their requests by the layout's correlation key.
#[pyclass(module = "fep", name = "Correlator", frozen)]
pub(crate) struct PyCorrelator {
    table: Table,
}

impl std::fmt::Debug for PyCorrelator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.table)
    }
}

/// Seconds as a `float` (or `int`), or a `datetime.timedelta`: a duration, not negative.
fn duration(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Duration> {
    // timedelta is not in the limited API: ask it for its seconds.
    let seconds: f64 = if obj.hasattr("total_seconds")? {
        obj.call_method0("total_seconds")?.extract()?
    } else {
        obj.extract().map_err(|_| {
            pyo3::exceptions::PyTypeError::new_err(format!(
                "{what}: expected seconds as a float or a datetime.timedelta, found {}",
                type_name(obj)
            ))
        })?
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| {
        PyValueError::new_err(format!(
            "{what}: expected seconds, 0 or more, found {seconds}"
        ))
    })
}

#[pymethods]
impl PyCorrelator {
    /// A correlator for the schema's telegrams, holding at most `capacity` pending
    /// requests, each given `timeout` seconds (a float or a timedelta) unless its insert
    /// says otherwise.
    #[new]
    #[pyo3(
        signature = (schema, capacity = 100_000, timeout = None),
        text_signature = "(schema, capacity=100000, timeout=30.0)"
    )]
    fn new(
        schema: PyRef<'_, PySchema>,
        capacity: usize,
        timeout: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyCorrelator> {
        let timeout = match timeout {
            Some(t) => duration(t, "timeout")?,
            None => Duration::from_secs(30),
        };
        Ok(PyCorrelator {
            table: Table::new(&schema.schema, capacity, timeout),
        })
    }

    /// Files a request under its key, with `token` (any object) to give back with its
    /// response; returns the key. The deadline is `timeout` seconds from now (the
    /// correlator's timeout when None).
    #[pyo3(signature = (request, token, /, timeout = None))]
    fn insert(
        &self,
        py: Python<'_>,
        request: &Bound<'_, PyAny>,
        token: Py<PyAny>,
        timeout: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let data = telegram(request)?;
        let timeout = match timeout {
            Some(t) => duration(t, "timeout")?,
            None => self.table.timeout(),
        };
        let now = Instant::now();
        // A deadline past what the clock can hold: never.
        let deadline = now
            .checked_add(timeout)
            .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600));
        match self.table.insert_at(&data, token, now, deadline) {
            Ok(key) => Ok(key.text()),
            Err(rejected) => {
                let err = to_py(py, &rejected.error, Op::Decode);
                // The token goes back to the caller with the exception, whatever it is.
                let _ = err.value(py).setattr("token", rejected.token);
                Err(err)
            }
        }
    }

    /// Matches a response with its pending request, which leaves the correlator.
    #[pyo3(signature = (response, /))]
    fn complete(&self, py: Python<'_>, response: &Bound<'_, PyAny>) -> PyResult<PyMatched> {
        let data = telegram(response)?;
        match self.table.complete(&data) {
            Ok(m) => Ok(PyMatched {
                token: m.token,
                request_message: m.request_message.to_string(),
                response_message: m.response_message.to_string(),
                key: m.key.text(),
                elapsed: m.elapsed.as_secs_f64(),
            }),
            Err(e) => Err(to_py(py, &e, Op::Decode)),
        }
    }

    /// Takes back the pending request of a request telegram, without a response: its token,
    /// or None when it is not pending.
    #[pyo3(signature = (request, /))]
    fn cancel(&self, py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<Option<Py<PyAny>>> {
        let data = telegram(request)?;
        match self.table.cancel_request(&data) {
            Ok(e) => Ok(e.map(|e| e.token)),
            Err(e) => Err(to_py(py, &e, Op::Decode)),
        }
    }

    /// Every pending request whose deadline has passed, each given back once.
    fn expire(&self) -> Vec<PyExpired> {
        let now = Instant::now();
        self.table
            .expire(now)
            .into_iter()
            .map(|e| PyExpired::from_core(e, now))
            .collect()
    }

    /// Every pending request, given back (a session closed).
    fn drain(&self) -> Vec<PyExpired> {
        let now = Instant::now();
        self.table
            .drain()
            .into_iter()
            .map(|e| PyExpired::from_core(e, now))
            .collect()
    }

    /// Seconds until the earliest deadline (0.0 when it has passed), or None when no
    /// request is pending: how long to wait before calling `expire`.
    fn next_deadline(&self) -> Option<f64> {
        let now = Instant::now();
        self.table
            .next_deadline()
            .map(|d| d.saturating_duration_since(now).as_secs_f64())
    }

    /// The last responses that matched no request (at most 64), oldest first.
    fn unmatched(&self) -> Vec<PyUnmatched> {
        let now = Instant::now();
        self.table
            .unmatched()
            .into_iter()
            .map(|u| PyUnmatched {
                message: u.message.to_string(),
                key: u.key.text(),
                nearest: u.nearest,
                age: now.saturating_duration_since(u.at).as_secs_f64(),
            })
            .collect()
    }

    /// The correlation key of a telegram, as the correlator reads it.
    #[pyo3(signature = (data, /))]
    fn key(&self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<String> {
        let data = telegram(data)?;
        self.table
            .key(&data)
            .map(|k| k.text())
            .map_err(|e| to_py(py, &e, Op::Decode))
    }

    /// The most requests that may be pending at once.
    #[getter]
    fn capacity(&self) -> usize {
        self.table.capacity()
    }

    /// The timeout of an insert without one, in seconds.
    #[getter]
    fn timeout(&self) -> f64 {
        self.table.timeout().as_secs_f64()
    }

    fn __len__(&self) -> usize {
        self.table.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "<fep.Correlator {} pending, capacity {}, timeout {}s>",
            self.table.len(),
            self.table.capacity(),
            self.table.timeout().as_secs_f64()
        )
    }
}

/// Python's `repr` of a float (`8.1e-05`, as `elapsed` prints in Python).
fn py_float(py: Python<'_>, x: f64) -> PyResult<String> {
    Ok(PyFloat::new(py, x).repr()?.to_cow()?.into_owned())
}

/// A response matched with its request (`Correlator.complete`).
#[pyclass(module = "fep", name = "Matched", frozen, get_all)]
#[derive(Debug)]
pub(crate) struct PyMatched {
    /// The token the request was inserted with (the same object).
    token: Py<PyAny>,
    /// The request's message.
    request_message: String,
    /// The response's message.
    response_message: String,
    /// The key they share.
    key: String,
    /// Seconds from the request's insert to the response's complete.
    elapsed: f64,
}

#[pymethods]
impl PyMatched {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Matched(token={}, request_message={}, response_message={}, key={}, elapsed={})",
            self.token.bind(py).repr()?,
            py_repr(py, &self.request_message)?,
            py_repr(py, &self.response_message)?,
            py_repr(py, &self.key)?,
            py_float(py, self.elapsed)?
        ))
    }
}

/// A request that left the correlator without a response: its deadline passed
/// (`Correlator.expire`) or it was drained (`Correlator.drain`).
#[pyclass(module = "fep", name = "Expired", frozen, get_all)]
#[derive(Debug)]
pub(crate) struct PyExpired {
    /// The token the request was inserted with (the same object).
    token: Py<PyAny>,
    /// The request's message.
    request_message: String,
    /// The request's key.
    key: String,
    /// Seconds from the request's insert to its leaving.
    elapsed: f64,
}

impl PyExpired {
    fn from_core(e: fep_core::Expired<Py<PyAny>>, now: Instant) -> PyExpired {
        PyExpired {
            token: e.token,
            request_message: e.request_message.to_string(),
            key: e.key.text(),
            elapsed: now.saturating_duration_since(e.sent).as_secs_f64(),
        }
    }
}

#[pymethods]
impl PyExpired {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Expired(token={}, request_message={}, key={}, elapsed={})",
            self.token.bind(py).repr()?,
            py_repr(py, &self.request_message)?,
            py_repr(py, &self.key)?,
            py_float(py, self.elapsed)?
        ))
    }
}

/// A response that matched no pending request (`Correlator.unmatched`).
#[pyclass(module = "fep", name = "Unmatched", frozen, get_all)]
#[derive(Debug)]
pub(crate) struct PyUnmatched {
    /// The response's message.
    message: String,
    /// The response's key.
    key: String,
    /// The pending request whose key was nearest and how it differed, or None.
    nearest: Option<String>,
    /// Seconds since the response arrived.
    age: f64,
}

#[pymethods]
impl PyUnmatched {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Unmatched(message={}, key={}, nearest={}, age={})",
            py_repr(py, &self.message)?,
            py_repr(py, &self.key)?,
            match &self.nearest {
                Some(n) => py_repr(py, n)?,
                None => "None".into(),
            },
            py_float(py, self.age)?
        ))
    }
}
