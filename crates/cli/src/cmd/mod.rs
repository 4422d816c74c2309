//! One module per command.

pub mod bench;
pub mod demo;
pub mod holds;
pub mod incidents;
pub mod index;
pub mod keys;
pub mod ledger;
pub mod model;
pub mod normalize;
pub mod orders;
pub mod policy;
pub mod registry;
pub mod remediation;
pub mod requests;
pub mod serve;
pub mod sign;
pub mod synth;
pub mod verify;
pub mod witness;
pub mod witnesses;

/// The registered official `id` named by `flag` (`--as`, `--approve-as`),
/// acting in permit `P`; else an error naming the flag and the official.
pub fn acting<P: vouch_app::Permit>(
    app: &vouch_app::App<'_>,
    flag: &str,
    id: &str,
) -> anyhow::Result<vouch_app::Acting<P>> {
    app.acting::<P>(id).map_err(|e| match e {
        e @ vouch_app::AppError::NotPermitted { .. } => anyhow::anyhow!("{flag} {e}"),
        other => anyhow::Error::from(other).context(format!("{flag} {id}")),
    })
}

/// `who` proposes `proposal`, signing the statement with the key in
/// `key` (their own, on this machine): it waits for a second administrator.
pub fn propose_signed(
    app: &vouch_app::App<'_>,
    proposal: &vouch_app::Proposal,
    who: &str,
    key: &std::path::Path,
) -> anyhow::Result<vouch_store::RegistryChange> {
    use anyhow::Context;
    use ed25519_dalek::Signer;
    let seed = vouch_formats::keys::read_private_seed(key)?;
    let at = vouch_core::timestamp::now();
    let draft = app.draft(proposal, who, at)?;
    let text = app.change_statement(&draft, vouch_app::Step::Propose, who, draft.proposed_at);
    let sig = ed25519_dalek::SigningKey::from_bytes(&seed).sign(text.as_bytes());
    let step = vouch_app::SignedStep {
        official: who.into(),
        at: draft.proposed_at,
        signature: vouch_formats::keys::encode_base64_line(&sig.to_bytes())
            .trim()
            .into(),
    };
    app.propose(proposal, step)
        .map_err(|e| match e {
            vouch_app::AppError::Invalid { field, why } => {
                anyhow::anyhow!("--{}: {why}", field.replace('_', "-"))
            }
            other => other.into(),
        })
        .with_context(|| format!("--as {who}"))
}

/// Prints where a proposal stands and what happens next.
pub fn print_proposed(c: &vouch_store::RegistryChange) {
    println!(
        "proposed registry change {} ({}): waiting for a second administrator \
         (vouch registry confirm {} --as ADMIN --key FILE)",
        c.id, c.summary, c.id
    );
}
