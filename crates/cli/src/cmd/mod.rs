//! One module per command.

pub mod bench;
pub mod demo;
pub mod holds;
pub mod index;
pub mod keys;
pub mod ledger;
pub mod model;
pub mod normalize;
pub mod policy;
pub mod registry;
pub mod requests;
pub mod serve;
pub mod sign;
pub mod synth;
pub mod verify;

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
