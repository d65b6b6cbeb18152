//! The web app's writer agrees with core: a corpus of cases generated from core runs in Node
//! against the app's own code (`web/src/schema.ts`, `petitions.ts`, `events.ts`, `money.ts`, `figures.ts`, through
//! `web/conformance/run.mjs`), and every answer is compared with what core does with the same
//! intent.
//!
//! A case is one record a phone would write (a tin issued, a tap, a count, a signature...) on a
//! document in a known state, valid or not. Core's verdict is its own writer on a copy of the
//! document and then the server's rules (`rules::check_changes`) on what that wrote: the server
//! is the authority, so a record core's writer allows but the server refuses counts as refused.
//! The app agrees when both refuse, or when both write and the app's change passes the server's
//! rules and reads back, through core's readers, exactly as core's own record does.
//!
//! Flag resolutions are records too (`resolution`), written by a coordinator.
//!
//! Beside the records: the collection screen's figures against core's reconciliation on the
//! same documents (post-close entries left out), an event's overbooked shifts against core's
//! `Event::flags`, money (digits per currency, formatting, typed
//! amounts) against core's `Currency`, `Money::decimal` and `parse_minor_units`, and the app's
//! reading of a refusal's text (`web/src/refusal.ts`) against the protocol's
//! `refusal::refused_change`.
//!
//! The app is given what its screens give it: this phone's own member and device. A forged
//! member or device is the server's business, tested with foreign clients in `interop_js` and
//! `interop_samod`.

mod collection;
mod event;
mod figures;
mod ledger;
mod money;
mod permit;
mod petition;
mod resolution;
mod sponsorship;
mod world;

use std::collections::BTreeMap;
use std::path::Path;

use automerge::{Automerge, ChangeHash, ROOT, ReadDoc};
use clubsync_core::collection::StreetCollection;
use clubsync_core::document::{DocumentKind, TypedDocument};
use clubsync_core::event::Event;
use clubsync_core::petition::Petition;
use clubsync_core::resolution::Resolvable;
use clubsync_core::rules::{self, Writer};
use clubsync_tests::node;
use serde_json::{Value, json};

use world::World;

/// What core's writer, and then the server's rules, make of a case.
pub enum CoreVerdict {
    /// The document after the record.
    Wrote(Box<Automerge>),
    /// Nothing to write (signing a count twice).
    Unchanged,
    /// Refused, and why.
    Refused(String),
}

/// What a core writer returns, whatever its error type.
pub type Outcome = Result<(), Box<dyn std::error::Error>>;

/// One record a phone would write.
pub struct Case {
    pub name: String,
    /// The app's writer (a key of `ops` in `web/conformance/run.mjs`).
    pub op: &'static str,
    /// Its arguments, as the screen passes them (members by id).
    pub args: Value,
    /// The phone that writes it.
    pub writer: Writer,
    /// The document it is written into (`None` for a new document).
    pub before: Option<Automerge>,
    pub core: CoreVerdict,
}

impl Case {
    /// A record written into `before`: core's `write` on a copy, then the server's rules.
    pub fn on<D: TypedDocument + Clone>(
        name: &str,
        op: &'static str,
        args: Value,
        writer: Writer,
        before: &D,
        write: impl FnOnce(&mut D) -> Outcome,
    ) -> Case {
        let heads = before.heads();
        let mut after = before.clone();
        let core = match write(&mut after) {
            Err(e) => CoreVerdict::Refused(e.to_string()),
            Ok(()) if after.heads() == heads => CoreVerdict::Unchanged,
            Ok(()) => server_verdict(after.automerge(), &heads, &writer),
        };
        Case {
            name: name.into(),
            op,
            args,
            writer,
            before: Some(before.automerge().clone()),
            core,
        }
    }

    /// A new document: core's `create`, then the server's rules on the whole document.
    pub fn new_document(
        name: &str,
        op: &'static str,
        args: Value,
        writer: Writer,
        create: impl FnOnce() -> Result<Automerge, Box<dyn std::error::Error>>,
    ) -> Case {
        let core = match create() {
            Err(e) => CoreVerdict::Refused(e.to_string()),
            Ok(doc) => server_verdict(&doc, &[], &writer),
        };
        Case {
            name: name.into(),
            op,
            args,
            writer,
            before: None,
            core,
        }
    }

