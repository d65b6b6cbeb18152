//! `collection permit`: the street collection permit, entered from the paper one and shown as a
//! council officer would want to read it, with what is unusual now (outside its days or hours,
//! the return due soon or overdue) on the club's clock.

use clubsync_core::collection::Permit;
use clubsync_core::time_zone::ClubTimeZone;

use super::*;

/// `clubsync collection permit COLLECTION [--field value ...]`.
#[derive(Args, Debug)]
pub struct PermitArgs {
    /// The collection: its id, the start of its id, or part of its title.
    collection: String,
    /// The licensing authority (a council, the police).
    #[arg(long)]
    authority: Option<String>,
    /// The permit's reference.
    #[arg(long)]
    reference: Option<String>,
    /// The first permitted day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    first_day: Option<String>,
    /// The last permitted day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    last_day: Option<String>,
    /// The permitted hours as printed; "10:00-16:00" is checked against the club's clock.
    #[arg(long)]
    hours: Option<String>,
    /// The permitted sites as printed.
    #[arg(long)]
    sites: Option<String>,
    /// The beneficiary printed on the tins.
    #[arg(long)]
    beneficiary: Option<String>,
    /// The permit holder.
    #[arg(long)]
    holder: Option<String>,
    /// The permit's conditions.
    #[arg(long)]
    conditions: Option<String>,
    /// The day the return to the authority is due (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    return_due: Option<String>,
}

/// Sets the fields given (last writer wins per field), then shows the permit.
pub(super) fn permit(context: &Context, args: PermitArgs) -> anyhow::Result<()> {
    let given = Permit {
        authority: args.authority,
        reference: args.reference,
        first_day: args.first_day,
        last_day: args.last_day,
        hours: args.hours,
        sites: args.sites,
        beneficiary: args.beneficiary,
        holder: args.holder,
        conditions: args.conditions,
        return_due: args.return_due,
    };
    let (mut home, membership) = context.club()?;
    let id = pick::document(&home, &membership, KIND, &args.collection)?;
    if given != Permit::default() {
        pick::require_writer(&membership)?;
        home.write(&id, |c: &mut StreetCollection| {
            Ok(c.set_permit(&given, now())?)
        })?;
        writeln!(context.out(), "Permit saved on this device.")?;
    }
    let collection: StreetCollection = home.load(&id)?;
    let p = collection.permit()?;
    let mut out = context.out();
    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    writeln!(out, "Authority:    {}", show(&p.authority))?;
    writeln!(out, "Reference:    {}", show(&p.reference))?;
    writeln!(
        out,
        "Days:         {} to {}",
        show(&p.first_day),
        show(&p.last_day)
    )?;
    writeln!(out, "Hours:        {}", show(&p.hours))?;
    writeln!(out, "Sites:        {}", show(&p.sites))?;
    writeln!(out, "Beneficiary:  {}", show(&p.beneficiary))?;
    writeln!(out, "Holder:       {}", show(&p.holder))?;
    writeln!(out, "Conditions:   {}", show(&p.conditions))?;
    writeln!(out, "Return due:   {}", show(&p.return_due))?;
    drop(out);
    print_warnings(context, &collection, &home.time_zone(&membership))
}

/// The permit's warnings now, one line each (nothing when there are none).
pub(super) fn print_warnings(
    context: &Context,
    collection: &StreetCollection,
    zone: &ClubTimeZone,
) -> anyhow::Result<()> {
    for warning in collection.permit_warnings(now(), zone)? {
        writeln!(context.out(), "Permit: {warning}")?;
    }
    Ok(())
}
