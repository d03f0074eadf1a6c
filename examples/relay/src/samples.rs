//! The telegrams the example exchanges: the bundled firm-banking transfer request, numbered,
//! and the transfer response answering it.

use std::ops::Range;

use bytes::BytesMut;
use fep_core::{Framer, Schema};

/// An error of loading the samples.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

const LAYOUT: &str = include_str!("../../../layouts/firmbanking.layout");
const REQUEST: &[u8] = include_bytes!("../../../layouts/firmbanking/transfer-request.bin");
const RESPONSE: &[u8] = include_bytes!("../../../layouts/firmbanking/transfer-response.bin");

/// The bundled firm-banking layout and its transfer samples, with the byte ranges needed to
/// number a request and to answer one, all read from the layout (no offsets written here).
#[derive(Debug, Clone)]
pub struct Samples {
    schema: Schema,
    request: Vec<u8>,
    response: Vec<u8>,
    /// `header.seq_no` in the request.
    seq_no: Range<usize>,
    /// The key fields: their range in the request and in the response.
    key_fields: Vec<(Range<usize>, Range<usize>)>,
}

impl Samples {
    /// The bundled layout and samples (compiled into the binary).
    ///
    /// # Errors
    /// A layout or sample that does not parse (never, for the bundled ones).
    pub fn bundled() -> Result<Samples, BoxError> {
        let schema = Schema::parse(LAYOUT)?;
        let unframe = |framed: &[u8]| -> Result<Vec<u8>, BoxError> {
            let mut buf = BytesMut::from(framed);
            let frame = Framer::new(&schema).next_frame(&mut buf)?;
            Ok(frame
                .ok_or("a sample shorter than its frame")?
                .telegram
                .to_vec())
        };
        let request = unframe(REQUEST)?;
        let response = unframe(RESPONSE)?;
        let range = |telegram: &[u8], path: &str| -> Result<Range<usize>, BoxError> {
            let m = schema.dispatch(telegram)?;
            let f = m.fields().find(|f| f.path() == path);
            let r = f.and_then(|f| f.offset().map(|o| o..o + f.width()));
            Ok(r.ok_or_else(|| format!("message \"{}\" has no fixed field {path}", m.name()))?)
        };
        let seq_no = range(&request, "header.seq_no")?;
        let key_fields = schema
            .key_paths()
            .map(|p| Ok((range(&request, p)?, range(&response, p)?)))
            .collect::<Result<Vec<_>, BoxError>>()?;
        Ok(Samples {
            schema: schema.clone(),
            request,
            response,
            seq_no,
            key_fields,
        })
    }

    /// The layout.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// How many distinct telegram numbers a request can carry (`header.seq_no` is `9(6)`).
    pub fn numbers(&self) -> u64 {
        10u64.pow(self.seq_no.len() as u32)
    }

    /// The transfer request with telegram number `n` (modulo [`numbers`](Samples::numbers)):
    /// its key is its own as long as fewer than that many are pending.
    pub fn request(&self, n: u64) -> Vec<u8> {
        let mut t = self.request.clone();
        let width = self.seq_no.len();
        let digits = format!("{:0width$}", n % self.numbers());
        t[self.seq_no.clone()].copy_from_slice(digits.as_bytes());
        t
    }

    /// The transfer response answering `request`: the response sample with the request's
    /// key fields copied in. `None` when the request is too short to hold them.
    pub fn respond(&self, request: &[u8]) -> Option<Vec<u8>> {
        let mut t = self.response.clone();
        for (from, to) in &self.key_fields {
            t[to.clone()].copy_from_slice(request.get(from.clone())?);
        }
        Some(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_response_carries_its_requests_key() {
        let s = Samples::bundled().expect("samples");
        let req = s.request(4711);
        let res = s.respond(&req).expect("response");
        let key = s.schema().key(&req).expect("key");
        assert!(key.ends_with("|004711"), "{key}");
        assert_eq!(s.schema().key(&res).expect("key"), key);
        assert_eq!(s.schema().decode(&req).expect("decodes").name(), "transfer");
        let m = s.schema().decode(&res).expect("decodes");
        assert_ne!(s.schema().decode(&req).expect("decodes"), m);
    }
}
