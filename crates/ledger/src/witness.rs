//! The decision of a C2SP tlog-witness `add-checkpoint` call, apart from
//! HTTP and storage: parse the request body, check it against the logs the
//! witness knows and the latest checkpoint it cosigned for the origin, and
//! cosign. The service that calls [`add_checkpoint`] must store the new
//! latest checkpoint atomically with the check of the old size (a
//! compare-and-swap on it) before it returns the cosignature, as the
//! protocol requires.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::cosignature::Cosigner;
use crate::hash::Hash;
use crate::note::{NoteVerifier, SignedCheckpoint, NOTE_BYTES_MAX};
use crate::proof::verify_consistency;

/// At most this many consistency proof lines (the protocol's limit).
pub const PROOF_LINES_MAX: usize = 63;

/// Limit on a whole request body, in bytes.
pub const BODY_BYTES_MAX: usize = NOTE_BYTES_MAX + 64 + PROOF_LINES_MAX * 45;

/// A parsed `add-checkpoint` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// The size of the latest checkpoint the client believes the witness cosigned.
    pub old_size: u64,
    /// Consistency proof from `old_size` to the checkpoint's size.
    pub proof: Vec<Hash>,
    /// The submitted checkpoint (any number of signatures).
    pub checkpoint: SignedCheckpoint,
}

/// Why the witness refuses, with the HTTP status the protocol gives it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    /// 400: the body breaks the request syntax, or the old size exceeds the
    /// checkpoint's.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// 404: the witness knows no log of this origin.
    #[error("unknown log")]
    UnknownLog,
    /// 403: no signature by a key the witness trusts for the origin verifies.
    #[error("the checkpoint is not signed by the log's key")]
    Forbidden,
    /// 409: the old size is not the size the witness last cosigned, or the
    /// same size carries another root. The body is `latest` and a newline.
    #[error("the witness last cosigned size {latest}")]
    Conflict {
        /// The size of the latest checkpoint the witness cosigned.
        latest: u64,
    },
    /// 422: the consistency proof does not verify.
    #[error("the consistency proof does not verify")]
    BadProof,
}

impl WitnessError {
    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        match self {
            WitnessError::BadRequest(_) => 400,
            WitnessError::UnknownLog => 404,
            WitnessError::Forbidden => 403,
            WitnessError::Conflict { .. } => 409,
            WitnessError::BadProof => 422,
        }
    }
}

impl AddCheckpoint {
    /// Parses a request body: `old N`, proof lines, an empty line, the
    /// checkpoint note.
    pub fn parse(body: &str) -> Result<AddCheckpoint, WitnessError> {
        if body.len() > BODY_BYTES_MAX {
            return Err(WitnessError::BadRequest("body too long"));
        }
        let (old_line, rest) = body
            .split_once('\n')
            .ok_or(WitnessError::BadRequest("no old size line"))?;
        let digits = old_line
            .strip_prefix("old ")
            .ok_or(WitnessError::BadRequest("first line is not `old N`"))?;
        if digits.is_empty()
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || (digits.len() > 1 && digits.starts_with('0'))
        {
            return Err(WitnessError::BadRequest("old size is not a decimal"));
        }
        let old_size: u64 = digits
            .parse()
            .map_err(|_| WitnessError::BadRequest("old size out of range"))?;
        let mut proof = Vec::new();
        let mut rest = rest;
        loop {
            let (line, next) = rest.split_once('\n').ok_or(WitnessError::BadRequest(
                "no empty line before the checkpoint",
            ))?;
            rest = next;
            if line.is_empty() {
                break;
            }
            if proof.len() == PROOF_LINES_MAX {
                return Err(WitnessError::BadRequest("more than 63 proof lines"));
            }
            let raw = STANDARD
                .decode(line)
                .map_err(|_| WitnessError::BadRequest("proof line is not base64"))?;
            let hash = Hash::try_from(raw.as_slice())
                .map_err(|_| WitnessError::BadRequest("proof line is not a 32-byte hash"))?;
            proof.push(hash);
        }
        let checkpoint = SignedCheckpoint::parse(rest)
            .map_err(|_| WitnessError::BadRequest("malformed checkpoint"))?;
        Ok(AddCheckpoint {
            old_size,
            proof,
            checkpoint,
        })
    }

