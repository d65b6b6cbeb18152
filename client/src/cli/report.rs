//! `clubsync report`.

use clap::Args;

use super::Context;

#[derive(Args, Debug)]
pub struct ReportArgs {}

pub fn run(context: &Context, args: ReportArgs) -> anyhow::Result<()> {
    let _ = (context, args);
    anyhow::bail!("not built yet")
}