    fn file(&self, ext: &str) -> String {
        format!("{}.{ext}", self.name)
    }

    /// The app's document after its change (`None`, with why, if it cannot be read back).
    fn app_after(&self, dir: &Path) -> Result<Automerge, String> {
        let read = |ext: &str| {
            std::fs::read(dir.join(self.file(ext))).map_err(|e| format!("no .{ext} file: {e}"))
        };
        match &self.before {
            None => Automerge::load(&read("doc")?).map_err(|e| format!("unloadable: {e}")),
            Some(before) => {
                let mut doc = before.clone();
                doc.load_incremental(&read("change")?)
                    .map_err(|e| format!("the change does not apply: {e}"))?;
                Ok(doc)
            }
        }
    }

    /// How the app's answer differs from core's, if it does.
    fn divergence(&self, app: &Value, dir: &Path) -> Option<String> {
        let outcome = app["outcome"].as_str().unwrap_or("missing");
        let message = app["message"].as_str().unwrap_or("");
        let heads = self.before.as_ref().map_or(Vec::new(), |b| b.get_heads());
        let checked = || -> Result<Automerge, String> {
            let doc = self.app_after(dir)?;
            rules::check_changes(&doc, &heads, &self.writer)
                .map_err(|r| format!("the server refuses the app's change: {r}"))?;
            Ok(doc)
        };
        match (&self.core, outcome) {
            (CoreVerdict::Refused(_), "refused") | (CoreVerdict::Unchanged, "unchanged") => None,
            (_, "crashed") => Some(format!("the app crashed: {message}")),
            (CoreVerdict::Refused(why), "wrote") => Some(match checked() {
                Err(e) => format!("core refuses ({why}); the app writes it, and {e}"),
                Ok(_) => format!("core refuses ({why}); the app writes it and the server keeps it"),
            }),
            (CoreVerdict::Wrote(_) | CoreVerdict::Unchanged, "refused") => {
                Some(format!("core writes it; the app refuses: {message}"))
            }
            (CoreVerdict::Wrote(core), "wrote") => match checked() {
                Err(e) => Some(e),
                Ok(doc) => {
                    let (core, app) = (reading(core), reading(&doc));
                    (core != app).then(|| {
                        format!(
                            "both write, but it reads back differently:\n{}",
                            differing_lines(&core, &app)
                        )
                    })
                }
            },
            (CoreVerdict::Wrote(_), "unchanged") => {
                Some("core writes it; the app wrote nothing".into())
            }
            (CoreVerdict::Unchanged, "wrote") => {
                Some("core writes nothing; the app wrote a change".into())
            }
            (CoreVerdict::Refused(why), "unchanged") => Some(format!(
                "core refuses ({why}); the app silently wrote nothing"
            )),
            (_, other) => Some(format!("the runner answered {other:?}: {app}")),
        }
    }

    fn core_outcome(&self) -> &'static str {
        match self.core {
            CoreVerdict::Wrote(_) => "wrote",
            CoreVerdict::Unchanged => "unchanged",
            CoreVerdict::Refused(_) => "refused",
        }
    }
}

fn server_verdict(doc: &Automerge, before: &[ChangeHash], writer: &Writer) -> CoreVerdict {
    match rules::check_changes(doc, before, writer) {
        Ok(_) => CoreVerdict::Wrote(Box::new(doc.clone())),
        Err(r) => CoreVerdict::Refused(format!("the server refuses core's own record: {r}")),
    }
}

