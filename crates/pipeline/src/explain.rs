//! Explanations recorded at lookup time: for every subject looked up, the
//! best candidate's match weight term by term (the prior, one level and
//! weight per comparison, the total, the runner-up) and the threshold it
//! was judged against — what the console's waterfall shows. Nothing is
//! matched again to explain a decision, so an explanation is always the
//! one that was made, and it exists only for lookups.
//!
//! They are kept with the request as documents `explain:K`, each holding
//! the lookups of subjects `K * CHUNK_SUBJECTS ..` (so a batch of millions
//! is a few dozen documents and one explanation reads one of them). A
//! document is encrypted and authenticated (ChaCha20-Poly1305 with a key
//! of the service kept outside the store, the request id and chunk number as
//! associated data):
//! levels say how a taxpayer's record compared, which is return
//! information, and a document moved to another request or altered does
//! not decrypt. Levels and weights only: no name, address, TIN or date.

use crate::error::PipelineError;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;
use vouch_match::model::COMPARISONS;
use vouch_match::Explanation;
use vouch_store::StateStore;

/// Subjects per explanation document.
pub const CHUNK_SUBJECTS: usize = 1 << 16;
const MAGIC: &[u8; 4] = b"VXE1";
const HEADER_BYTES: usize = 4 + 8 + 4;
const ENTRY_BYTES: usize = 4 + 5 + 1 + 4 * 5 + 4 * 4;
const NONCE_BYTES: usize = 12;

/// One recorded explanation.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    /// The weights, term by term.
    pub explanation: Explanation,
    /// The confirmation threshold the total was judged against.
    pub threshold: f64,
}

impl Recorded {
    /// Each comparison's name, level name and weight, in the model's order.
    pub fn terms(&self) -> Vec<(&'static str, &'static str, f64)> {
        COMPARISONS
            .iter()
            .map(|c| {
                let i = *c as usize;
                let level = c
                    .levels()
                    .get(self.explanation.levels[i] as usize)
                    .copied()
                    .unwrap_or("?");
                (c.name(), level, f64::from(self.explanation.weights[i]))
            })
            .collect()
    }
}

fn doc_name(chunk: usize) -> String {
    format!("explain:{chunk}")
}

fn cipher(key: &[u8; 32]) -> ChaCha20Poly1305 {
    ChaCha20Poly1305::new(Key::from_slice(key))
}

fn aad(request_id: &str, chunk: usize) -> Vec<u8> {
    format!("vouch explanations v1\n{request_id}\n{chunk}").into_bytes()
}

fn encode(threshold: f64, entries: &[(u32, Explanation)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_BYTES + entries.len() * ENTRY_BYTES);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&threshold.to_le_bytes());
    out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    for (pos, e) in entries {
        out.extend_from_slice(&pos.to_le_bytes());
        out.extend_from_slice(&e.levels);
        out.push(u8::from(e.surname_tf));
        for w in e.weights {
            out.extend_from_slice(&w.to_le_bytes());
        }
        for v in [e.prior, e.swap, e.total, e.runner_up] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out
}

fn f32_at(b: &[u8], at: usize) -> f32 {
    let mut x = [0u8; 4];
    x.copy_from_slice(&b[at..at + 4]);
    f32::from_le_bytes(x)
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut x = [0u8; 4];
    x.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(x)
}

/// A document's contents: the threshold and each lookup's position and weights.
type Chunk = (f64, Vec<(u32, Explanation)>);

/// Reads a decrypted document; `None` when it is not what [`encode`] writes.
fn decode(b: &[u8]) -> Option<Chunk> {
    if b.len() < HEADER_BYTES || &b[..4] != MAGIC {
        return None;
    }
    let mut t = [0u8; 8];
    t.copy_from_slice(&b[4..12]);
    let threshold = f64::from_le_bytes(t);
    let n = u32_at(b, 12) as usize;
    if b.len() != HEADER_BYTES + n.checked_mul(ENTRY_BYTES)? {
        return None;
    }
    let entries = b[HEADER_BYTES..]
        .chunks_exact(ENTRY_BYTES)
        .map(|e| {
            let mut levels = [0u8; 5];
            levels.copy_from_slice(&e[4..9]);
            let mut weights = [0f32; 5];
            for (i, w) in weights.iter_mut().enumerate() {
                *w = f32_at(e, 10 + 4 * i);
            }
            let x = Explanation {
                prior: f32_at(e, 30),
                levels,
                weights,
                surname_tf: e[9] != 0,
                swap: f32_at(e, 34),
                total: f32_at(e, 38),
                runner_up: f32_at(e, 42),
            };
            (u32_at(e, 0), x)
        })
        .collect();
    Some((threshold, entries))
}

