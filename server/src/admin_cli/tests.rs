//! The admin commands told as one story on a temporary data directory, plus the parts.

use clap::{CommandFactory, Parser};
use clubsync_core::store::{DocumentStore, SqliteStore};
use clubsync_server::storage::DOCUMENTS_FILE;

use super::*;
use crate::admin_cli::ttl::{human_duration, parse_ttl};

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: AdminCommand,
}

const NOW: i64 = 1_795_600_000_000;

fn run_line(data_dir: &Path, line: &[&str]) -> anyhow::Result<String> {
    let cli = Cli::try_parse_from(std::iter::once("clubsync-server").chain(line.iter().copied()))?;
    let mut out = Vec::new();
    execute(cli.command, data_dir, NOW, &mut out)?;
    Ok(String::from_utf8(out).expect("utf-8 output"))
}

#[test]
fn the_command_line_is_well_formed() {
    Cli::command().debug_assert();
}

#[test]
fn ttls_parse_in_minutes_hours_days_and_weeks() {
    assert_eq!(parse_ttl("30m"), Ok(Duration::from_secs(1800)));
    assert_eq!(parse_ttl("12h"), Ok(Duration::from_secs(12 * 3600)));
    assert_eq!(parse_ttl("7d"), Ok(Duration::from_secs(7 * 86_400)));
    assert_eq!(parse_ttl("2w"), Ok(Duration::from_secs(14 * 86_400)));
    for bad in ["", "7", "d", "7 days", "-1d", "0m", "91d", "7x"] {
        assert!(parse_ttl(bad).is_err(), "{bad:?}");
    }
    assert_eq!(human_duration(Duration::from_secs(7 * 86_400)), "7 days");
    assert_eq!(human_duration(Duration::from_secs(3600)), "1 hour");
}

#[test]
fn init_club_invite_devices_revoke_backup() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");

    // 1. Commands other than init refuse a data directory that was never initialised.
    let err = run_line(&data, &["club", "list"]).expect_err("not initialised");
    assert!(err.to_string().contains("clubsync-server init"), "{err}");

    // 2. init, twice.
    assert!(
        run_line(&data, &["init"])
            .expect("init")
            .contains("Initialised")
    );
    assert!(
        run_line(&data, &["init"])
            .expect("init again")
            .contains("already initialised")
    );

    // 3. A club, with its club document in the document store.
    let out = run_line(
        &data,
        &[
            "club",
            "create",
            "Leeds Uni",
            "--country",
            "gb",
            "--currency",
            "gbp",
        ],
    )
    .expect("club created");
    assert!(out.contains("Created club \"Leeds Uni\""), "{out}");
    let identity = IdentityStore::open_existing(&data).expect("open");
    let club = identity
        .find_club_by_name("leeds uni")
        .expect("query")
        .expect("the club");
    let store = SqliteStore::open(data.join(DOCUMENTS_FILE)).expect("document store");
    assert!(
        store.load(&club.club_document).expect("load").is_some(),
        "club document stored"
    );
    let err = run_line(
        &data,
        &[
            "club",
            "create",
            "LEEDS UNI",
            "--country",
            "GB",
            "--currency",
            "GBP",
        ],
    )
    .expect_err("name taken");
    assert!(err.to_string().contains("already exists"), "{err}");
    assert!(
        run_line(&data, &["club", "list"])
            .expect("list")
            .contains("Leeds Uni")
    );

    // 4. An invite, redeemed by a device.
    let out = run_line(
        &data,
        &[
            "invite",
            "--club",
            "Leeds Uni",
            "--role",
            "volunteer",
            "--name",
            "Asha",
            "--ttl",
            "12h",
        ],
    )
    .expect("invite");
    assert!(
        out.contains("as volunteer") && out.contains("12 hours"),
        "{out}"
    );
    let code = out.lines().nth(2).expect("the code line").trim().to_owned();
    let (device, _token) = identity
        .redeem_invite(&code, "Asha's phone", NOW + 1)
        .expect("redeemed");

    // 5. The device is listed, then revoked, then listed as revoked.
    let out = run_line(&data, &["devices", "--club", &club.id.to_string()]).expect("devices");
    assert!(
        out.contains("Asha's phone") && out.contains("active"),
        "{out}"
    );
    let out = run_line(&data, &["revoke", &device.id.to_string()]).expect("revoke");
    assert!(out.contains("Revoked device"), "{out}");
    assert!(
        run_line(&data, &["revoke", &device.id.to_string()])
            .expect("again")
            .contains("already revoked")
    );
    assert!(
        run_line(&data, &["devices", "--club", "Leeds Uni"])
            .expect("devices")
            .contains("REVOKED")
    );

    // 6. Another device for the same member.
    let member = device.member.to_string();
    let out = run_line(
        &data,
        &["invite", "--club", "Leeds Uni", "--member", &member],
    )
    .expect("device invite");
    assert!(out.contains("another device of Asha"), "{out}");

    // 7. A backup holds both databases, and refuses to overwrite them.
    let target = dir.path().join("backup");
    let out = run_line(&data, &["backup", target.to_str().expect("utf-8 path")]).expect("backup");
    assert!(
        out.contains(DATABASE_FILE) && out.contains(DOCUMENTS_FILE),
        "{out}"
    );
    let copy = IdentityStore::open_existing(&target).expect("the copy opens");
    assert_eq!(copy.list_devices(club.id).expect("devices").len(), 1);
    let copied_store = SqliteStore::open(target.join(DOCUMENTS_FILE)).expect("documents copy");
    assert!(
        copied_store
            .load(&club.club_document)
            .expect("load")
            .is_some()
    );
    let err = run_line(&data, &["backup", target.to_str().expect("utf-8 path")])
        .expect_err("no overwrite");
    assert!(err.to_string().contains("already exists"), "{err}");
}

#[test]
fn bad_club_profiles_are_refused_with_the_flag_named() {
    let err =
        club_profile("X", "GBR", "GBP", ClubTypeArg::Community, None).expect_err("bad country");
    assert!(err.to_string().contains("--country"), "{err}");
    let err =
        club_profile("X", "GB", "POUNDS", ClubTypeArg::Community, None).expect_err("bad currency");
    assert!(err.to_string().contains("--currency"), "{err}");
    let err = club_profile(" ", "GB", "GBP", ClubTypeArg::Community, None).expect_err("no name");
    assert!(err.to_string().contains("club name"), "{err}");
    let err = club_profile("X", "KR", "KRW", ClubTypeArg::Community, Some("Seoul"))
        .expect_err("bad time zone");
    assert!(err.to_string().contains("--time-zone"), "{err}");
}

#[test]
fn a_club_takes_its_countrys_time_zone_unless_one_is_given() {
    let seoul = club_profile("X", "kr", "KRW", ClubTypeArg::Community, None).expect("a profile");
    assert_eq!(seoul.time_zone, "Asia/Seoul");
    let busan =
        club_profile("X", "KR", "KRW", ClubTypeArg::School, Some("Asia/Seoul")).expect("a profile");
    assert_eq!(busan.time_zone, "Asia/Seoul");
    let nowhere = club_profile("X", "ZZ", "GBP", ClubTypeArg::Community, None).expect("a profile");
    assert_eq!(nowhere.time_zone, "UTC");
}