/// Everything core reads from a document, as text: the root keys and every record.
fn reading(doc: &Automerge) -> String {
    let keys: Vec<String> = doc.keys(ROOT).collect();
    let records = match DocumentKind::of(doc) {
        Ok(DocumentKind::StreetCollection) => match StreetCollection::from_automerge(doc.clone()) {
            Ok(c) => format!(
                "{:#?}",
                (
                    c.title(),
                    c.currency(),
                    c.status(),
                    c.tins(),
                    c.custody_log(),
                    c.donations(),
                    c.counts(),
                    c.ledger(),
                    c.permit(),
                    c.resolutions()
                )
            ),
            Err(e) => format!("unreadable: {e}"),
        },
        Ok(DocumentKind::Event) => match Event::from_automerge(doc.clone()) {
            Ok(e) => format!(
                "{:#?}",
                (
                    e.title(),
                    e.event_type(),
                    e.status(),
                    e.shifts(),
                    e.assignments(),
                    e.resolutions()
                )
            ),
            Err(e) => format!("unreadable: {e}"),
        },
        Ok(DocumentKind::Petition) => match Petition::from_automerge(doc.clone()) {
            Ok(p) => format!(
                "{:#?}",
                (
                    p.text_hash(),
                    p.frozen_at(),
                    p.frozen_hash(),
                    p.signatures(),
                    p.consents(),
                    p.resolutions()
                )
            ),
            Err(e) => format!("unreadable: {e}"),
        },
        Ok(DocumentKind::SponsoredActivity) => {
            match clubsync_core::sponsorship::SponsoredActivity::from_automerge(doc.clone()) {
                Ok(a) => format!(
                    "{:#?}",
                    (
                        a.title(),
                        a.participant(),
                        a.currency(),
                        a.pledges(),
                        a.payments()
                    )
                ),
                Err(e) => format!("unreadable: {e}"),
            }
        }
        other => format!("{other:?}"),
    };
    format!("root keys {keys:?}\n{records}")
}

fn differing_lines(core: &str, app: &str) -> String {
    let (core, app): (Vec<&str>, Vec<&str>) = (core.lines().collect(), app.lines().collect());
    let mut out = String::new();
    for i in 0..core.len().max(app.len()) {
        let (c, a) = (core.get(i).copied(), app.get(i).copied());
        if c != a {
            out.push_str(&format!(
                "  core: {}\n  app:  {}\n",
                c.unwrap_or("-"),
                a.unwrap_or("-")
            ));
        }
    }
    out
}

