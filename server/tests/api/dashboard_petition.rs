//! A petition's page on the dashboard (/admin/petitions/{slug}): its charts
//! by hour and day, its figures by partner, share link and profession, the
//! milestone timeline and the embed codes; and what a partner's account may
//! see of it.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::*;

/// A signature from `email` made on `partner`'s page (if not empty), brought
/// by the share link `source` (if not empty), by someone of `profession`.
fn signed_by(email: &str, partner: &str, partner_consent: bool, source: &str, profession: &str) -> Value {
    let mut body = signature(email);
    body["partner"] = partner.into();
    body["partner_consent"] = partner_consent.into();
    body["source"] = source.into();
    body["profession"] = profession.into();
    body
}

async fn sign_all(app: &TestApp, signatures: &[Value]) {
    for body in signatures {
        let response = app.sign("stop-sharing", body).await;
        assert_eq!(response.status(), 200, "{:?}", response.text().await);
    }
}

/// The text of the page as a person reads it: askama's escapes undone.
fn unescaped(html: &str) -> String {
    [("&#34;", "\""), ("&quot;", "\""), ("&#39;", "'"), ("&#60;", "<"), ("&lt;", "<"), ("&#62;", ">"), ("&gt;", ">")]
        .iter()
        .fold(html.to_owned(), |text, (escape, character)| text.replace(escape, character))
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

/// The number in the table row whose first cell is `<time datetime="{datetime}">`.
fn row_count(page: &str, datetime: &str) -> u64 {
    let marker = format!("<time datetime=\"{datetime}\">");
    let at = page.find(&marker).unwrap_or_else(|| panic!("no row for {datetime}"));
    let cell = &page[at..];
    let start = cell.find("<td class=\"num\">").unwrap() + "<td class=\"num\">".len();
    cell[start..].split('<').next().unwrap().replace(',', "").parse().unwrap()
}

/// The words of the table row whose first cell is `<time datetime="{datetime}">`.
fn row_label(page: &str, datetime: &str) -> String {
    let marker = format!("<time datetime=\"{datetime}\">");
    let at = page.find(&marker).unwrap_or_else(|| panic!("no row for {datetime}")) + marker.len();
    page[at..].split('<').next().unwrap().to_owned()
}

/// The figure shown under the heading `term` in the figures list.
fn figure(page: &str, term: &str) -> String {
    let marker = format!("<dt>{term}</dt><dd>");
    let at = page.find(&marker).unwrap_or_else(|| panic!("no figure {term:?}")) + marker.len();
    page[at..].split('<').next().unwrap().to_owned()
}

/// The table row (`<tr …>` to `</tr>`) that holds `needle`.
fn row_with<'a>(page: &'a str, needle: &str) -> &'a str {
    let at = page.find(needle).unwrap_or_else(|| panic!("no row with {needle:?}"));
    let start = if needle.starts_with("<tr") { at } else { page[..at].rfind("<tr").unwrap() };
    let end = at + page[at..].find("</tr>").unwrap();
    &page[start..end]
}

/// The numbers in a table row's `num` cells.
fn numbers(row: &str) -> Vec<u64> {
    row.split("<td class=\"num\">").skip(1).map(|cell| cell.split('<').next().unwrap().parse().unwrap()).collect()
}

/// The `n`th chart (0: hours, 1: days) of the page.
fn svg(page: &str, n: usize) -> &str {
    let at = page.match_indices("<svg").nth(n).expect("the chart is drawn").0;
    &page[at..at + page[at..].find("</svg>").unwrap()]
}

