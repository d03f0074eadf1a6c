//! Requests matched with their responses by the layout's key, through the [`Correlator`]:
//! the rows of `fep pair` and of Python's `fep.pair`, one implementation for both.
//!
//! A [`Pairer`] takes telegrams in capture order (each with where it was in a capture, or
//! none for a file of framed telegrams) and keeps one [`PairRow`] per request and one per
//! response that matched no request. Rows wait until the end of the input (an outcome is
//! known only then): a few dozen bytes per request.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::event::{CapturedTelegram, Connection, Direction};
use super::file::Timestamp;
use crate::correlate::{Correlator, Key};
use crate::error::{ErrorKind, Result};
use crate::schema::Schema;
use crate::view::FieldRef;

/// Where a telegram was in a capture: when, on which connection, which way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Whence {
    /// When the packet that completed it was captured.
    pub ts: Timestamp,
    /// Its connection.
    pub connection: Connection,
    /// Which way it went.
    pub direction: Direction,
}

impl Whence {
    /// Where a captured telegram was.
    pub fn of(t: &CapturedTelegram) -> Whence {
        Whence {
            ts: t.ts,
            connection: t.connection,
            direction: t.direction,
        }
    }

    /// The address and port it came from.
    pub fn src(&self) -> SocketAddr {
        match self.direction {
            Direction::ToServer => self.connection.client,
            Direction::ToClient => self.connection.server,
        }
    }

    /// The address and port it went to.
    pub fn dst(&self) -> SocketAddr {
        match self.direction {
            Direction::ToServer => self.connection.server,
            Direction::ToClient => self.connection.client,
        }
    }
}

/// What became of a request, or a response that matched none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// One response.
    Answered,
    /// No response.
    Unanswered,
    /// Two responses or more.
    AnsweredTwice,
    /// A response whose key no request had.
    UnmatchedResponse,
}

impl Outcome {
    /// `answered`, `unanswered`, `answered twice`, `unmatched response`: as the doors
    /// print it.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Answered => "answered",
            Outcome::Unanswered => "unanswered",
            Outcome::AnsweredTwice => "answered twice",
            Outcome::UnmatchedResponse => "unmatched response",
        }
    }
}

/// One row: a request with what answered it, or a response that matched no request.
#[derive(Debug, Clone)]
pub struct PairRow {
    /// The telegram's offset: in its file, or in its direction's stream of a capture.
    pub offset: u64,
    /// Where it was in a capture (none in a file of telegrams).
    pub whence: Option<Whence>,
    /// The correlation key, its parts joined with `|`.
    pub key: String,
    /// The request's message (none for an unmatched response).
    pub request: Option<String>,
    /// The (first) response's message.
    pub response: Option<String>,
    /// The (first) response's code, when the options name a code field.
    pub code: Option<String>,
    /// From the request's packet to its (first) response's; captures only.
    pub latency: Option<Duration>,
    /// Responses received: 0, 1, or more for a request answered twice.
    pub responses: u32,
    /// Another request with the same key came while this one waited (it stays unanswered).
    pub superseded: bool,
    is_request: bool,
}

impl PairRow {
    /// True for a request's row, false for an unmatched response's.
    pub fn is_request(&self) -> bool {
        self.is_request
    }

    /// What became of it.
    pub fn outcome(&self) -> Outcome {
        match (self.is_request, self.responses) {
            (false, _) => Outcome::UnmatchedResponse,
            (true, 0) => Outcome::Unanswered,
            (true, 1) => Outcome::Answered,
            (true, _) => Outcome::AnsweredTwice,
        }
    }
}

/// How a [`Pairer`] tells requests from responses, and what it reports.
#[derive(Debug, Clone)]
pub struct PairOptions {
    /// The field whose value a response's row shows as its code.
    pub code: Option<FieldRef>,
    /// Tell responses by a field's value (any of the values, blanks at the end trimmed).
    /// Without it, in a capture a request is what goes [`PairOptions::requests`]'s way;
    /// in a file of telegrams a telegram whose key waits is the response, any other a
    /// request.
    pub response_when: Option<(FieldRef, Vec<String>)>,
    /// In a capture, the direction requests go: to the server (a FEP calling its bank) by
    /// default.
    pub requests: Direction,
    /// The most requests waiting for a response at once (100,000).
    pub max_pending: usize,
}

impl PairOptions {
    /// The defaults for a layout: the code field is one named `resp_code`,
    /// `response_code` or `rsp_code` when the layout has one.
    pub fn new(schema: &Schema) -> PairOptions {
        PairOptions {
            code: default_code(schema),
            response_when: None,
            requests: Direction::ToServer,
            max_pending: 100_000,
        }
    }

