//! `vouch model show`: the matching model beside an index, every field and
//! level with its m and u probabilities and log2 match weight.

use anyhow::Result;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand, Debug)]
pub enum ModelCommand {
    /// Print the weight of every field and level.
    Show {
        /// The index directory.
        #[arg(long)]
        index: PathBuf,
    },
}

pub fn run(c: ModelCommand) -> Result<ExitCode> {
    let ModelCommand::Show { index } = c;
    let ix = vouch_match::MasterIndex::load(&index)?;
    print!("{}", vouch_match::model_report(ix.model()));
    Ok(ExitCode::SUCCESS)
}
