//! `vouch policy`: show, activate and explain the policy.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use vouch_app::{App, AppError, PolicyOwner};
use vouch_core::ReasonCode;

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
        /// The disclosure officer or administrator making (once the
        /// registry is sealed: proposing) the change.
        #[arg(long = "as")]
        officer: String,
        /// Once the registry is sealed: the proposer's own key file (a
        /// second person, an administrator, confirms it).
        #[arg(long)]
        key: Option<PathBuf>,
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
            let p = App::new(store.as_ref()).active_policy()?;
            println!("# active version: {}", p.version());
            print!("{}", p.to_toml());
        }
        PolicyCommand::Activate {
            file,
            reason,
            officer,
            key,
        } => activate(state, &file, &reason, &officer, key.as_deref())?,
        PolicyCommand::History => {
            for a in crate::state::open(state)?.policy_history()? {
                let at = vouch_core::timestamp::format(a.at);
                println!("{at}\t{}\t{}\t{}", a.version, a.officer, a.reason);
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

fn activate(
    state: &Path,
    file: &Path,
    reason: &str,
    officer: &str,
    key: Option<&Path>,
) -> Result<()> {
    let store = crate::state::open(state)?;
    let app = App::new(store.as_ref());
    let officer = super::acting::<PolicyOwner>(&app, "--as", officer)?;
    let bytes = vouch_formats::keys::read_bounded(
        file,
        vouch_policy::config::POLICY_FILE_BYTES_MAX as u64,
    )?;
    let text =
        String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("{}: not UTF-8", file.display()))?;
    if let Some(key) = key {
        let p = vouch_app::Proposal::Policy {
            text,
            reason: reason.into(),
        };
        super::print_proposed(&super::propose_signed(&app, &p, officer.id(), key)?);
        return Ok(());
    }
    let p = match app.activate_policy(&officer, &text, reason) {
        Ok(p) => p,
        Err(AppError::Invalid {
            field: "reason",
            why,
        }) => anyhow::bail!("--reason: {why}"),
        Err(AppError::Invalid {
            field: "policy",
            why,
        }) => {
            anyhow::bail!("{}: {why}", file.display())
        }
        Err(e) => return Err(e.into()),
    };
    println!(
        "activated policy {} ({}) by {}",
        p.version(),
        p.name,
        officer.id()
    );
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
        StaleRequest => "a letter dated 18 months before it was received",
        NameMissing => "first_name FNU",
        AddressIncomplete => "street \"Don't Care\" with ZIP 12345",
        ANumberInvalid => "a_number 12345678 (no A)",
        OrderDateMissing => "final_order_date empty or 2099-01-01",
        OrderUnder90Days => "a final order 30 days before submitted_at",
        CaseNumberMissing => "case_number N/A",
        RelevanceMissing => "relevance \"relevant\"",
        DuplicateSubject => "JOSE GARCIA and GARCIA, JOSE JR at two addresses in one request",
        RepeatInquiry => "the same person asked about again by the same agency two months later",
        AddressProbing => "the same person asked about at a second address three months later",
        AddressFanout => "a fifth different person asked about at one address within a year",
        ANumberConflict => "an A-number asked with Ann Lee last month, now with Juan Perez",
        DobInvalid => "dob 1980-02-30",
        TinInvalid => "tin 12345",
        _ => "see policy.md",
    }
}
