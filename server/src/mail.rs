//! Email: confirmation links, and the outbox that delivers them.
//!
//! A confirmation mail is written to the `outbox` table in the same
//! transaction as the signature it confirms, and a background task delivers
//! it: through SMTP when a server is configured, otherwise as a file in the
//! mail folder (the demo). An SMTP outage therefore never fails a signing and
//! never loses a mail; delivery is retried with growing waits.
//!
//! The outbox holds the address only. The link's token is drawn as the mail
//! goes out and only its hash is stored, so no readable token is ever at rest,
//! not even in a mail waiting for an SMTP server to come back.

use std::{path::PathBuf, time::Duration};

use anyhow::Context;
use lettre::{
    message::{header::ContentTransferEncoding, Body, Mailbox},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use petition_core::lang::text;

use crate::{
    clock::Clock,
    petition_file::PetitionFile,
    store::{self, Db, LinkTable, Status},
};

/// How long a confirmation link works.
pub const LINK_LIFETIME: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// How long a link that removes a signature works.
pub const REMOVAL_LINK_LIFETIME: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// Mails one signature can cause in a day: a repeat of a pending signature
/// sends a new link (the first may be lost), up to this many.
pub const PER_SIGNATURE_PER_DAY: i64 = 3;

/// Attempts before a mail is given up (and left in the outbox for review).
pub const MAX_ATTEMPTS: i64 = 12;

/// How mail goes out; every option can also come from the environment.
#[derive(Debug, Clone, clap::Args)]
pub struct MailConfig {
    /// SMTP server for outgoing mail, e.g. smtps://user:pass@smtp.example.org
    /// or smtp://127.0.0.1:2525 (no TLS). Without one, mail is written to
    /// the mail folder instead.
    #[arg(long, env = "PETITION_SMTP_URL")]
    pub smtp_url: Option<String>,

    /// The sender of confirmation mails.
    #[arg(long, env = "PETITION_MAIL_FROM", default_value = MAIL_FROM)]
    pub mail_from: String,

    /// Where mail is written when no SMTP server is set (one .eml file each).
    #[arg(long, env = "PETITION_MAIL_DIR", default_value = "data/mail")]
    pub mail_dir: PathBuf,

    /// The address people reach this server at, for links in mail, e.g.
    /// https://petition.example.org. Defaults to http:// and --listen.
    #[arg(long, env = "PETITION_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Seconds before the first retry of a failed delivery; each retry waits
    /// twice as long as the last, up to six hours.
    #[arg(long, env = "PETITION_MAIL_RETRY_SECONDS", default_value_t = MAIL_RETRY_SECONDS)]
    pub mail_retry_seconds: u64,
}

/// `--mail-from` unless given.
const MAIL_FROM: &str = "Petition <petition@localhost>";
/// `--mail-retry-seconds` unless given.
const MAIL_RETRY_SECONDS: u64 = 30;

impl MailConfig {
    /// Defaults, with the mail folder at `mail_dir`.
    pub fn writing_to(mail_dir: PathBuf) -> MailConfig {
        MailConfig {
            smtp_url: None,
            mail_from: MAIL_FROM.into(),
            mail_dir,
            public_url: None,
            mail_retry_seconds: MAIL_RETRY_SECONDS,
        }
    }
}

/// A confirmation link's secret: 256 random bits, and the hash that is stored.
pub struct Token {
    /// Goes in the link, and nowhere else.
    pub token: String,
    /// Goes in the database.
    pub hash: String,
}

/// A new confirmation token.
pub fn new_token() -> Token {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).expect("the operating system provides randomness");
    let token = hex::encode(bytes);
    Token { hash: token_hash(&token), token }
}

/// What is stored of `token`: whoever reads the database can't confirm.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A mail's words.
pub struct Mail {
    /// The subject line.
    pub subject: String,
    /// Plain text.
    pub body: String,
}

