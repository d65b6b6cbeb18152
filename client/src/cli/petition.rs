//! `clubsync petition`.

use clap::Subcommand;

use super::Context;

#[derive(Subcommand, Debug)]
pub enum PetitionCommand {
    /// List them.
    List,
}

pub fn run(context: &Context, command: PetitionCommand) -> anyhow::Result<()> {
    let _ = (context, command);
    anyhow::bail!("not built yet")
}
