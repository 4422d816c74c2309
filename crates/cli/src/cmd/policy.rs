//! `vouch policy`: show, activate and explain the policy.

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use time::format_description::well_known::Rfc3339;
use vouch_core::ReasonCode;
use vouch_policy::PolicyConfig;
use vouch_store::{PolicyActivation, Role, HOME_AGENCY};

#[derive(clap::Subcommand, Debug)]
pub enum PolicyCommand {
    /// Print the active policy file (the defaults of policy.md until one is activated).
    Show,
    /// Validate a policy file and make it the active one; needs a reason and an officer.
    Activate {
        /// The TOML policy file.
        file: PathBuf,
        /// Why the policy changes (kept in the audit trail).
        #[arg(long)]
        reason: String,
        /// The disclosure officer or administrator making the change.
        #[arg(long = "as")]
        officer: String,
    },
    /// List every policy activation: who, when, why, which version.
    History,
    /// Print a reason code's rule, its source and an example.
    Explain {
        /// A reason code, e.g. ADDRESS_INCOMPLETE.
        code: String,
    },
}

pub fn run(state: &Path, c: PolicyCommand) -> Result<ExitCode> {
    match c {
        PolicyCommand::Show => {
            let store = crate::state::open(state)?;
            let p = vouch_pipeline::active_policy(&store)?;
            println!("# active version: {}", p.version());
            print!("{}", p.to_toml());
        }
        PolicyCommand::Activate {
            file,
            reason,
            officer,
        } => activate(state, &file, &reason, &officer)?,
        PolicyCommand::History => {
            for a in crate::state::open(state)?.policy_history()? {
                println!("{}\t{}\t{}\t{}", a.at, a.version, a.officer, a.reason);
            }
        }
        PolicyCommand::Explain { code } => {
            let c = ReasonCode::parse(&code)
                .with_context(|| format!("{code}: not a reason code; known: {}", known()))?;
            println!(
                "{}\n  rule:    {}\n  source:  {}\n  level:   {:?}\n  example: {}",
                c.as_str(),
                c.rule(),
                c.source(),
                c.level(),
                example(c)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn activate(state: &Path, file: &Path, reason: &str, officer: &str) -> Result<()> {
    if reason.split_whitespace().count() < 3 {
        bail!("--reason: say why the policy changes, in a sentence");
    }
    let store = crate::state::open(state)?;
    let ok = matches!(store.official(officer)?, Some(o) if o.agency == HOME_AGENCY
        && matches!(o.role, Role::DisclosureOfficer | Role::Administrator));
    if !ok {
        bail!("--as {officer}: not a registered disclosure officer or administrator of the tax agency");
    }
    let bytes = vouch_formats::keys::read_bounded(
        file,
        vouch_policy::config::POLICY_FILE_BYTES_MAX as u64,
    )?;
    let text =
        String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("{}: not UTF-8", file.display()))?;
    let p = PolicyConfig::from_toml(&text).with_context(|| file.display().to_string())?;
    let activation = PolicyActivation {
        at: time::OffsetDateTime::now_utc()
            .format(&Rfc3339)
            .unwrap_or_default(),
        officer: officer.to_string(),
        reason: reason.to_string(),
        version: p.version(),
        sha256: hex::encode(Sha256::digest(text.as_bytes())),
    };
    store.activate_policy(&text, &activation)?;
    println!("activated policy {} ({}) by {officer}", p.version(), p.name);
    Ok(())
}

fn known() -> String {
    ReasonCode::ALL
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A short example of a subject or request that fails the rule.
fn example(c: ReasonCode) -> &'static str {
    use ReasonCode::*;
    match c {
        SignatureInvalid => "request.json changed after it was signed",
        SignerNotAuthorized => "a letter signed by a special agent instead of the agency head",
        PathwayUnsupported => "\"pathway\": \"6103(i)(1)\" without a court order",
        ScopeRequiresCourtOrder => "\"requested_items\": [\"address_confirmation\", \"employer\"]",
        StatuteNotAllowed => "\"investigation\": \"civil\"",
        PeriodsInvalid => "\"taxable_periods\": [2025] in a request submitted in 2025",
        RecipientsMissing => {
            "one official named as engaged in every one of 1.28 million investigations, or none"
        }
        AttestationMissing => "\"attestation\": \"\"",
        SafeguardsNotCurrent => {
            "an agency whose Safeguard Security Report approval is four years old"
        }
        AiNotificationMissing => "\"ai_analysis\": true with no notification on file",
        SubmittedInFuture => "\"submitted_at\" a week after the request arrived",
        NameMissing => "first_name FNU",
        AddressIncomplete => "street \"Don't Care\" with ZIP 12345",
        ANumberInvalid => "a_number 12345678 (no A)",
        OrderDateMissing => "final_order_date empty or 2099-01-01",
        OrderUnder90Days => "a final order 30 days before submitted_at",
        CaseNumberMissing => "case_number N/A",
        RelevanceMissing => "relevance \"relevant\"",
        DuplicateSubject => "the same A-number on two rows of one request",
        RepeatInquiry => "the same person asked about again by the same agency two months later",
        AddressProbing => "the same person asked about at a second address three months later",
        AddressFanout => "a fifth different person asked about at one address within a year",
        DobInvalid => "dob 1980-02-30",
        TinInvalid => "tin 12345",
        _ => "see policy.md",
    }
}