impl Mail {
    /// A mail from its template's two blocks. They hold only strings, which
    /// always render, so a failure here is a bug in this file.
    fn from_words(subject: impl askama::Template, body: impl askama::Template) -> Mail {
        Mail {
            subject: subject.render().expect("a mail's subject renders: its fields are strings"),
            body: body.render().expect("a mail's body renders: its fields are strings"),
        }
    }
}

/// The language a mail is written in and the petition as that language's
/// reader sees it: `lang` (a code of the catalogue; empty for the
/// petition's own), and the petition's texts in the best of its languages
/// for it.
fn in_language(petition: &PetitionFile, lang: &str) -> (&'static crate::lang::Language, PetitionFile) {
    let lang = if lang.is_empty() { petition.language.as_str() } else { lang };
    let words = crate::lang::find(lang).unwrap_or_else(crate::lang::english);
    (words, petition.in_language(petition.best_language([words.code])))
}

/// `?lang=…` for the links in a mail in `words`: the page a link opens is in
/// the mail's language.
fn query(words: &crate::lang::Language) -> String {
    format!("?lang={}", words.code)
}

/// The mail asking someone to confirm their signature of `petition`, in the
/// language `lang` (the one they signed in), with the links that confirm it
/// and that remove it.
pub fn confirmation(petition: &PetitionFile, lang: &str, public_url: &str, confirm: &str, remove: &str) -> Mail {
    /// The words, in `templates/mail/confirmation.txt`. A .txt template is
    /// not HTML-escaped, which is right for a text/plain mail: escaping would
    /// show a reader `&#39;` for every apostrophe in a title.
    #[derive(askama::Template)]
    #[template(path = "mail/confirmation.txt", blocks = ["subject", "body"])]
    struct Words<'a> {
        subject: String,
        thanks: &'a str,
        title: &'a str,
        how: String,
        ignore: &'a str,
        undo: String,
        organiser: &'a str,
        base: &'a str,
        query: String,
        confirm: &'a str,
        remove: &'a str,
    }
    let (words, shown) = in_language(petition, lang);
    let base = public_url.trim_end_matches('/');
    let query = query(words);
    let mail = Words {
        subject: words.fill(text::MAIL_CONFIRM_SUBJECT, &[("title", &shown.title)]),
        thanks: words.words(text::MAIL_CONFIRM_THANKS),
        title: &shown.title,
        how: words.fill(text::MAIL_CONFIRM_HOW, &[("button", words.words(text::CONFIRM_BUTTON))]),
        ignore: words.words(text::MAIL_CONFIRM_IGNORE),
        undo: words.fill(text::MAIL_CONFIRM_UNDO, &[("page", &format!("{base}/remove{query}"))]),
        organiser: &petition.organiser,
        base,
        query,
        confirm,
        remove,
    };
    Mail::from_words(mail.as_subject(), mail.as_body())
}

/// The mail carrying a link that removes a signature of `petition`, sent
/// when someone asks for one with the signature's address, in the language
/// `lang` (the page's they asked on).
pub fn removal(petition: &PetitionFile, lang: &str, public_url: &str, remove: &str) -> Mail {
    /// The words, in `templates/mail/removal.txt` (plain text, not
    /// HTML-escaped: see `confirmation`).
    #[derive(askama::Template)]
    #[template(path = "mail/removal.txt", blocks = ["subject", "body"])]
    struct Words<'a> {
        subject: String,
        asked: &'a str,
        title: &'a str,
        how: String,
        ignore: &'a str,
        organiser: &'a str,
        base: &'a str,
        query: String,
        remove: &'a str,
    }
    let (words, shown) = in_language(petition, lang);
    let mail = Words {
        subject: words.fill(text::MAIL_REMOVE_SUBJECT, &[("title", &shown.title)]),
        asked: words.words(text::MAIL_REMOVE_ASKED),
        title: &shown.title,
        how: words.fill(text::MAIL_REMOVE_HOW, &[("button", words.words(text::REMOVE_BUTTON))]),
        ignore: words.words(text::MAIL_REMOVE_IGNORE),
        organiser: &petition.organiser,
        base: public_url.trim_end_matches('/'),
        query: query(words),
        remove,
    };
    Mail::from_words(mail.as_subject(), mail.as_body())
}