#[tokio::test]
async fn a_petitions_page_counts_its_signatures_by_hour_day_partner_link_and_milestone() {
    let app = spawn_configured(|config| config.clock = manual_clock()).await;
    let mut made = Vec::new(); // (when, how many)

    made.push((app.clock.rfc3339(), 3));
    sign_all(
        &app,
        &[
            signed_by("a1@example.org", "medact", true, "share-whatsapp", "nurse"),
            signed_by("a2@example.org", "medact", false, "", ""),
            signed_by("a3@example.org", "", false, "share-whatsapp", ""),
        ],
    )
    .await;
    app.clock.advance(Duration::from_secs(3600));
    made.push((app.clock.rfc3339(), 2));
    sign_all(
        &app,
        &[
            signed_by("b1@example.org", "asylum-matters", true, "share-email", "doctor"),
            signed_by("b2@example.org", "", false, "", ""),
        ],
    )
    .await;
    app.clock.advance(Duration::from_secs(25 * 3600));
    made.push((app.clock.rfc3339(), 5));
    // The fifth of these is the tenth signature: the first milestone.
    let last: Vec<Value> = (1..=5)
        .map(|n| signed_by(&format!("c{n}@example.org"), "", false, if n <= 2 { "share-x" } else { "" }, ""))
        .collect();
    sign_all(&app, &last).await;
    let milestone_at = app.clock.rfc3339();
    // A hostile code, as a tool writing to the database might leave one (the
    // signing API keeps only plain codes).
    let db = app.db().await;
    sqlx::query("UPDATE signatures SET source = '<script>alert(1)</script>' WHERE email = 'c3@example.org'")
        .execute(&db)
        .await
        .unwrap();
    sqlx::query("UPDATE petitions SET paper_count = 7 WHERE slug = 'stop-sharing'").execute(&db).await.unwrap();
    db.close().await;

    // Signed in now: a session unused for a day has ended.
    let nadia = app.organiser("nadia").await;
    let page = nadia.page("/admin/petitions/stop-sharing").await;

    // Every hour of the week is a bar, and the table says the same.
    let hours = svg(&page, 0);
    assert!(hours.contains("role=\"img\"") && hours.contains("aria-labelledby=\"chart-hours-title chart-hours-desc\""));
    assert_eq!(hours.matches("<rect").count(), 168, "a bar per hour");
    // (An embed code may carry one, escaped as text in its field.)
    assert!(
        !page.contains(" style=\""),
        "no inline style: the policy forbids it"
    );
    for (at, count) in &made {
        assert_eq!(row_count(&page, &format!("{}:00Z", &at[..13])), *count, "the hour of {at}");
    }
    // The days: each day's signatures, and days without any as zero.
    let mut by_day: Vec<(String, u64)> = Vec::new();
    for (at, count) in &made {
        match by_day.iter_mut().find(|(day, _)| *day == at[..10]) {
            Some((_, n)) => *n += count,
            None => by_day.push((at[..10].to_owned(), *count)),
        }
    }
    for (day, count) in &by_day {
        assert_eq!(row_count(&page, day), *count, "the day {day}");
    }
    let days = svg(&page, 1);
    assert!(days.contains("aria-labelledby=\"chart-days-title chart-days-desc\""));
    let day = &milestone_at[..10];
    let marker = format!("<title>10 signatures reached: {}", row_label(&page, day));
    assert!(days.contains(&marker), "the milestone is marked on its day: {days}");
    assert!(row_with(&page, &format!("<time datetime=\"{}\">", &milestone_at[..10])).ends_with("<td>10</td>"));

    // The figures.
    assert_eq!(figure(&page, "Signatures, all told"), "10");
    assert_eq!(figure(&page, "Next goal"), "10,000");
    let today: u64 = made.iter().filter(|(at, _)| at[..10] == milestone_at[..10]).map(|(_, n)| n).sum();
    assert_eq!(figure(&page, "Signed today (since midnight UTC)"), today.to_string());
    assert_eq!(figure(&page, "Doctors, nurses and midwives"), "2");
    assert_eq!(figure(&page, "On paper and offline"), "7");

    // By partner: signatures on their pages, and who agreed to hear from them.
    assert_eq!(numbers(row_with(&page, "<tr data-partner=\"medact\">")), [2, 1]);
    assert_eq!(numbers(row_with(&page, "<tr data-partner=\"asylum-matters\">")), [1, 1]);
    assert_eq!(numbers(row_with(&page, "<tr data-partner=\"migrants-rights-network\">")), [0, 0]);

    // By share link, the hostile code shown as text.
    assert_eq!(numbers(row_with(&page, "<code>share-whatsapp</code>")), [2]);
    assert_eq!(numbers(row_with(&page, "<code>share-email</code>")), [1]);
    assert_eq!(numbers(row_with(&page, "<code>share-x</code>")), [2]);
    assert_eq!(numbers(row_with(&page, "No share link")), [4]);
    assert!(!page.contains("<script>alert"), "nothing stored becomes markup");
    assert!(unescaped(&page).contains("<code><script>alert(1)</script></code>"), "but it is shown, as text");

    // The timeline: the first milestone dated, the next not yet.
    let first = row_with(&page, "<th scope=\"row\" class=\"num\">10</th>");
    assert!(first.contains(&format!("<time datetime=\"{milestone_at}\">")), "{first}");
    assert!(row_with(&page, "<th scope=\"row\" class=\"num\">25</th>").contains("Not yet"));

    // The embed codes: the plain one and one per partner, as embed.js reads
    // them, each with a link to the petition's page for pages without script.
    let text = unescaped(&page);
    let tag = |partner: &str, query: &str| {
        format!(
            "<script src=\"{base}/embed.js\" data-petition=\"stop-sharing\"{partner} async></script>\n\
             <noscript><a href=\"{base}/p/stop-sharing{query}\">Sign the petition: Stop using NHS patients’ personal \
             information for immigration enforcement.</a></noscript>",
            base = app.base
        )
    };
    assert!(
        text.contains(&format!(">{}</textarea>", tag("", ""))),
        "the plain code"
    );
    for partner in ["medact", "asylum-matters", "migrants-rights-network"] {
        let code = tag(
            &format!(" data-partner=\"{partner}\""),
            &format!("?partner={partner}"),
        );
        assert!(
            text.contains(&format!(">{code}</textarea>")),
            "{partner}'s code"
        );
        let iframe = format!(
            "<iframe src=\"{}/embed/stop-sharing?partner={partner}\"",
            app.base
        );
        assert!(text.contains(&iframe), "{partner}'s iframe");
    }
    assert!(page.contains("data-copy=\"snippet-medact-script\""));

    // The ways to the rest of the dashboard.
    for link in ["held", "paper", "edit", "export.csv", "export.csv?partner=medact"] {
        assert!(page.contains(&format!("href=\"/admin/petitions/stop-sharing/{link}\"")), "a link to {link}");
    }

    // The figures alone, for the page's script: the same numbers, no page around them.
    let fragment = nadia.page("/admin/petitions/stop-sharing/figures").await;
    assert!(fragment.starts_with("<div id=\"figures\" data-slug=\"stop-sharing\">"), "{fragment}");
    assert_eq!(figure(&fragment, "Signatures, all told"), "10");
    assert!(!fragment.contains("<html"));
}

