//! A street collection from the command line, and every refusal on the way.

use super::*;

#[test]
fn a_collection_from_tins_to_count_and_reports() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path();
    let (_ana, ben) = device(home, Role::Coordinator);

    let out = ok(
        home,
        &[
            "collection",
            "create",
            "High Street, Sat 5 Dec",
            "--tins",
            "1-3",
        ],
    );
    let id = created_id(&out, "collection");
    assert!(out.contains("\"High Street, Sat 5 Dec\""), "{out}");
    assert!(out.contains("Amounts are in GBP"), "{out}");
    ok(home, &["collection", "add-tins", "high street", "4,7-8"]);
    let tins: Vec<u32> = collection(home, &id)
        .tins()
        .expect("tins")
        .iter()
        .map(|t| t.number.0)
        .collect();
    assert_eq!(tins, [1, 2, 3, 4, 7, 8]);

    // Tin 1 to Ben (by name), tin 2 to this device's member (by default).
    ok(
        home,
        &[
            "collection",
            "issue-tin",
            &id,
            "1",
            "--seal",
            "S-001",
            "--collector",
            "ben",
        ],
    );
    ok(
        home,
        &["collection", "issue-tin", &id[..10], "2", "--seal", "S-002"],
    );

    // Donations outside tins, and one tin tally (counted when the tin is counted).
    let mut expected_minor: i64 = 0;
    for (amount, minor) in [("5", 500), ("5.00", 500), ("0.50", 50), ("12.3", 1230)] {
        let out = ok(home, &["collection", "donate", "Sat 5", amount]);
        let line = out.lines().next().unwrap_or_default();
        assert!(line.starts_with("Saved donation "), "{out}");
        let expected = format!(": {}.{:02} GBP", minor / 100, minor % 100);
        assert!(line.ends_with(&expected), "{line} / {expected}");
        expected_minor += minor;
    }
    ok(
        home,
        &[
            "collection",
            "donate",
            &id,
            "10",
            "--source",
            "card",
            "--note",
            "QR",
        ],
    );
    expected_minor += 1000;
    ok(home, &["collection", "donate", &id, "2.50", "--tin", "1"]);

    // 1,000 rows in one file, all saved together.
    let mut csv = String::from("amount,tin,note\n");
    let mut file_minor = 0;
    for i in 0..1000i64 {
        let minor = 1 + (i * 37) % 2500;
        file_minor += minor;
        let note = if i % 100 == 0 {
            "=cmd|' /C calc'!A0"
        } else {
            ""
        };
        csv.push_str(&format!("{}.{:02},,{note}\n", minor / 100, minor % 100));
    }
    let file = dir.path().join("donations.csv");
    std::fs::write(&file, csv).expect("csv written");
    let out = ok(
        home,
        &[
            "collection",
            "import",
            &id,
            file.to_str().expect("utf-8 path"),
        ],
    );
    let file_total = format!("{}.{:02} GBP", file_minor / 100, file_minor % 100);
    assert_eq!(
        out.lines().next(),
        Some(format!("Saved 1000 donations (total {file_total})").as_str())
    );
    expected_minor += file_minor;
    assert_eq!(
        collection(home, &id).donations().expect("donations").len(),
        1006
    );

    let money = |minor: i64| format!("{}.{:02} GBP", minor / 100, minor % 100);
    let show = ok(home, &["collection", "show", &id]);
    assert_eq!(
        line_value(&show, "Donations outside tins:"),
        money(expected_minor)
    );
    assert_eq!(line_value(&show, "Total:"), money(expected_minor));
    assert!(show.contains("Ben Okafor"), "tin 1's holder named:\n{show}");
    assert!(show.contains("Flags: none"), "{show}");
    let list = ok(home, &["collection", "list"]);
    assert!(
        list.contains(&id) && list.contains(&money(expected_minor)),
        "{list}"
    );
    assert!(list.contains("planned"), "{list}");

    // Return tin 1 and count it with two counters: 3 x 2.00 + 4 x 0.50 = 8.00.
    ok(home, &["collection", "return-tin", &id, "1"]);
    let out = ok(
        home,
        &[
            "collection",
            "count",
            &id,
            "1",
            "--place",
            "Church hall",
            "--counter",
            "Ana",
            "--counter",
            "Ben Okafor",
            "--denomination",
            "2.00:3",
            "--denomination",
            "0.50:4",
        ],
    );
    assert!(
        out.contains("8.00 GBP") && out.contains("signed by both"),
        "{out}"
    );
    let counts = collection(home, &id).counts().expect("counts");
    assert_eq!(counts.len(), 1);
    assert_eq!(counts[0].total.minor, 800);
    assert_eq!(counts[0].signed_by.len(), 2, "both counters signed");
    expected_minor += 800;
    let show = ok(home, &["collection", "show", &id]);
    assert_eq!(line_value(&show, "Counted from tins:"), "8.00 GBP");
    assert_eq!(line_value(&show, "Total:"), money(expected_minor));

    // Counting it again needs a correction reason.
    let error = refused(
        home,
        &[
            "collection",
            "count",
            &id,
            "1",
            "--place",
            "Hall",
            "--counter",
            "Ana",
            "--counter",
            "Ben",
            "--denomination",
            "2:4",
        ],
    );
    assert!(
        error.contains("already counted") && error.contains("--correction"),
        "{error}"
    );

    // Reports.
    let sheet = ok(home, &["report", "tin-count-sheet", "--document", &id]);
    let mut rows = sheet.lines();
    assert_eq!(
        rows.next(),
        Some(
            "tin,seal,collector,issued,returned,seal_intact,denominations,total,currency,counter_1,counter_2,place"
        )
    );
    let tin1 = rows.next().expect("tin 1 row");
    assert!(
        tin1.starts_with("1,S-001,Ben Okafor,")
            && tin1.contains(",yes,3x2.00; 4x0.50,8.00,GBP,Ana Park,Ben Okafor,Church hall"),
        "{tin1}"
    );
    assert_eq!(sheet.lines().last(), Some("TOTAL,,,,,,,8.00,GBP,,,"));

    let out_file = dir.path().join("reconciliation.csv");
    let out = ok(
        home,
        &[
            "report",
            "reconciliation",
            "--document",
            "high",
            "--out",
            out_file.to_str().expect("utf-8"),
        ],
    );
    assert!(out.starts_with("Wrote reconciliation"), "{out}");
    let reconciliation = std::fs::read_to_string(&out_file).expect("report file");
    assert!(
        reconciliation.contains("counted,8.00,GBP,"),
        "{reconciliation}"
    );
    let outside = format!(
        "donations_outside_tins,{},",
        money(expected_minor - 800).replace(' ', ",")
    );
    assert!(reconciliation.contains(&outside), "{reconciliation}");

    let totals = ok(home, &["report", "totals"]);
    let total = money(expected_minor);
    assert!(
        totals.contains(&format!(
            "event,\"High Street, Sat 5 Dec\",8.00,{},{},GBP",
            money(expected_minor - 800).trim_end_matches(" GBP"),
            total.trim_end_matches(" GBP")
        )),
        "{totals}"
    );
    let _ = ben;

    // Status moves forward one stage at a time.
    let out = ok(home, &["collection", "close", &id]);
    assert!(out.contains("is now held"), "{out}");
}