    /// The request body (`parse` reads it back).
    pub fn to_body(&self) -> String {
        let mut s = format!("old {}\n", self.old_size);
        for h in &self.proof {
            s.push_str(&STANDARD.encode(h));
            s.push('\n');
        }
        s.push('\n');
        s.push_str(self.checkpoint.text());
        s
    }
}

/// What the witness last cosigned for a log: size and root.
pub type Latest = (u64, Hash);

/// Decides an `add-checkpoint` request. `trusted` are the keys the witness
/// trusts for the checkpoint's origin (`None`: an unknown origin);
/// `latest` is what it last cosigned for that origin. On success, returns
/// the new latest (to store atomically, conditioned on `latest` being
/// unchanged, before answering) and the cosignature line.
pub fn add_checkpoint(
    request: &AddCheckpoint,
    trusted: Option<&[NoteVerifier]>,
    latest: Option<Latest>,
    cosigner: &Cosigner,
    now_unix: u64,
) -> Result<(Latest, String), WitnessError> {
    let trusted = trusted.ok_or(WitnessError::UnknownLog)?;
    request
        .checkpoint
        .verify_any(trusted)
        .map_err(|_| WitnessError::Forbidden)?;
    let cp = &request.checkpoint.checkpoint;
    if request.old_size > cp.size {
        return Err(WitnessError::BadRequest(
            "old size beyond the checkpoint's size",
        ));
    }
    let (latest_size, latest_root) = latest.unwrap_or((0, [0; 32]));
    if request.old_size != latest_size {
        return Err(WitnessError::Conflict {
            latest: latest_size,
        });
    }
    if request.old_size == cp.size && latest.is_some() {
        if cp.root != latest_root {
            return Err(WitnessError::Conflict {
                latest: latest_size,
            });
        }
        if !request.proof.is_empty() {
            return Err(WitnessError::BadProof);
        }
    } else if request.old_size == 0 {
        if !request.proof.is_empty() {
            return Err(WitnessError::BadProof);
        }
    } else {
        verify_consistency(
            request.old_size,
            cp.size,
            &request.proof,
            &latest_root,
            &cp.root,
        )
        .map_err(|_| WitnessError::BadProof)?;
    }
    let line = cosigner
        .cosign(&request.checkpoint, now_unix)
        .map_err(|_| WitnessError::BadRequest("time beyond the cosignature's range"))?;
    Ok(((cp.size, cp.root), line))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cosignature::add_cosignature;
    use crate::note::Checkpoint;
    use crate::tree::MerkleTree;
    use ed25519_dalek::SigningKey;

    const ORIGIN: &str = "vouch.local/ledger/test";

    struct Log {
        tree: MerkleTree,
        key: SigningKey,
    }

    impl Log {
        fn new() -> Log {
            Log {
                tree: MerkleTree::new(),
                key: SigningKey::from_bytes(&[1; 32]),
            }
        }
        fn grow(&mut self, n: u64) {
            let size = self.tree.size();
            let leaves: Vec<Hash> = (size..size + n)
                .map(|i| crate::hash::leaf_hash(&i.to_be_bytes()))
                .collect();
            self.tree.extend(&leaves);
        }
        fn checkpoint(&self) -> SignedCheckpoint {
            let cp = Checkpoint {
                origin: ORIGIN.into(),
                size: self.tree.size(),
                root: self.tree.root(),
                extensions: vec![],
            };
            SignedCheckpoint::sign(cp, ORIGIN, &self.key).unwrap()
        }
        fn request(&self, old: u64) -> AddCheckpoint {
            let proof = if old == 0 {
                vec![]
            } else {
                self.tree.consistency_proof(old, self.tree.size()).unwrap()
            };
            AddCheckpoint {
                old_size: old,
                proof,
                checkpoint: self.checkpoint(),
            }
        }
        fn verifiers(&self) -> Vec<NoteVerifier> {
            vec![NoteVerifier::from_signing_key(ORIGIN, &self.key).unwrap()]
        }
    }

    fn witness() -> Cosigner {
        Cosigner::new("witness.example/w1", SigningKey::from_bytes(&[2; 32])).unwrap()
    }

    #[test]
    fn a_witness_cosigns_a_first_checkpoint_then_only_consistent_growth() {
        let mut log = Log::new();
        log.grow(5);
        let w = witness();
        let trusted = log.verifiers();
        let first = AddCheckpoint::parse(&log.request(0).to_body()).unwrap();
        let (latest, line) = add_checkpoint(&first, Some(&trusted), None, &w, 1000).unwrap();
        assert_eq!(latest.0, 5);
        let cosigned = add_cosignature(&first.checkpoint, &line).unwrap();
        assert_eq!(w.verifier().verify(&cosigned).unwrap(), 1000);
        log.grow(8);
        let next = AddCheckpoint::parse(&log.request(5).to_body()).unwrap();
        let (latest2, _) = add_checkpoint(&next, Some(&trusted), Some(latest), &w, 1001).unwrap();
        assert_eq!(latest2.0, 13);
        // The same checkpoint again: the same size and root are fine.
        let again = log.request(13);
        assert!(add_checkpoint(&again, Some(&trusted), Some(latest2), &w, 1002).is_ok());
    }

    #[test]
    fn each_refusal_has_the_protocols_status() {
        let mut log = Log::new();
        log.grow(5);
        let w = witness();
        let trusted = log.verifiers();
        let (latest, _) = add_checkpoint(&log.request(0), Some(&trusted), None, &w, 1).unwrap();
        log.grow(3);
        // Unknown origin: 404.
        let e = add_checkpoint(&log.request(5), None, Some(latest), &w, 2).unwrap_err();
        assert_eq!(e.status(), 404);
        // Signed by another key: 403.
        let other = vec![
            NoteVerifier::from_signing_key(ORIGIN, &SigningKey::from_bytes(&[9; 32])).unwrap(),
        ];
        let e = add_checkpoint(&log.request(5), Some(&other), Some(latest), &w, 2).unwrap_err();
        assert_eq!(e.status(), 403);
        // The client thinks the witness is elsewhere: 409 with its size.
        let e = add_checkpoint(&log.request(3), Some(&trusted), Some(latest), &w, 2).unwrap_err();
        assert_eq!(e, WitnessError::Conflict { latest: 5 });
        assert_eq!(e.status(), 409);
        // A proof that does not verify: 422.
        let mut bad = log.request(5);
        bad.proof[0][0] ^= 1;
        let e = add_checkpoint(&bad, Some(&trusted), Some(latest), &w, 2).unwrap_err();
        assert_eq!(e.status(), 422);
        // A fork: the same size as cosigned with another root: 409.
        let mut fork = Log::new();
        fork.grow(4);
        fork.tree.extend(&[[7; 32]]);
        let e = add_checkpoint(&fork.request(0), Some(&trusted), Some(latest), &w, 2).unwrap_err();
        assert_eq!(e.status(), 409);
        let mut same = fork.request(5);
        same.proof.clear();
        let e = add_checkpoint(&same, Some(&trusted), Some(latest), &w, 2).unwrap_err();
        assert_eq!(e, WitnessError::Conflict { latest: 5 });
        // A log rolled back below what was cosigned: 400 (old size beyond).
        let mut small = Log::new();
        small.grow(2);
        let mut back = small.request(0);
        back.old_size = 5;
        let e = add_checkpoint(&back, Some(&trusted), Some(latest), &w, 2).unwrap_err();
        assert_eq!(e.status(), 400);
    }

    #[test]
    fn the_request_body_is_parsed_strictly() {
        let mut log = Log::new();
        log.grow(6);
        let body = log.request(3).to_body();
        assert_eq!(AddCheckpoint::parse(&body).unwrap(), log.request(3));
        for bad in [
            body.replacen("old 3", "old 03", 1),
            body.replacen("old 3", "old -3", 1),
            body.replacen("old 3", "older 3", 1),
            body.replacen("\n\n", "\n", 1),
            body.replacen("old 3\n", "old 3\n!!!!\n", 1),
            format!(
                "old 3\n{}\n{}",
                "AAAA\n".repeat(64),
                log.checkpoint().text()
            ),
        ] {
            assert_eq!(
                AddCheckpoint::parse(&bad).unwrap_err().status(),
                400,
                "{bad}"
            );
        }
    }
}
