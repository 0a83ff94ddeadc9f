//! Hostile input, in bulk: generated request bodies (valid, near-valid and
//! garbage) against a running server. Nothing may get a 5xx or break a
//! connection, and the count may change only by the valid, new signatures.
//!
//! `FUZZ_BODIES` sets how many (100,000 by default); the generator is seeded
//! (`FUZZ_SEED`) so a failure can be replayed.
//!
//! A test binary of its own, left out of a plain `cargo test` (`test = false`
//! in Cargo.toml) and run by `cargo xtask test` as a step of its own: a
//! hundred thousand requests would otherwise share the machine with every
//! other test and make the rest slow.

#[allow(dead_code)]
#[path = "api/helpers.rs"]
mod helpers;

use std::{collections::BTreeMap, sync::Arc};

use serde_json::{json, Value};

use crate::helpers::{signature, spawn_app};

/// xorshift64*: small, seeded, good enough to pick cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const FIELDS: [&str; 15] = [
    "first_name", "last_name", "email", "postcode", "outside_uk", "profession", "reason", "consent", "partner",
    "partner_consent", "source", "challenge", "proof", "website", "unknown",
];

/// Strings that have broken form handlers before.
const NASTY: [&str; 14] = [
    "=HYPERLINK(\"https://evil.example\")", "+1+1", "-2", "@SUM(A1)", "<script>alert(1)</script>", "\u{0}",
    "Zoë\u{0}O'Brien", "\u{202e}reversed", "a\u{7}bell", "' OR 1=1 --", "${jndi:ldap://x}", "محمد",
    "李小龍", "\u{feff}",
];

/// What a generated request should get.
enum Expect {
    /// A valid signature with a solved challenge, from fuzz address `n`.
    Valid(usize),
    /// Anything but a 2xx.
    Refused,
}

fn near_valid(rng: &mut Rng) -> Value {
    let mut body = signature(&format!("near{}@example.org", rng.below(1_000_000)));
    // None of these carry a usable challenge, so none can count, whatever
    // else they get right.
    match rng.below(10) {
        0 => {
            body.as_object_mut().unwrap().remove(*rng.pick(&FIELDS));
        }
        1 => {
            let value = rng.pick(&[json!(null), json!(true), json!(-1), json!(1e300), json!([]), json!({"a": 1}), json!("x")]).clone();
            body[*rng.pick(&FIELDS)] = value;
        }
        2 => body["admin"] = json!(true),
        3 => body[*rng.pick(&FIELDS[..7])] = json!("x".repeat(rng.below(15_000) as usize)),
        4 | 5 => body[*rng.pick(&FIELDS[..7])] = json!(*rng.pick(&NASTY)),
        6 => body["email"] = json!(*rng.pick(&["@", "a@", "@b.c", "a b@c.d", "a@@b.c", "", "a@b", "a@b..c"])),
        7 => body["proof"] = rng.pick(&[json!(-1), json!(1.5), json!("7"), json!(u64::MAX), json!(null)]).clone(),
        8 => body["challenge"] = json!(*rng.pick(&["", "....", "stop-sharing.1.0.00.00", "\u{0}", "x".repeat(5000).as_str()])),
        _ => {
            body["challenge"] = json!(format!("stop-sharing.{}.8.{:032x}.{:032x}", rng.next(), rng.next(), rng.next()));
            body["proof"] = json!(rng.below(1000));
        }
    }
    body
}

fn garbage(rng: &mut Rng) -> Vec<u8> {
    match rng.below(8) {
        0 => (0..rng.below(2000)).map(|_| rng.next() as u8).collect(),
        1 => (0..rng.below(2000)).map(|_| b' ' + rng.below(95) as u8).collect(),
        2 => {
            let depth = rng.below(16_000) as usize;
            let (open, close) = if rng.below(2) == 0 { ("[", "]") } else { ("{\"a\":", "}") };
            format!("{}1{}", open.repeat(depth), close.repeat(depth)).into_bytes()
        }
        3 => rng.pick(&["[]", "null", "1", "\"\"", "true", "{}", "[{}]", "{\"first_name\":{}}"]).as_bytes().to_vec(),
        4 => {
            let whole = serde_json::to_vec(&signature("cut@example.org")).unwrap();
            whole[..rng.below(whole.len() as u64) as usize].to_vec()
        }
        5 => [&b"{\"first_name\":\""[..], &[0xff, 0xfe, 0xc0, 0x80], b"\",\"email\":\"a@b.co\"}"].concat(),
        6 => format!("{{\"first_name\":\"{}\"}}", "\\u0000".repeat(rng.below(3000) as usize)).into_bytes(),
        _ => vec![b'x'; 16 * 1024 + 1 + rng.below(10_000) as usize],
    }
}

