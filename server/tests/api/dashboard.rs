//! The organiser's dashboard (/admin/): signing in and out, and the rules
//! that keep it safe.

use crate::helpers::*;

#[tokio::test]
async fn an_organiser_signs_in_sees_the_petitions_and_signs_out() {
    let app = spawn_app().await;
    let nadia = app.organiser("nadia").await;
    let page = nadia.page("/admin/").await;
    assert!(page.contains("Petitions"), "{page}");
    assert!(page.contains("/admin/petitions/stop-sharing"), "the demo petition is listed: {page}");

    let out = nadia.post_form("/admin/sign-out", &[]).await;
    assert_eq!(out.status(), 303);
    let after = nadia.get("/admin/").await;
    assert_eq!(after.status(), 303, "signed out, the dashboard sends to the sign-in form");
    assert_eq!(after.headers()["location"], "/admin/sign-in");
}