#[test]
fn refusals_name_the_problem_and_record_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path();
    device(home, Role::Coordinator);
    let id = created_id(
        &ok(home, &["collection", "create", "Briggate", "--tins", "1-2"]),
        "collection",
    );
    ok(home, &["collection", "issue-tin", &id, "1", "--seal", "A1"]);

    let error = refused(home, &["collection", "donate", &id, "5.005"]);
    assert!(error.contains("has 3 decimals, but GBP has 2"), "{error}");
    let error = refused(home, &["collection", "donate", &id, "-5"]);
    assert!(error.contains("negative"), "{error}");
    let error = refused(home, &["collection", "donate", &id, "5", "--tin", "9"]);
    assert!(
        error.contains("tin 9 is not part of this collection (its tins are 1-2)"),
        "{error}"
    );
    let error = refused(home, &["collection", "donate", &id, "5", "--tin", "2"]);
    assert!(
        error.contains("tin 2 is not out with a collector"),
        "{error}"
    );
    let error = refused(home, &["collection", "issue-tin", &id, "1", "--seal", "A2"]);
    assert!(error.contains("already out with Ana Park"), "{error}");
    let error = refused(home, &["collection", "add-tins", &id, "2-3"]);
    assert!(error.contains("tin(s) 2 already exist"), "{error}");

    let error = refused(home, &["collection", "donate", "Headingley", "5"]);
    assert!(
        error.contains("no street collection on this device matches \"Headingley\""),
        "{error}"
    );
    let second = created_id(
        &ok(home, &["collection", "create", "Briggate 2"]),
        "collection",
    );
    let error = refused(home, &["collection", "donate", "brig", "5"]);
    assert!(error.contains("matches 2 street collections"), "{error}");
    // The exact title wins over the longer one.
    ok(home, &["collection", "donate", "briggate", "1"]);
    assert_eq!(
        collection(home, &second)
            .donations()
            .expect("donations")
            .len(),
        0
    );

    // A bad line refuses the whole file.
    let file = dir.path().join("bad.csv");
    std::fs::write(&file, "amount,note\n1.00,a\n2.00,b\n2.001,c\n4.00,d\n").expect("csv");
    let error = refused(
        home,
        &["collection", "import", &id, file.to_str().expect("utf-8")],
    );
    assert!(
        error.contains("line 4") && error.contains("decimals"),
        "{error}"
    );
    assert!(error.contains("nothing was recorded"), "{error}");
    std::fs::write(&file, "amount,tin\n1.00,\n2.00,2\n").expect("csv");
    let error = refused(
        home,
        &["collection", "import", &id, file.to_str().expect("utf-8")],
    );
    assert!(
        error.contains("line 3: tin 2 is not out with a collector"),
        "{error}"
    );
    std::fs::write(&file, "amuont\n1.00\n").expect("csv");
    let error = refused(
        home,
        &["collection", "import", &id, file.to_str().expect("utf-8")],
    );
    assert!(error.contains("unknown column \"amuont\""), "{error}");
    // Only the one good donation above was ever recorded.
    assert_eq!(
        collection(home, &id).donations().expect("donations").len(),
        1
    );

    let error = refused(
        home,
        &[
            "collection",
            "count",
            &id,
            "1",
            "--place",
            "Hall",
            "--counter",
            "Ana",
            "--counter",
            "Ben",
            "--denomination",
            "1:1",
        ],
    );
    assert!(error.contains("still out with Ana Park"), "{error}");
    ok(home, &["collection", "return-tin", &id, "1"]);
    let error = refused(
        home,
        &[
            "collection",
            "count",
            &id,
            "1",
            "--place",
            "Hall",
            "--counter",
            "Ana",
            "--counter",
            "Ana",
            "--denomination",
            "1:1",
        ],
    );
    assert!(error.contains("two different people"), "{error}");
    let error = refused(
        home,
        &[
            "collection",
            "count",
            &id,
            "1",
            "--place",
            "Hall",
            "--counter",
            "Ana",
            "--counter",
            "Zed",
            "--denomination",
            "1:1",
        ],
    );
    assert!(
        error.contains("no member of the club matches \"Zed\""),
        "{error}"
    );
}
