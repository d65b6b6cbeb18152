//! `clubsync event`.

use clap::Subcommand;

use super::Context;

#[derive(Subcommand, Debug)]
pub enum EventCommand {
    /// List them.
    List,
}

pub fn run(context: &Context, command: EventCommand) -> anyhow::Result<()> {
    let _ = (context, command);
    anyhow::bail!("not built yet")
}
