//! `vouch witness`: run a C2SP tlog-witness of one's own (an oversight body
//! beside vouch): make its key once, name the logs it witnesses, serve
//! `POST /add-checkpoint`. Its state is the directory given by `--state`,
//! apart from any vouch state.

use anyhow::{Context, Result};
use std::path::Path;
use std::process::ExitCode;

#[derive(clap::Subcommand, Debug)]
pub enum WitnessCommand {
    /// Make the witness's key (once).
    #[command(subcommand)]
    Keys(WitnessKeys),
    /// Witness a log: its origin line and its verifier key (`vouch ledger public-key`).
    AddLog {
        /// The log's origin, as its checkpoints' first line.
        #[arg(long)]
        origin: String,
        /// The log's C2SP note verifier key.
        #[arg(long)]
        verifier: String,
    },
    /// Print the witness's cosigner key (C2SP tlog-cosignature v1 form).
    PublicKey,
    /// Serve `POST /add-checkpoint` (C2SP tlog-witness).
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8444.
        #[arg(long)]
        listen: String,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum WitnessKeys {
    /// Make the key under the witness's name (never replaces one); prints its cosigner key.
    Init {
        /// The witness's name, a schema-less URL (e.g. tigta.example/witness).
        #[arg(long)]
        name: String,
    },
}

pub fn run(state: &Path, c: WitnessCommand) -> Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    match c {
        WitnessCommand::Keys(WitnessKeys::Init { name }) => {
            let mut seed = [0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
            let vkey = vouch_witness::init_key(state, &name, seed)?;
            println!("{vkey}");
        }
        WitnessCommand::AddLog { origin, verifier } => {
            rt.block_on(async {
                let w = vouch_witness::Witness::open(state).await?;
                w.add_log(&origin, &verifier).await
            })?;
            println!("witnessing {origin}");
        }
        WitnessCommand::PublicKey => {
            println!(
                "{}",
                vouch_witness::load_cosigner(state)?.verifier().to_vkey()
            );
        }
        WitnessCommand::Serve { listen } => {
            rt.block_on(async {
                let w = vouch_witness::Witness::open(state).await?;
                let listener = tokio::net::TcpListener::bind(&listen)
                    .await
                    .with_context(|| format!("--listen {listen}"))?;
                eprintln!("witness {} listening on {listen}", w.verifier().name());
                w.serve(listener).await.context("serving the witness")
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