/// Where due mail goes.
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(PathBuf),
}

/// The outbox's delivery task: delivers what is due, then waits for new mail
/// (its [`OutboxHandle`] rung), a retry coming due, or the shutdown.
pub struct Outbox {
    db: Db,
    transport: Transport,
    from: Mailbox,
    retry: Duration,
    public_url: String,
    clock: Clock,
    handle: OutboxHandle,
    /// The last request a pass of the outbox has dealt with.
    served: watch::Sender<u64>,
}

/// Rings the outbox when mail is added, and tells whoever asks when the
/// outbox has dealt with everything due: a test waits for that, rather than
/// for a while, before it says that no more mail went out.
#[derive(Clone)]
pub struct OutboxHandle {
    /// Counts the rings; the outbox watches it.
    requests: std::sync::Arc<watch::Sender<u64>>,
    /// The ring each finished pass started after.
    served: watch::Receiver<u64>,
}

impl OutboxHandle {
    /// There is new mail: the outbox delivers what is due now.
    pub fn notify_one(&self) {
        self.requests.send_modify(|n| *n += 1);
    }

    /// Rings, and waits until a pass of the outbox that began after the ring
    /// has dealt with every mail due (sent it, or failed and set its retry).
    pub async fn settled(&self) {
        let mut asked = 0;
        self.requests.send_modify(|n| {
            *n += 1;
            asked = *n;
        });
        let mut served = self.served.clone();
        // An error means the outbox has stopped: nothing more will go out.
        let _ = served.wait_for(|served| *served >= asked).await;
    }
}

