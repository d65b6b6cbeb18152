//! `clubsync petition`: petitions on this device, their signatures and consent to be contacted.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::{ArgGroup, Args, Subcommand};
use clubsync_client::home::title_of;
use clubsync_client::now;
use clubsync_core::document::{DocumentKind, TypedDocument};
use clubsync_core::ids::{ConsentId, SignatureId, TargetId};
use clubsync_core::petition::{
    ConsentMethod, NewConsent, NewPetition, NewSignature, Petition, SignatureSource,
};
use clubsync_protocol::DocumentId;

use super::Context;
use super::parse;
use super::pick::{self, Acting};
use super::terminal_text::safe;

const KIND: DocumentKind = DocumentKind::Petition;

#[derive(Subcommand, Debug)]
pub enum PetitionCommand {
    /// Start a petition: its title, the text people sign, and who it goes to
    ///
    /// The text can be changed until the first signature; from then on it is frozen (its
    /// SHA-256 hash is kept with every signature). The first line printed is
    /// `Created petition <ID> "<title>"`.
    ///
    /// Examples:
    ///   clubsync petition create "Free Them All" --text-file petition.txt --target "Leeds City Council"
    ///   clubsync petition create "Free Them All" --text "We call on ..." --deadline 2026-06-30
    #[command(verbatim_doc_comment)]
    Create(CreateArgs),

    /// Record a signature, and consent to be contacted when the signer gave it
    ///
    /// A signature needs a name and a postcode or a town. Give --consent PURPOSE only when the
    /// signer ticked a separate, unticked box for it, with the version of the exact wording they
    /// saw (--wording-version). Email and phone are never part of the delivery list.
    ///
    /// Examples:
    ///   clubsync petition sign "Free Them All" --name "Kim Ji-woo" --postcode "LS1 4AP"
    ///   clubsync petition sign "Free Them All" --name "Sam Lee" --town Leeds \
    ///     --email sam@example.org --consent campaign_updates --wording-version v2
    #[command(verbatim_doc_comment)]
    Sign(SignArgs),

    /// List the petitions on this device, or show one (text, targets, signatures, flags).
    List {
        /// A petition to show in full: its id, the start of its id, or part of its title.
        petition: Option<String>,
    },
}

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("body").required(true).args(["text", "text_file"])))]
pub struct CreateArgs {
    /// A short title.
    title: String,
    /// The text people sign.
    #[arg(long)]
    text: Option<String>,
    /// A file holding the text people sign (UTF-8).
    #[arg(long, value_name = "FILE")]
    text_file: Option<PathBuf>,
    /// Who the petition is delivered to (a council, a politician); repeat for several.
    #[arg(long = "target", value_name = "NAME")]
    targets: Vec<String>,
    /// No signature is accepted after this time (2026-06-30 or 2026-06-30 17:00, on the club's
    /// clock).
    #[arg(long, value_name = "DATETIME", value_parser = parse_time)]
    deadline: Option<parse::TypedTime>,
}

fn parse_time(text: &str) -> Result<parse::TypedTime, String> {
    parse::datetime(text).map_err(|e| e.to_string())
}

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("place").required(true).multiple(true).args(["postcode", "town"])))]
pub struct SignArgs {
    /// The petition: its id, the start of its id, or part of its title.
    petition: String,
    /// The signer's name.
    #[arg(long)]
    name: String,
    /// The signer's postcode (or give --town).
    #[arg(long)]
    postcode: Option<String>,
    /// The signer's town (or give --postcode).
    #[arg(long)]
    town: Option<String>,
    /// The signer's email, if they gave it.
    #[arg(long)]
    email: Option<String>,
    /// The signer's phone number, if they gave it.
    #[arg(long)]
    phone: Option<String>,
    /// The signer's comment.
    #[arg(long)]
    comment: Option<String>,
    /// The signer agreed to be contacted for PURPOSE (e.g. campaign_updates): only when asked
    /// with a separate, unticked box.
    #[arg(long, value_name = "PURPOSE", requires = "wording_version")]
    consent: Option<String>,
    /// The version of the consent wording the signer saw (e.g. v2).
    #[arg(long, value_name = "VERSION", requires = "consent")]
    wording_version: Option<String>,
    /// Copied from a paper sheet: the sheet's label (give --line too).
    #[arg(long, requires = "line")]
    sheet: Option<String>,
    /// The line on the paper sheet.
    #[arg(long, requires = "sheet")]
    line: Option<i64>,
    #[command(flatten)]
    acting: Acting,
}

pub fn run(context: &Context, command: PetitionCommand) -> anyhow::Result<()> {
    match command {
        PetitionCommand::Create(args) => create(context, args),
        PetitionCommand::Sign(args) => sign(context, args),
        PetitionCommand::List { petition: None } => list(context),
        PetitionCommand::List {
            petition: Some(query),
        } => show(context, &query),
    }
}

fn create(context: &Context, args: CreateArgs) -> anyhow::Result<()> {
    let (mut home, membership) = context.club()?;
    pick::require_writer(&membership)?;
    let text = match (&args.text, &args.text_file) {
        (Some(text), _) => text.clone(),
        (None, Some(path)) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the petition text from {}", path.display()))?,
        (None, None) => bail!("give the text people sign with --text or --text-file"),
    };
    let at = now();
    let zone = home.time_zone(&membership);
    let new = NewPetition {
        club: membership.club_document,
        title: args.title.trim().to_owned(),
        text,
        deadline: args.deadline.map(|t| t.on(&zone)),
        retain_until: None,
    };
    let mut petition = Petition::create(None, &new, at).context("could not create the petition")?;
    for target in &args.targets {
        petition.add_target(TargetId::new_v7(at), target.trim(), at)?;
    }
    let id = DocumentId::random();
    home.create(&membership.club_id, id, &petition)?;
    writeln!(context.out(), "Created petition {id} \"{}\"", new.title)?;
    writeln!(context.out(), "Text hash {}", petition.text_hash()?)?;
    Ok(())
}

