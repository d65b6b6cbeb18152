//! Reports exported as CSV from what devices synced.

use super::*;

#[tokio::test]
async fn reports_are_exported_as_csv_from_what_devices_synced() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &[]);
    let kim_phone = server.joined("Coordinator Kim");
    let kim = kim_phone.token.clone();
    let lee_phone = server.joined("Volunteer Lee");
    let lee = lee_phone.token.clone();

    // 1. Lee's phone syncs a street collection with two card donations, and a petition.
    let collection = DocumentId::random();
    let petition = DocumentId::random();
    let mut doc = new_collection(&lee_phone, "High Street Saturday");
    record_donation(&mut doc, &lee_phone, 500);
    record_donation(&mut doc, &lee_phone, 1000);
    let mut phone = connect(&server.ws_url(Some(&lee)))
        .await
        .expect("Lee connects");
    phone.docs.insert(collection, doc);
    phone
        .docs
        .insert(petition, petition_with_a_signature(&lee_phone));
    phone.sync(QUIET, LIMIT).await;
    assert_eq!(phone.seen.closed, None);

    // 2. Kim's document list names both, with the reports each makes.
    let (status, documents) = call(&server, &kim, "GET", "/api/club/documents", None);
    assert_eq!(status, 200, "{documents}");
    let listed = |id: DocumentId| {
        documents
            .as_array()
            .and_then(|all| all.iter().find(|d| d["id"] == id.to_string()))
            .cloned()
            .unwrap_or_else(|| panic!("{id} is not listed in {documents}"))
    };
    assert_eq!(listed(collection)["kind"], "street_collection");
    assert_eq!(
        listed(petition)["reports"],
        json!([format!(
            "/api/club/reports/petition-delivery.csv?document={petition}"
        )])
    );

    // 3. The reconciliation and the totals hold the donations, as a CSV download.
    let csv = |report: &str, document: DocumentId| {
        let path = format!("/api/club/reports/{report}.csv?document={document}");
        http_text(
            server.addr,
            "GET",
            &path,
            &[("authorization", &bearer(&kim))],
        )
    };
    let (status, headers, body) = csv("reconciliation", collection);
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"reconciliation-high-street-saturday.csv\""
    );
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines[0], "figure,amount,currency,check");
    assert!(
        lines.contains(&"donations_outside_tins,15.00,GBP,"),
        "{body}"
    );
    assert!(lines.contains(&"counted,0.00,GBP,"), "{body}");
    let (status, _, body) = csv("totals", collection);
    assert_eq!(status, 200, "{body}");
    assert!(
        body.lines()
            .any(|l| l == "event,High Street Saturday,0.00,15.00,15.00,GBP"),
        "{body}"
    );
    let (status, headers, body) = http_text(
        server.addr,
        "GET",
        "/api/club/reports/totals.csv",
        &[("authorization", &bearer(&kim))],
    );
    assert_eq!(status, 200, "totals of every collection: {body}");
    assert!(headers["content-disposition"].contains("totals-high-street-saturday.csv"));
    assert!(
        body.contains("event,High Street Saturday,0.00,15.00,15.00,GBP"),
        "{body}"
    );
    let (status, _, body) = csv("tin-count-sheet", collection);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.lines().count(), 2, "a header and a total: {body}");
    assert!(body.lines().any(|l| l.starts_with("TOTAL,")), "{body}");

    // 4. The petition delivery list has names, postcodes and dates: never email or phone.
    let (status, headers, body) = csv("petition-delivery", petition);
    assert_eq!(status, 200, "{body}");
    assert!(headers["content-disposition"].contains(&format!("petition-delivery-{petition}.csv")));
    assert_eq!(
        body.lines().collect::<Vec<_>>(),
        ["name,postcode_or_town,date", "Asha Khan,LS1 1AA,2025-11-24"]
    );
    assert!(!body.contains("asha@example.org") && !body.contains("7700"));
    assert!(!body.contains("email") && !body.contains("phone"));

    // 5. Wrong requests are named.
    let (status, _, body) = csv("petition-delivery", collection);
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("wrong_document_kind"), "{body}");
    let (status, _, body) = csv("payslips", collection);
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("reconciliation.csv"), "{body}");
    let (status, body) = call(
        &server,
        &kim,
        "GET",
        "/api/club/reports/reconciliation.csv",
        None,
    );
    assert_eq!((status, &body["error"]), (400, &json!("missing_document")));
    let (status, body) = call(
        &server,
        &kim,
        "GET",
        "/api/club/reports/reconciliation.csv?document=not-an-id",
        None,
    );
    assert_eq!((status, &body["error"]), (400, &json!("bad_id")));
    let (status, _) = call(
        &server,
        &lee,
        "GET",
        &format!("/api/club/reports/reconciliation.csv?document={collection}"),
        None,
    );
    assert_eq!(status, 403);
}