/// Texts of `error`s, as the server writes them and as a transport may wrap them, with what the
/// protocol reads from each.
fn refusal_texts() -> Vec<(
    String,
    Option<(clubsync_protocol::DocumentId, &'static str)>,
)> {
    use clubsync_protocol::refusal::{parse_refused_change, refused_change};
    let doc = clubsync_protocol::DocumentId::random();
    let why = "donations/0194f1a2: records are never deleted or overwritten (record_deleted): \
               the record was deleted";
    let texts = [
        refused_change(&doc, why),
        format!(
            "the other side reported an error: {}",
            refused_change(&doc, why)
        ),
        format!("document {doc} was reloaded; reconnecting"),
        "this device was revoked by a coordinator".to_owned(),
    ];
    texts
        .into_iter()
        .map(|text| {
            let read =
                parse_refused_change(&text).map(|(d, w)| (d, if w == why { why } else { "?" }));
            (text, read)
        })
        .collect()
}

#[test]
fn the_web_app_writes_what_core_and_the_server_keep() {
    node::require_web_modules();
    let world = World::new();
    let mut cases = collection::cases(&world);
    cases.extend(petition::cases(&world));
    cases.extend(event::cases(&world));
    cases.extend(resolution::cases(&world));
    cases.extend(ledger::cases(&world));
    cases.extend(permit::cases(&world));
    cases.extend(sponsorship::cases(&world));
    let permit_docs = permit::documents(&world);
    let sponsorship_docs = sponsorship::documents(&world);
    let figure_docs = figures::documents(&world);
    let event_docs = event::documents(&world);
    let money = money::Inputs::new();
    let refusals = refusal_texts();

    let dir = tempfile::tempdir().expect("a temporary directory");
    let write = |file: &str, bytes: &[u8]| {
        std::fs::write(dir.path().join(file), bytes).expect("a case file is written");
    };
    write("club.automerge", &world.club.automerge().save());
    let mut spec_cases = Vec::new();
    for case in &cases {
        let before = case.before.as_ref().map(|doc| {
            let file = case.file("before");
            write(&file, &doc.save());
            file
        });
        spec_cases
            .push(json!({ "name": case.name, "op": case.op, "before": before, "args": case.args }));
    }
    let mut figure_files = Vec::new();
    for (name, doc) in &figure_docs {
        let file = format!("{name}.figures");
        write(&file, &doc.automerge().save());
        figure_files.push(file);
    }
    let mut event_files = Vec::new();
    for (name, doc) in &event_docs {
        let file = format!("{name}.event");
        write(&file, &doc.automerge().save());
        event_files.push(file);
    }
    for (name, doc) in &permit_docs {
        write(&format!("{name}.permit"), &doc.automerge().save());
    }
    let mut sponsorship_files = Vec::new();
    for (name, doc) in &sponsorship_docs {
        let file = format!("{name}.sponsorship");
        write(&file, &doc.automerge().save());
        sponsorship_files.push(file);
    }
    let spec = json!({
        "permits": permit::spec(&permit_docs),
        "sponsorships": sponsorship_files,
        "club": "club.automerge",
        "cases": spec_cases,
        "figures": figure_files,
        "events": event_files,
        "money": money.spec(),
        "refusals": refusals.iter().map(|(text, _)| text).collect::<Vec<_>>(),
    });
    write("cases.json", spec.to_string().as_bytes());

    let dir_arg = dir.path().to_string_lossy().into_owned();
    let run = node::run_in(&node::web_dir(), "conformance/run.mjs", &[&dir_arg]);
    assert!(
        run.success,
        "the conformance runner failed:\n{}",
        run.output
    );

    let mut divergences = Vec::new();
    let mut covered: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for case in &cases {
        *covered.entry((case.op, case.core_outcome())).or_default() += 1;
        if let Some(d) = case.divergence(&run.json["cases"][&case.name], dir.path()) {
            divergences.push(format!("{} ({}): {d}", case.name, case.op));
        }
    }
    divergences.extend(figures::divergences(&figure_docs, &run.json["figures"]));
    divergences.extend(event::divergences(&event_docs, &run.json["events"]));
    divergences.extend(permit::divergences(&permit_docs, &run.json["permits"]));
    divergences.extend(sponsorship::divergences(
        &sponsorship_docs,
        &run.json["sponsorships"],
    ));
    divergences.extend(money.divergences(&run.json["money"]));
    for (i, (text, expected)) in refusals.iter().enumerate() {
        let read = &run.json["refusals"][i];
        let app = (!read.is_null()).then(|| {
            (
                read["document"].as_str().unwrap_or_default().to_owned(),
                read["why"].as_str().unwrap_or_default().to_owned(),
            )
        });
        let core = expected.map(|(d, w)| (d.to_string(), w.to_owned()));
        if app != core {
            divergences.push(format!(
                "the refusal {text:?}: the protocol reads {core:?}; the app {app:?}"
            ));
        }
    }
    assert!(
        divergences.is_empty(),
        "the web app and core disagree on {} points:\n\n{}",
        divergences.len(),
        divergences.join("\n\n")
    );

    // The corpus is worth something only if every writer is seen both writing and refused,
    // where core can refuse at all: its `advance_status` takes a `Stage` and never refuses (an
    // event moved to a stage it reached already is seen unchanged instead).
    for case in &cases {
        let outcomes: &[&str] = if case.op == "advanceEvent" {
            &["wrote", "unchanged"]
        } else {
            &["wrote", "refused"]
        };
        for outcome in outcomes.iter().copied() {
            assert!(
                covered.contains_key(&(case.op, outcome)),
                "the corpus has no case where core {outcome} for {}",
                case.op
            );
        }
    }
}

/// The phone app's table of currency decimals is core's list: `CLUBSYNC_BLESS=1` rewrites it.
#[test]
fn the_web_app_knows_the_currencies_core_knows() {
    let path = node::web_dir().join("src/currencies.json");
    let expected = money::currencies_json();
    if std::env::var("CLUBSYNC_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &expected).expect("web/src/currencies.json is written");
    }
    let found = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        found == expected,
        "{} is not core's currency list (core/src/currency.rs): run \
         CLUBSYNC_BLESS=1 cargo test -p clubsync-tests --test web_conformance",
        path.display()
    );
}
