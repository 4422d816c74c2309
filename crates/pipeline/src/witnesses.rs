//! The log asks its witnesses (issue 15): before a response is released,
//! the checkpoint that covers its lookups is submitted to every witness the
//! registry vouches for (C2SP tlog-witness `add-checkpoint`, with a
//! consistency proof from the size the witness last cosigned), and the
//! cosignatures that come back are checked and published with the
//! checkpoint. Without the policy's quorum the run stops before the
//! response (the batch stays `logged` and resumes when run again): fail
//! closed.
//!
//! What a witness last cosigned is read from the checkpoints the ledger
//! published (the latest carrying a valid cosignature by it), not from a
//! table a store writer could edit; a wrong guess costs one round trip,
//! because the witness answers 409 with its size and the submission is
//! repeated from there. A witness that has seen a larger tree than the
//! stored log holds reports a truncated or rolled-back log, and one that
//! refuses the proof (422) a rewritten one: both stop the run.

use crate::changes::Witness;
use crate::error::PipelineError;
use std::time::Duration;
use vouch_ledger::cosignature::add_cosignature;
use vouch_ledger::note::SignedCheckpoint;
use vouch_ledger::witness::AddCheckpoint;
use vouch_ledger::DynLedger;

/// How long one witness may take to answer (connect, send, receive).
pub const WITNESS_TIMEOUT: Duration = Duration::from_secs(10);

/// The most bytes of a witness's answer read.
const ANSWER_BYTES_MAX: u64 = 16 * 1024;

/// Why one witness did not cosign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessFailure {
    /// No answer (connection refused, timeout, TLS).
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// The witness has cosigned a larger tree than the stored log holds:
    /// the log was truncated or rolled back (or forked elsewhere).
    #[error("it cosigned a tree of {witness} leaves, larger than the stored log's {ours}: the log was truncated or rolled back")]
    Ahead {
        /// The witness's size.
        witness: u64,
        /// The stored log's.
        ours: u64,
    },
    /// The witness refused the consistency proof: the stored log is not an
    /// extension of what it cosigned (rewritten or forked).
    #[error("it refused the consistency proof from size {from} (422): the stored log is not an extension of the checkpoint it cosigned")]
    Inconsistent {
        /// The size the proof started from.
        from: u64,
    },
    /// Another refusal (404 unknown log, 403 log key, 400, 5xx).
    #[error("refused with HTTP {status}: {why}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// What the protocol says the status means.
        why: &'static str,
    },
    /// The answer holds no valid cosignature by the witness's key.
    #[error("its answer holds no valid cosignature by its key")]
    BadCosignature,
}

impl WitnessFailure {
    /// Whether the failure says the stored log was tampered with (as
    /// opposed to a witness being down or misconfigured).
    pub fn is_tamper(&self) -> bool {
        matches!(
            self,
            WitnessFailure::Ahead { .. } | WitnessFailure::Inconsistent { .. }
        )
    }
}

/// The size of the latest checkpoint in the ledger carrying a valid
/// cosignature by `witness`, with its timestamp (none: never cosigned).
pub fn last_cosigned(ledger: &DynLedger, witness: &Witness) -> Option<(u64, u64)> {
    ledger.checkpoints().iter().rev().find_map(|cp| {
        witness
            .verifier
            .verify(cp)
            .ok()
            .map(|t| (cp.checkpoint.size, t))
    })
}

/// One witness's answer to one submission.
enum Answer {
    Cosigned(String),
    Conflict(u64),
    Failed(WitnessFailure),
}

fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent(concat!("vouch/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

fn submit(agent: &ureq::Agent, witness: &Witness, body: &str) -> Answer {
    let url = format!("{}/add-checkpoint", witness.url);
    let mut resp = match agent
        .post(&url)
        .header("Content-Type", "text/plain; charset=utf-8")
        .send(body)
    {
        Ok(r) => r,
        Err(e) => return Answer::Failed(WitnessFailure::Unreachable(e.to_string())),
    };
    let status = resp.status().as_u16();
    let text = match resp
        .body_mut()
        .with_config()
        .limit(ANSWER_BYTES_MAX)
        .read_to_string()
    {
        Ok(t) => t,
        Err(e) => return Answer::Failed(WitnessFailure::Unreachable(e.to_string())),
    };
    match status {
        200 => Answer::Cosigned(text),
        409 => match text.trim().parse::<u64>() {
            Ok(size) => Answer::Conflict(size),
            Err(_) => Answer::Failed(WitnessFailure::Refused {
                status,
                why: "409 without a tree size",
            }),
        },
        422 => Answer::Failed(WitnessFailure::Inconsistent { from: 0 }),
        404 => Answer::Failed(WitnessFailure::Refused {
            status,
            why: "the witness does not know this log's origin and key",
        }),
        403 => Answer::Failed(WitnessFailure::Refused {
            status,
            why: "the witness does not accept the log's signature",
        }),
        _ => Answer::Failed(WitnessFailure::Refused {
            status,
            why: "unexpected answer",
        }),
    }
}

/// Asks one witness to cosign `cp`, starting from the size it is believed
/// to have cosigned last (`believed`); on 409 asks once more from the size
/// it names. Returns the checkpoint with the witness's cosignature added.
pub fn ask(
    agent_timeout: Duration,
    ledger: &DynLedger,
    cp: &SignedCheckpoint,
    witness: &Witness,
    believed: u64,
) -> Result<SignedCheckpoint, WitnessFailure> {
    let agent = agent(agent_timeout);
    let ours = cp.checkpoint.size;
    let mut from = believed.min(ours);
    for _ in 0..2 {
        let proof = if from == 0 || from == ours {
            Vec::new()
        } else {
            ledger
                .consistency_proof(from, ours)
                .map_err(|e| WitnessFailure::Unreachable(format!("proof: {e}")))?
        };
        let body = AddCheckpoint {
            old_size: from,
            proof,
            checkpoint: cp.clone(),
        }
        .to_body();
        match submit(&agent, witness, &body) {
            Answer::Cosigned(text) => return cosigned_by(cp, witness, &text),
            Answer::Conflict(size) if size > ours => {
                return Err(WitnessFailure::Ahead {
                    witness: size,
                    ours,
                })
            }
            Answer::Conflict(size) if size != from => from = size,
            // The same size twice: the same size with another root (a fork).
            Answer::Conflict(_) => return Err(WitnessFailure::Inconsistent { from }),
            Answer::Failed(WitnessFailure::Inconsistent { .. }) => {
                return Err(WitnessFailure::Inconsistent { from })
            }
            Answer::Failed(f) => return Err(f),
        }
    }
    Err(WitnessFailure::Refused {
        status: 409,
        why: "the witness's size moved while it was asked",
    })
}

/// `cp` with the lines of `answer` by `witness`'s key added, if at least
/// one verifies (lines by other keys are ignored).
fn cosigned_by(
    cp: &SignedCheckpoint,
    witness: &Witness,
    answer: &str,
) -> Result<SignedCheckpoint, WitnessFailure> {
    let mut out = cp.clone();
    for line in answer.lines().filter(|l| l.starts_with("\u{2014} ")) {
        let Ok(with) = add_cosignature(&out, &format!("{line}\n")) else {
            continue;
        };
        let last = with.signatures().last();
        if last.is_some_and(|s| s.key_name == witness.name)
            && witness.verifier.verify(&with).is_ok()
        {
            out = with;
        }
    }
    if witness.verifier.verify(&out).is_ok() && out.signatures().len() > cp.signatures().len() {
        Ok(out)
    } else {
        Err(WitnessFailure::BadCosignature)
    }
}

/// What asking the witnesses gave.
#[derive(Debug)]
pub struct Cosigned {
    /// The checkpoint with every valid cosignature gathered (published in
    /// the ledger when it gained any).
    pub checkpoint: SignedCheckpoint,
    /// Witnesses whose cosignature it carries.
    pub cosigners: Vec<String>,
    /// The witnesses that did not cosign, and why.
    pub failures: Vec<(String, WitnessFailure)>,
}

/// Gathers cosignatures of `cp` (the ledger's latest checkpoint) from
/// `witnesses` that have not cosigned it yet, asking them in parallel;
/// publishes the checkpoint with those gained; returns what it carries.
pub fn gather(
    ledger: &mut DynLedger,
    cp: SignedCheckpoint,
    witnesses: &[&Witness],
    timeout: Duration,
) -> Result<Cosigned, PipelineError> {
    let (have, missing): (Vec<&Witness>, Vec<&Witness>) = witnesses
        .iter()
        .copied()
        .partition(|w| w.verifier.verify(&cp).is_ok());
    let mut cosigners: Vec<String> = have.iter().map(|w| w.name.clone()).collect();
    let mut failures = Vec::new();
    if missing.is_empty() {
        return Ok(Cosigned {
            checkpoint: cp,
            cosigners,
            failures,
        });
    }
    let believed: Vec<u64> = missing
        .iter()
        .map(|w| last_cosigned(ledger, w).map_or(0, |(s, _)| s))
        .collect();
    let answers: Vec<Result<SignedCheckpoint, WitnessFailure>> = {
        let ledger: &DynLedger = ledger;
        std::thread::scope(|s| {
            let handles: Vec<_> = missing
                .iter()
                .zip(&believed)
                .map(|(w, b)| {
                    let cp = &cp;
                    s.spawn(move || ask(timeout, ledger, cp, w, *b))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(WitnessFailure::Unreachable("the request panicked".into()))
                    })
                })
                .collect()
        })
    };
    let mut out = cp.clone();
    for (w, answer) in missing.iter().zip(answers) {
        match answer {
            Ok(one) => {
                // Each answer extends `cp`: carry its new lines over.
                let extra = &one.text()[cp.text().len()..];
                out = add_cosignature(&out, extra).map_err(|e| PipelineError::Ledger(e.into()))?;
                cosigners.push(w.name.clone());
            }
            Err(f) => failures.push((w.name.clone(), f)),
        }
    }
    if out.signatures().len() > cp.signatures().len() {
        ledger.publish_cosigned(out.clone())?;
    }
    Ok(Cosigned {
        checkpoint: out,
        cosigners,
        failures,
    })
}