#[tokio::test]
async fn a_partner_sees_only_its_own_figures_on_the_petitions_that_list_it() {
    let app = spawn_configured(|config| config.clock = manual_clock()).await;
    sign_all(
        &app,
        &[
            signed_by("m1@example.org", "medact", true, "share-email", ""),
            signed_by("m2@example.org", "medact", false, "", ""),
            signed_by("s1@example.org", "asylum-matters", true, "share-sms", ""),
            signed_by("s2@example.org", "asylum-matters", true, "share-sms", ""),
            signed_by("s3@example.org", "asylum-matters", true, "", ""),
            signed_by("o1@example.org", "", false, "", "doctor"),
        ],
    )
    .await;
    let hour = format!("{}:00Z", &app.clock.rfc3339()[..13]);
    let mo = app.partner("mo", "medact").await;

    let page = mo.page("/admin/petitions/stop-sharing").await;
    assert_eq!(figure(&page, "Signatures, all told"), "6", "the public count is public");
    assert_eq!(figure(&page, "Signed on Medact’s pages"), "2");
    assert_eq!(figure(&page, "Agreed to hear from Medact"), "1");
    assert_eq!(figure(&page, "Signed on Medact’s pages today (since midnight UTC)"), "2");
    assert_eq!(row_count(&page, &hour), 2, "the chart holds only its own signatures");
    for hidden in ["asylum-matters", "Asylum Matters", "migrants-rights", "share-", "On paper", "Doctors, nurses"] {
        assert!(!page.contains(hidden), "a partner never sees {hidden:?}");
    }
    // Its own code and its own signers; nothing only organisers may do.
    let text = unescaped(&page);
    assert!(text.contains(
        "data-petition=\"stop-sharing\" data-partner=\"medact\" async></script>\n<noscript>"
    ));
    assert!(
        !text.contains("data-petition=\"stop-sharing\" async></script>"),
        "not the plain code"
    );
    assert!(page.contains("href=\"/admin/petitions/stop-sharing/export.csv?partner=medact\""));
    for link in ["held\"", "paper\"", "edit\"", "export.csv\""] {
        assert!(!page.contains(&format!("/admin/petitions/stop-sharing/{link}")), "no link to {link}");
    }
    let fragment = mo.page("/admin/petitions/stop-sharing/figures").await;
    assert_eq!(figure(&fragment, "Signed on Medact’s pages"), "2");
    assert!(!fragment.contains("asylum-matters") && !fragment.contains("share-"));

    // A petition that doesn't list it: refused, whatever the route.
    for path in ["/admin/petitions/scrap-upfront-charging", "/admin/petitions/scrap-upfront-charging/figures"] {
        let refused = mo.get(path).await;
        assert_eq!(refused.status(), 403, "{path}");
        assert!(!refused.text().await.unwrap().contains("figures"));
    }
    // No such petition, for anyone.
    let nadia = app.organiser("nadia").await;
    for (who, path) in [(&mo, "/admin/petitions/no-such-thing"), (&nadia, "/admin/petitions/no-such-thing/figures")] {
        let missing = who.get(path).await;
        assert_eq!(missing.status(), 404, "{path}");
        assert!(missing.text().await.unwrap().contains("Petition not found"));
    }
    let hostile = nadia.get("/admin/petitions/%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
    assert_eq!(hostile.status(), 404);
    assert!(!hostile.text().await.unwrap().contains("<script>alert"));
}

#[tokio::test]
async fn the_list_shows_each_petitions_figures_and_a_partner_only_its_own() {
    let app = spawn_configured(|config| config.clock = manual_clock()).await;
    sign_all(&app, &[signed_by("a@example.org", "medact", true, "", ""), signed_by("b@example.org", "", false, "", "")])
        .await;
    let now = app.clock.rfc3339();
    let nadia = app.organiser("nadia").await;
    let list: Value = nadia.get("/admin/overview.json").await.json().await.unwrap();
    let stop_sharing = list.as_array().unwrap().iter().find(|p| p["slug"] == "stop-sharing").unwrap();
    assert_eq!(stop_sharing["signature_count"], 2);
    assert_eq!(stop_sharing["today"], 2);
    assert_eq!(stop_sharing["goal"], 10_000);
    assert_eq!(stop_sharing["last_signature_at"], json!(now));
    assert_eq!(stop_sharing["open"], true);
    assert_eq!(list.as_array().unwrap().len(), 2, "an organiser sees every petition");
    assert_eq!(stop_sharing["words"]["goal"], "10,000", "as the page writes it");
    let page = nadia.page("/admin/").await;
    assert!(page.contains("<a href=\"/admin/petitions/stop-sharing\">"), "each petition leads to its page");
    let said = stop_sharing["words"]["last_signature"].as_str().unwrap();
    assert!(said.ends_with(" UTC") && page.contains(said), "the last signature's time in words: {said}");

    // The next day, today starts again at zero.
    app.clock.advance(Duration::from_secs(24 * 3600));
    let mo = app.partner("mo", "medact").await;
    let list: Value = mo.get("/admin/overview.json").await.json().await.unwrap();
    let slugs: Vec<&str> = list.as_array().unwrap().iter().map(|p| p["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, ["stop-sharing"], "a partner sees only the petitions that list it");
    assert_eq!(list[0]["today"], 0);
}