    /// Reads a rule `PATH=VALUE[,VALUE...]` (`header.msg_code=2100,3100`) into
    /// [`PairOptions::response_when`].
    ///
    /// # Errors
    /// A rule without `=`, or a path the layout does not have: the text says why.
    pub fn response_when(
        schema: &Schema,
        rule: &str,
    ) -> std::result::Result<(FieldRef, Vec<String>), String> {
        let (path, values) = rule
            .split_once('=')
            .ok_or_else(|| "give PATH=VALUE[,VALUE...], e.g. header.msg_code=2100".to_owned())?;
        let field = schema.field(path.trim()).map_err(|e| e.to_string())?;
        Ok((
            field,
            values.split(',').map(|v| v.trim().to_owned()).collect(),
        ))
    }
}

/// The default response code field: one named resp_code, response_code or rsp_code.
fn default_code(schema: &Schema) -> Option<FieldRef> {
    let mut found = None;
    for m in schema.messages() {
        for f in m.fields() {
            if matches!(f.name(), "resp_code" | "response_code" | "rsp_code") && !f.is_group() {
                found.get_or_insert_with(|| f.path().to_owned());
            }
        }
    }
    schema.field(&found?).ok()
}

/// How a telegram is told to be a request or a response.
#[derive(Debug)]
enum Roles {
    Field(FieldRef, Vec<String>),
    Direction(Direction),
    /// A telegram whose key waits is its response.
    Waiting,
}

/// Far enough that no request of a capture expires: unanswered requests are reported at
/// the end, not at a deadline.
const NEVER: Duration = Duration::from_secs(100 * 365 * 86_400);

fn key_bytes(key: &Key) -> Vec<u8> {
    let mut out = Vec::new();
    for p in key.parts() {
        out.extend_from_slice(&(p.len() as u32).to_le_bytes());
        out.extend_from_slice(p);
    }
    out
}

/// Requests matched with their responses, telegram by telegram, in capture order.
///
/// # Example
/// ```
/// use fep_core::capture::{Outcome, PairOptions, Pairer};
/// let schema = fep_core::Schema::load("../layouts/firmbanking.layout")?;
/// let request = std::fs::read("../layouts/firmbanking/transfer-request.bin")?;
/// let response = std::fs::read("../layouts/firmbanking/transfer-response.bin")?;
/// let mut p = Pairer::new(&schema, PairOptions::new(&schema), false);
/// // The sample files are framed: a 4-byte length prefix, then the telegram.
/// p.push(&request[4..], 0, None)?;
/// p.push(&response[4..], 304, None)?;
/// let rows = p.into_rows();
/// assert_eq!(rows[0].outcome(), Outcome::Answered);
/// assert_eq!(rows[0].code.as_deref(), Some("0000"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Pairer<'s> {
    schema: &'s Schema,
    table: Correlator<usize>,
    rows: Vec<PairRow>,
    /// Answered requests by key, to tell a second answer from a stray response.
    answered: HashMap<Vec<u8>, usize>,
    code: Option<FieldRef>,
    roles: Roles,
    base: Instant,
    first_ts: Option<Timestamp>,
    unpaired: u64,
}