#[tokio::test]
async fn a_hundred_thousand_generated_bodies_get_no_5xx_and_count_only_valid_new_signatures() {
    let total: usize = std::env::var("FUZZ_BODIES").ok().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let seed: u64 = std::env::var("FUZZ_SEED").ok().and_then(|n| n.parse().ok()).unwrap_or(0x5eed_cafe);
    let app = Arc::new(spawn_app().await);
    let before = app.count("stop-sharing").await;
    let mut rng = Rng(seed);
    // About 1 in 50 is a real signature; addresses repeat (in other case and
    // spacing) so that some are new and some are repeats.
    let mut cases: Vec<(Vec<u8>, &'static str, Expect)> = Vec::with_capacity(total);
    for _ in 0..total {
        let roll = rng.below(100);
        cases.push(if roll < 2 {
            let n = rng.below(1500) as usize;
            let email = if rng.below(2) == 0 { format!("fuzz{n}@example.org") } else { format!("  FUZZ{n}@Example.ORG ") };
            (serde_json::to_vec(&signature(&email)).unwrap(), "application/json", Expect::Valid(n))
        } else if roll < 45 {
            (serde_json::to_vec(&near_valid(&mut rng)).unwrap(), "application/json", Expect::Refused)
        } else {
            let content_type = *rng.pick(&["application/json", "application/json", "text/plain", "application/x-www-form-urlencoded"]);
            (garbage(&mut rng), content_type, Expect::Refused)
        });
    }
    // Each valid body answers a challenge of its own, as the widget would.
    for (body, _, expect) in &mut cases {
        if let Expect::Valid(_) = expect {
            let value: Value = serde_json::from_slice(body).unwrap();
            *body = serde_json::to_vec(&app.answer_challenge("stop-sharing", value).await).unwrap();
        }
    }
    let new_people = cases
        .iter()
        .filter_map(|(_, _, e)| if let Expect::Valid(n) = e { Some(*n) } else { None })
        .collect::<std::collections::BTreeSet<_>>()
        .len() as u64;

    let cases = Arc::new(cases);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..32u32 {
        let (app, cases, next) = (app.clone(), cases.clone(), next.clone());
        workers.spawn(async move {
            let mut statuses = BTreeMap::<u16, usize>::new();
            let url = format!("{}/api/petitions/stop-sharing/signatures", app.base);
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((body, content_type, expect)) = cases.get(i) else { return statuses };
                // A source of its own for each request: this test is about
                // what the body does, not about rate limits.
                let source = format!("10.{}.{}.{}", worker, (i >> 8) & 255, i & 255);
                let response = app
                    .client
                    .post(&url)
                    .header("content-type", *content_type)
                    .header("x-forwarded-for", source)
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap_or_else(|error| panic!("case {i}: no answer ({error:?}); body starts {:?}", &body[..body.len().min(80)]));
                let status = response.status().as_u16();
                *statuses.entry(status).or_default() += 1;
                assert!(status < 500, "case {i} got {status}; body starts {:?}", &body[..body.len().min(80)]);
                match expect {
                    Expect::Valid(_) => assert_eq!(status, 200, "case {i}: a valid signature was refused"),
                    Expect::Refused => assert!(status >= 400, "case {i}: accepted {:?}", &body[..body.len().min(200)]),
                }
            }
        });
    }
    let mut statuses = BTreeMap::<u16, usize>::new();
    for worker in workers.join_all().await {
        for (status, n) in worker {
            *statuses.entry(status).or_default() += n;
        }
    }
    println!("{total} bodies (seed {seed}): answers {statuses:?}; {new_people} new people among them");
    assert_eq!(statuses.values().sum::<usize>(), total);
    assert_eq!(app.count("stop-sharing").await, before + new_people);
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM signatures").fetch_one(&app.db().await).await.unwrap();
    assert_eq!(stored as u64, new_people);
}

#[tokio::test]
async fn spreadsheet_and_html_injection_is_stored_and_served_as_the_text_it_was() {
    let app = spawn_app().await;
    let reason = "=SUM(A1:A9) <img src=x onerror=alert(1)> <b>bold</b> & \"quoted\"";
    let mut body = signature("inject@example.org");
    body["reason"] = json!(reason);
    body["last_name"] = json!("O'Brien <i>x</i>");
    assert_eq!(app.sign("stop-sharing", &body).await.status(), 200);
    let (last_name, stored_reason): (String, String) =
        sqlx::query_as("SELECT last_name, reason FROM signatures").fetch_one(&app.db().await).await.unwrap();
    assert_eq!((last_name.as_str(), stored_reason.as_str()), ("O'Brien <i>x</i>", reason));
    // The API is JSON: the reason comes back as a string, unescaped and
    // unchanged, for the widget to set as text (the browser tests check that).
    let response = app.get("/api/petitions/stop-sharing").await;
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let petition: Value = response.json().await.unwrap();
    assert_eq!(petition["reasons"], json!([reason]));
    // A formula at the start of a name is refused outright, naming the field.
    let mut formula = signature("formula@example.org");
    formula["first_name"] = json!("=HYPERLINK(\"https://evil.example\")");
    let refused: Value = app.sign("stop-sharing", &formula).await.json().await.unwrap();
    assert_eq!(refused["fields"][0]["field"], "first_name");
}