fn sign(context: &Context, args: SignArgs) -> anyhow::Result<()> {
    let (mut home, membership) = context.club()?;
    pick::require_writer(&membership)?;
    let id = pick::document(&home, &membership, KIND, &args.petition)?;
    let club = pick::club_if_synced(&home, &membership);
    let collector = pick::acting(&args.acting, &membership, club.as_ref())?;
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let at = now();
    let signature = NewSignature {
        id: SignatureId::new_v7(at),
        name: args.name.trim().to_owned(),
        postcode: given(&args.postcode),
        town: given(&args.town),
        email: given(&args.email),
        phone: given(&args.phone),
        at,
        collector,
        event: None,
        source: match (&args.sheet, args.line) {
            (Some(sheet), Some(line)) => SignatureSource::Paper {
                sheet: sheet.clone(),
                line,
            },
            _ => SignatureSource::Device,
        },
        comment: given(&args.comment),
    };
    let consent = match (&args.consent, &args.wording_version) {
        (Some(purpose), Some(version)) => Some(NewConsent {
            id: ConsentId::new_v7(at),
            person: signature.id.key(),
            purpose: purpose.trim().to_owned(),
            wording_version: version.trim().to_owned(),
            method: if args.sheet.is_some() {
                ConsentMethod::Paper
            } else {
                ConsentMethod::Device
            },
            at,
            collector,
            given: true,
        }),
        (None, None) => None,
        _ => bail!("--consent PURPOSE and --wording-version VERSION go together"),
    };
    let (title, total) = home.write(&id, |p: &mut Petition| {
        p.sign(&signature)?;
        if let Some(consent) = &consent {
            p.record_consent(consent)?;
        }
        Ok((
            title_of(p.automerge()).unwrap_or_default(),
            p.signatures()?.len(),
        ))
    })?;
    writeln!(
        context.out(),
        "Saved signature {} on \"{title}\" ({total} signature{})",
        signature.id,
        if total == 1 { "" } else { "s" }
    )?;
    if let Some(consent) = consent {
        writeln!(
            context.out(),
            "Consent to {} recorded (wording {}).",
            consent.purpose,
            consent.wording_version
        )?;
    }
    Ok(())
}

fn list(context: &Context) -> anyhow::Result<()> {
    let (home, membership) = context.club()?;
    let listed = pick::documents_of_kind(&home, &membership, KIND)?;
    if listed.is_empty() {
        writeln!(
            context.out(),
            "No petitions on this device yet: `clubsync petition create TITLE --text ...` starts \
             one (`clubsync sync` fetches the club's)."
        )?;
        return Ok(());
    }
    writeln!(
        context.out(),
        "{:<28}  {:>10}  {:<10}  title",
        "id",
        "signatures",
        "text"
    )?;
    for d in listed {
        let petition: Petition = home.load(&d.id)?;
        let frozen = if petition.frozen_at()?.is_some() {
            "frozen"
        } else {
            "editable"
        };
        writeln!(
            context.out(),
            "{:<28}  {:>10}  {:<10}  {}",
            d.id,
            petition.signatures()?.len(),
            frozen,
            d.title
        )?;
    }
    Ok(())
}

fn show(context: &Context, query: &str) -> anyhow::Result<()> {
    let (home, membership) = context.club()?;
    let id = pick::document(&home, &membership, KIND, query)?;
    let petition: Petition = home.load(&id)?;
    let zone = home.time_zone(&membership);
    writeln!(
        context.out(),
        "Petition {id} \"{}\"",
        safe(&title_of(petition.automerge()).unwrap_or_default())
    )?;
    match petition.frozen_at()? {
        Some(at) => writeln!(
            context.out(),
            "Text (frozen {}, hash {}):",
            zone.date_time(at),
            petition.text_hash()?
        )?,
        None => writeln!(
            context.out(),
            "Text (editable until the first signature, hash {}):",
            petition.text_hash()?
        )?,
    }
    for line in petition.text()?.lines() {
        writeln!(context.out(), "  {}", safe(line))?;
    }
    let targets = petition.targets()?;
    if !targets.is_empty() {
        writeln!(context.out(), "To: {}", safe(&targets.join("; ")))?;
    }
    if let Some(deadline) = petition.deadline()? {
        writeln!(
            context.out(),
            "Deadline: {} ({})",
            zone.date_time(deadline),
            zone.name()
        )?;
    }
    let signatures = petition.signatures()?;
    let consents = petition.consents()?;
    writeln!(context.out())?;
    writeln!(context.out(), "Signatures: {}", signatures.len())?;
    for s in &signatures {
        let place = s.postcode.as_deref().or(s.town.as_deref()).unwrap_or("-");
        let mut purposes: Vec<String> = consents
            .iter()
            .filter(|c| c.event.person == s.id.key())
            .map(|c| c.event.purpose.clone())
            .filter(|purpose| {
                petition
                    .consent_given(&s.id.key(), purpose)
                    .unwrap_or(false)
            })
            .collect();
        purposes.sort();
        purposes.dedup();
        let consent = if purposes.is_empty() {
            String::new()
        } else {
            format!("  consents: {}", purposes.join(", "))
        };
        writeln!(
            context.out(),
            "  {}  {:<28}  {:<12}{consent}",
            zone.date(s.at),
            safe(&s.name),
            safe(place)
        )?;
    }
    super::flags::print_for_record(context, &petition, petition.flags()?, None)
}