impl<'s> Pairer<'s> {
    /// A pairer for the telegrams of a capture (`captured`) or of a file of framed
    /// telegrams.
    pub fn new(schema: &'s Schema, options: PairOptions, captured: bool) -> Pairer<'s> {
        let roles = match options.response_when {
            Some((field, values)) => Roles::Field(field, values),
            None if captured => Roles::Direction(options.requests),
            None => Roles::Waiting,
        };
        Pairer {
            schema,
            table: Correlator::new(schema, options.max_pending.max(1), NEVER),
            rows: Vec::new(),
            answered: HashMap::new(),
            code: options.code,
            roles,
            base: Instant::now(),
            first_ts: None,
            unpaired: 0,
        }
    }

    /// The rows so far.
    pub fn rows(&self) -> &[PairRow] {
        &self.rows
    }

    /// Telegrams that could not be paired (each was an error of [`Pairer::push`]).
    pub fn unpaired(&self) -> u64 {
        self.unpaired
    }

    /// The rows, in the order their first telegram came.
    pub fn into_rows(self) -> Vec<PairRow> {
        self.rows
    }

    fn now(&mut self, whence: Option<&Whence>) -> Instant {
        let Some(w) = whence else {
            return self.base;
        };
        let first = *self.first_ts.get_or_insert(w.ts);
        let nanos = (w.ts.unix_nanos() - first.unix_nanos()).max(0) as u64;
        self.base + Duration::from_nanos(nanos)
    }

    /// Takes the next telegram: `offset` is its offset in its file or stream, `whence`
    /// where it was in a capture.
    ///
    /// # Errors
    /// A telegram that cannot be paired: no message matches it, or its key does not read
    /// (the error's offsets are the telegram's own; the caller says where the telegram
    /// is). It is counted in [`Pairer::unpaired`], and pairing goes on.
    pub fn push(&mut self, telegram: &[u8], offset: u64, whence: Option<Whence>) -> Result<()> {
        let r = self.take(telegram, offset, whence);
        if r.is_err() {
            self.unpaired += 1;
        }
        r
    }

    fn take(&mut self, telegram: &[u8], offset: u64, whence: Option<Whence>) -> Result<()> {
        let now = self.now(whence.as_ref());
        let request = match &self.roles {
            Roles::Field(field, values) => {
                let v = self.schema.view(telegram)?;
                match v.str(field) {
                    Ok(text) => !values.iter().any(|x| x == text.trim_end()),
                    Err(_) => true,
                }
            }
            Roles::Direction(d) => whence.as_ref().is_none_or(|w| w.direction == *d),
            Roles::Waiting => {
                // A telegram whose key waits answers it; any other is a request.
                let code = self.code_of(telegram);
                match self.table.complete_at(telegram, now) {
                    Ok(m) => {
                        let (token, name, elapsed) =
                            (m.token, m.response_message.to_owned(), m.elapsed);
                        self.answered.insert(key_bytes(&m.key), token);
                        self.answer(token, name, code, elapsed, whence.is_some());
                        return Ok(());
                    }
                    Err(e) if matches!(e.kind(), ErrorKind::Unmatched { .. }) => true,
                    Err(e) => return Err(e),
                }
            }
        };
        if request {
            self.request(telegram, offset, whence, now)
        } else {
            self.response(telegram, offset, whence, now)
        }
    }

    fn code_of(&self, telegram: &[u8]) -> Option<String> {
        let f = self.code.as_ref()?;
        let v = self.schema.view(telegram).ok()?;
        v.str(f).ok().map(|s| s.trim_end().to_owned())
    }

    fn answer(
        &mut self,
        token: usize,
        name: String,
        code: Option<String>,
        elapsed: Duration,
        timed: bool,
    ) {
        let row = &mut self.rows[token];
        row.responses = 1;
        row.response = Some(name);
        row.code = code;
        if timed && row.whence.is_some() {
            row.latency = Some(elapsed);
        }
    }

    fn request(
        &mut self,
        telegram: &[u8],
        offset: u64,
        whence: Option<Whence>,
        now: Instant,
    ) -> Result<()> {
        let name = self.schema.dispatch(telegram)?.name().to_owned();
        let key = self.table.key(telegram)?;
        let row = self.rows.len();
        let mut result = self.table.insert_at(telegram, row, now, now + NEVER);
        if let Err(r) = &result
            && matches!(r.error.kind(), ErrorKind::DuplicateKey(_))
        {
            // The same key again while the first waits: the first is left unanswered.
            if let Some(old) = self.table.cancel(&key) {
                self.rows[old.token].superseded = true;
            }
            result = self.table.insert_at(telegram, row, now, now + NEVER);
        }
        if let Err(r) = result {
            return Err(r.error);
        }
        self.answered.remove(&key_bytes(&key));
        self.rows.push(PairRow {
            offset,
            whence,
            key: key.text(),
            request: Some(name),
            response: None,
            code: None,
            latency: None,
            responses: 0,
            superseded: false,
            is_request: true,
        });
        Ok(())
    }

    fn response(
        &mut self,
        telegram: &[u8],
        offset: u64,
        whence: Option<Whence>,
        now: Instant,
    ) -> Result<()> {
        let code = self.code_of(telegram);
        match self.table.complete_at(telegram, now) {
            Ok(m) => {
                let (token, name, elapsed) = (m.token, m.response_message.to_owned(), m.elapsed);
                self.answered.insert(key_bytes(&m.key), token);
                self.answer(token, name, code, elapsed, whence.is_some());
                Ok(())
            }
            Err(e) if matches!(e.kind(), ErrorKind::Unmatched { .. }) => {
                let key = self.table.key(telegram).map_err(|_| e)?;
                if let Some(&token) = self.answered.get(&key_bytes(&key)) {
                    // A second answer to a request already answered.
                    self.rows[token].responses += 1;
                    return Ok(());
                }
                let name = self
                    .schema
                    .dispatch(telegram)
                    .ok()
                    .map(|m| m.name().to_owned());
                self.rows.push(PairRow {
                    offset,
                    whence,
                    key: key.text(),
                    request: None,
                    response: name,
                    code,
                    latency: None,
                    responses: 1,
                    superseded: false,
                    is_request: false,
                });
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}