impl Outbox {
    /// Checks the configuration (a bad SMTP URL or sender stops the start).
    pub fn new(db: Db, config: &MailConfig, public_url: String, clock: Clock) -> anyhow::Result<Outbox> {
        let transport = match &config.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .context("--smtp-url is not an SMTP URL")?
                    .timeout(Some(Duration::from_secs(30)))
                    .build(),
            ),
            None => Transport::Folder(config.mail_dir.clone()),
        };
        let from = config.mail_from.parse().with_context(|| format!("--mail-from {:?} is not an address", config.mail_from))?;
        let retry = Duration::from_secs(config.mail_retry_seconds.max(1));
        let (requests, _) = watch::channel(0);
        let (served, served_receiver) = watch::channel(0);
        let handle = OutboxHandle { requests: std::sync::Arc::new(requests), served: served_receiver };
        Ok(Outbox { db, transport, from, retry, public_url, clock, handle, served })
    }

    /// What rings this outbox and tells when it is done.
    pub fn handle(&self) -> OutboxHandle {
        self.handle.clone()
    }

    /// Runs until `shutdown` changes.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut requests = self.handle.requests.subscribe();
        loop {
            if *shutdown.borrow() {
                return;
            }
            let asked = *requests.borrow_and_update();
            let next = match self.deliver_due().await {
                Ok(next) => next,
                Err(error) => {
                    tracing::error!(%error, "the outbox could not be read");
                    Some(self.retry)
                }
            };
            if next == Some(Duration::ZERO) {
                // More than one pass's worth was due: on with the rest.
                continue;
            }
            self.served.send_replace(asked);
            let wait = next.unwrap_or(Duration::from_secs(60 * 60));
            tokio::select! {
                _ = requests.changed() => {}
                () = self.clock.sleep(wait) => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    /// Sends every mail that is due; returns how long until the next retry.
    async fn deliver_due(&self) -> anyhow::Result<Option<Duration>> {
        store::drop_expired_links(&self.db, self.clock.unix_seconds()).await?;
        for due in store::claim_due_mail(&self.db, MAX_ATTEMPTS, self.clock.unix_seconds()).await? {
            let wanted = match due.kind.as_str() {
                "confirm" => due.status == Status::Pending,
                _ => matches!(due.status, Status::Counted | Status::Pending | Status::Flagged),
            };
            if !wanted {
                // Confirmed through an earlier link, or removed, meanwhile:
                // nothing to send.
                store::mail_sent(&self.db, due.id, self.clock.unix_seconds()).await?;
                continue;
            }
            let petition: PetitionFile = serde_json::from_str(&due.definition)?;
            let remove = self.link(due.signature_id, LinkTable::Remove, REMOVAL_LINK_LIFETIME).await?;
            let (mail, confirm) = if due.kind == "confirm" {
                let confirm = self.link(due.signature_id, LinkTable::Confirm, LINK_LIFETIME).await?;
                (confirmation(&petition, &due.lang, &self.public_url, &confirm.token, &remove.token), Some(confirm))
            } else {
                (removal(&petition, &due.lang, &self.public_url, &remove.token), None)
            };
            match self.send(due.id, &due.to, mail).await {
                Ok(()) => {
                    // Sent: the address is no longer needed here.
                    store::mail_sent(&self.db, due.id, self.clock.unix_seconds()).await?;
                    tracing::info!(mail = due.id, "mail delivered");
                }
                Err(error) => {
                    // Nobody has these links: they must not stay usable.
                    store::drop_link(&self.db, LinkTable::Remove, &remove.hash).await?;
                    if let Some(confirm) = confirm {
                        store::drop_link(&self.db, LinkTable::Confirm, &confirm.hash).await?;
                    }
                    let wait = self.retry.saturating_mul(1 << due.attempts.min(20)).min(Duration::from_secs(6 * 60 * 60));
                    // The error's kind only: an SMTP server's reply can quote the address.
                    let kind = error.chain().last().map(ToString::to_string).unwrap_or_default();
                    let kind: String = kind.chars().take(120).collect::<String>().replace(&due.to, "<address>");
                    tracing::warn!(mail = due.id, attempt = due.attempts + 1, retry_in = ?wait, error = %kind, "mail not delivered");
                    let retry_at = self.clock.unix_seconds() + wait.as_secs() as i64;
                    store::mail_failed(&self.db, due.id, retry_at, &kind).await?;
                }
            }
        }
        let next = store::next_mail_due(&self.db, MAX_ATTEMPTS).await?;
        Ok(next.map(|at| Duration::from_secs(at.saturating_sub(self.clock.unix_seconds()).max(0) as u64)))
    }

    /// A new link's token for `signature_id`, its hash stored in `table`
    /// until `lifetime` has passed.
    async fn link(&self, signature_id: i64, table: LinkTable, lifetime: Duration) -> anyhow::Result<Token> {
        let token = new_token();
        let expires_at = self.clock.unix_seconds() + lifetime.as_secs() as i64;
        store::add_link(&self.db, table, &token.hash, signature_id, expires_at).await?;
        Ok(token)
    }

    async fn send(&self, id: i64, to: &str, mail: Mail) -> anyhow::Result<()> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(to.parse().context("the address is not one mail can go to")?)
            .subject(mail.subject)
            .singlepart(
                lettre::message::SinglePart::builder()
                    .header(lettre::message::header::ContentType::TEXT_PLAIN)
                    .body(plain_body(mail.body)),
            )?;
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await?;
            }
            Transport::Folder(dir) => {
                tokio::fs::create_dir_all(dir).await?;
                let path = dir.join(format!("{id:06}.eml"));
                tokio::fs::write(&path, message.formatted()).await?;
                tracing::info!(path = %path.display(), "no SMTP server set: mail written to a file");
            }
        }
        Ok(())
    }
}

/// `text` as 8bit, not quoted-printable, so that the link stays whole and
/// clickable however the mail is opened, a text editor included. Lettre
/// picks quoted-printable for any line of 76 characters or more (a link
/// usually is); 8bit only needs lines under 998, which every line we write
/// is, or the text goes quoted-printable after all.
fn plain_body(text: String) -> Body {
    let text = text.replace("\r\n", "\n").replace('\n', "\r\n");
    if text.lines().all(|line| line.len() < 998) && !text.contains('\0') {
        Body::dangerous_pre_encoded(text.into_bytes(), ContentTransferEncoding::EightBit)
    } else {
        Body::new(text)
    }
}


