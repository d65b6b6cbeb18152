//! `clubsync collection`.

use clap::Subcommand;

use super::Context;

#[derive(Subcommand, Debug)]
pub enum CollectionCommand {
    /// List them.
    List,
}

pub fn run(context: &Context, command: CollectionCommand) -> anyhow::Result<()> {
    let _ = (context, command);
    anyhow::bail!("not built yet")
}