fn seal(
    key: &[u8; 32],
    request_id: &str,
    chunk: usize,
    plain: &[u8],
) -> Result<Vec<u8>, PipelineError> {
    let mut nonce = [0u8; NONCE_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let sealed = cipher(key)
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plain,
                aad: &aad(request_id, chunk),
            },
        )
        .map_err(|_| PipelineError::Inconsistent {
            request_id: request_id.into(),
            why: "explanations could not be encrypted".into(),
        })?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Reads and decrypts chunk `chunk`; `Ok(None)` when none was stored.
fn open_chunk(
    store: &dyn StateStore,
    key: &[u8; 32],
    request_id: &str,
    chunk: usize,
) -> Result<Option<Chunk>, PipelineError> {
    let Some(doc) = store.request_blob(request_id, &doc_name(chunk))? else {
        return Ok(None);
    };
    let damaged = || PipelineError::Inconsistent {
        request_id: request_id.into(),
        why: format!("explanation document {chunk} is damaged or not this request's"),
    };
    if doc.len() < NONCE_BYTES {
        return Err(damaged());
    }
    let (nonce, sealed) = doc.split_at(NONCE_BYTES);
    let plain = cipher(key)
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: &aad(request_id, chunk),
            },
        )
        .map_err(|_| damaged())?;
    decode(&plain).map(Some).ok_or_else(damaged)
}

/// Records the explanations of a batch's fresh lookups (`explained`: each
/// looked-up subject's position in the batch and its weights, in position
/// order). Entries already stored for other positions of a chunk are kept.
pub(crate) fn record(
    store: &dyn StateStore,
    key: &[u8; 32],
    request_id: &str,
    threshold: f64,
    explained: &[(u32, Explanation)],
) -> Result<(), PipelineError> {
    let mut start = 0;
    while start < explained.len() {
        let chunk = explained[start].0 as usize / CHUNK_SUBJECTS;
        let end = start
            + explained[start..]
                .iter()
                .take_while(|(p, _)| *p as usize / CHUNK_SUBJECTS == chunk)
                .count();
        let fresh = &explained[start..end];
        let mut entries: Vec<(u32, Explanation)> = match open_chunk(store, key, request_id, chunk)?
        {
            Some((_, old)) => old
                .into_iter()
                .filter(|(p, _)| fresh.binary_search_by_key(p, |(q, _)| *q).is_err())
                .collect(),
            None => Vec::new(),
        };
        entries.extend_from_slice(fresh);
        entries.sort_by_key(|(p, _)| *p);
        let sealed = seal(key, request_id, chunk, &encode(threshold, &entries))?;
        store.put_request_blob(request_id, &doc_name(chunk), &sealed)?;
        start = end;
    }
    Ok(())
}

/// The explanation recorded for the subject at `position` of a request,
/// if its lookup scored a candidate.
pub fn recorded(
    store: &dyn StateStore,
    key: &[u8; 32],
    request_id: &str,
    position: usize,
) -> Result<Option<Recorded>, PipelineError> {
    let Some((threshold, entries)) = open_chunk(store, key, request_id, position / CHUNK_SUBJECTS)?
    else {
        return Ok(None);
    };
    let Ok(pos) = u32::try_from(position) else {
        return Ok(None);
    };
    Ok(entries
        .binary_search_by_key(&pos, |(p, _)| *p)
        .ok()
        .map(|i| Recorded {
            explanation: entries[i].1,
            threshold,
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(total: f32) -> Explanation {
        Explanation {
            prior: -20.5,
            levels: [0, 1, 2, 3, 0],
            weights: [4.0, 5.5, -1.0, 0.25, 9.0],
            surname_tf: true,
            swap: 0.0,
            total,
            runner_up: f32::NAN,
        }
    }

    #[test]
    fn documents_round_trip_bit_for_bit() {
        let entries = vec![(3, ex(1.0)), (70_000, ex(-2.0))];
        let (t, back) = decode(&encode(6.5, &entries)).unwrap();
        assert_eq!(t, 6.5);
        assert_eq!(back.len(), 2);
        for ((p, a), (q, b)) in entries.iter().zip(&back) {
            assert_eq!(p, q);
            assert_eq!(a.levels, b.levels);
            assert_eq!(a.weights, b.weights);
            assert_eq!(a.total, b.total);
            assert!(b.runner_up.is_nan());
        }
        assert!(decode(&encode(6.5, &entries)[..20]).is_none());
        assert!(decode(b"VXE0\0\0\0\0\0\0\0\0\0\0\0\0").is_none());
    }
}
