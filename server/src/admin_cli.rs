//! `petition-server admin …`: the organiser's command line over
//! [`crate::admin`]. It works on the database directly, so it runs beside a
//! serving server as well as without one.

use std::{
    io::{IsTerminal, Write},
    path::PathBuf,
};

use anyhow::{bail, Context};
use futures_util::StreamExt;

use crate::{
    admin::{self, Audience, Batch, Verdict},
    petition_file::PetitionFile,
    store::{self, StoreError},
};

/// The organiser's tools.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Check petition files and say exactly what is wrong, with the line.
    Check {
        /// Petition files (*.toml).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// The dashboard's accounts (/admin/ on the server).
    #[command(subcommand)]
    User(UserCommand),
    /// Print an Argon2id hash of the password read from standard input (one
    /// line), for a `name:hash` line of the --admin-passwords file.
    HashPassword,
    /// Create or update petitions from their files (checked first; nothing
    /// is saved unless every file is valid). Signatures are never touched.
    Apply {
        /// Petition files (*.toml).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// List petitions with their counts, per-partner counts and milestone dates.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Export a petition's counted signatures as CSV, for delivering it; or,
    /// with --partner, only the signers who agreed to hear from that partner.
    Export {
        /// The petition's slug.
        slug: String,
        /// Only this partner's consenting signers, with what it needs to write to them.
        #[arg(long)]
        partner: Option<String>,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Erase a signer's personal data from every petition at once. Their
    /// signature keeps counting unless the petition file sets
    /// erasure_keeps_count = false.
    Erase {
        /// The signer's email address (any form of it that signed).
        email: String,
    },
    /// Rewrite the database's signature tables so that nothing erased is
    /// left in its files. Every erasure does this already on SQLite; on
    /// PostgreSQL it runs VACUUM FULL, which locks the tables while it runs:
    /// use it in a quiet hour, after erasures that must leave no trace.
    Compact,
    /// Apply the retention rules now (the server does every hour): anonymise
    /// closed petitions' signatures past their retention period, erase
    /// unconfirmed ones after 30 days, drop old source hashes.
    Retention,
    /// List a petition's signatures held for review (honeypot, too fast, burst).
    Held {
        /// The petition's slug.
        slug: String,
    },
    /// Count held signatures after all: they were people.
    Approve {
        /// The petition's slug.
        slug: String,
        /// Ids, as `held` lists them.
        #[arg(required = true)]
        ids: Vec<i64>,
    },
    /// Reject held signatures: their personal data is erased, they never count.
    Reject {
        /// The petition's slug.
        slug: String,
        /// Ids, as `held` lists them.
        #[arg(required = true)]
        ids: Vec<i64>,
    },
    /// List a petition's reasons for signing held back from the widget (with
    /// a link, or over 280 characters).
    HeldReasons {
        /// The petition's slug.
        slug: String,
    },
    /// Show held reasons in the widget after all.
    ApproveReasons {
        /// The petition's slug.
        slug: String,
        /// Ids, as `held-reasons` lists them.
        #[arg(required = true)]
        ids: Vec<i64>,
    },
    /// Delete held reasons (the signatures stay).
    RejectReasons {
        /// The petition's slug.
        slug: String,
        /// Ids, as `held-reasons` lists them.
        #[arg(required = true)]
        ids: Vec<i64>,
    },
    /// Stop counting a batch of signatures found to be an attack, by time
    /// window or by source. Milestone dates above the new count are taken back.
    Invalidate {
        /// The petition's slug.
        slug: String,
        /// From this time (RFC 3339, e.g. 2026-11-22T10:00:00Z), with --to.
        #[arg(long, requires = "to", conflicts_with = "source")]
        from: Option<String>,
        /// Until this time (RFC 3339), with --from.
        #[arg(long, requires = "from")]
        to: Option<String>,
        /// Every signature from this source hash (as `held` shows it).
        #[arg(long)]
        source: Option<String>,
    },
}

/// `petition-server admin user …`.
#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Add an account that signs in to the dashboard at /admin/. Without
    /// --partner it is an organiser's (sees and does everything); with it, a
    /// partner's (sees only the petitions that list that partner, its own
    /// figures and the signers who agreed to hear from it).
    Add {
        /// The name it signs in with.
        name: String,
        /// The partner it belongs to, as in the petition file (e.g. medact).
        #[arg(long)]
        partner: Option<String>,
        /// Read the password from standard input (one line, 12 characters or more).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// List the accounts.
    List,
    /// Remove an account; it is signed out at once.
    Remove {
        /// Its name.
        name: String,
    },
}

/// The checks an account's name, partner and password must pass, from the
/// command line or the dashboard: the words say which is wrong.
pub fn check_account(name: &str, partner: Option<&str>, password: &str) -> Result<(), (&'static str, String)> {
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(("name", "Enter a name of 1 to 64 characters, without spaces".into()));
    }
    if partner.is_some_and(|partner| !crate::petition_file::is_slug(partner)) {
        return Err((
            "partner",
            "Enter the partner's name as in the petition file: lower-case letters, digits and hyphens".into(),
        ));
    }
    if password.chars().count() < 12 {
        return Err(("password", "Enter a password of 12 characters or more".into()));
    }
    Ok(())
}

/// Runs `command` on the database at `database_url`, writing to `out`.
pub async fn run(command: Command, config: &crate::Config, out: &mut impl Write) -> anyhow::Result<()> {
    let database_url = &config.database_url;
    if let Command::Check { files } = &command {
        for file in files {
            read(file)?;
            writeln!(out, "{}: a valid petition file", file.display())?;
        }
        return Ok(());
    }
    if let Command::HashPassword = command {
        let mut password = String::new();
        std::io::stdin().read_line(&mut password)?;
        let password = password.trim_end_matches(['\r', '\n']);
        if password.chars().count() < 12 {
            bail!("use a password of 12 characters or more");
        }
        writeln!(out, "{}", crate::admin_auth::hash_password(password)?)?;
        return Ok(());
    }
    let pool = crate::store::Db::connect(database_url).await?;
    let clock = &config.clock;
    let result = match command {
        Command::Check { .. } | Command::HashPassword => unreachable!("handled above"),
        Command::User(command) => user(&pool, clock, command, out).await,
        Command::Apply { files } => {
            let petitions = files.iter().map(read).collect::<anyhow::Result<Vec<_>>>()?;
            for (petition, pictures) in &petitions {
                let existed = store::upsert_petition(&pool, clock, petition).await?;
                store::keep_pictures(&pool, clock, &petition.slug, pictures).await?;
                writeln!(
                    out,
                    "{} petition {:?}",
                    if existed { "updated" } else { "created" },
                    petition.slug
                )?;
            }
            Ok(())
        }
        Command::List { json } => list(&pool, json, out).await,
        Command::Compact => {
            admin::compact(&pool).await?;
            writeln!(out, "compacted")?;
            Ok(())
        }
        Command::Export { slug, partner, output } => export(&pool, clock, &slug, partner, output, out).await,
        Command::Erase { email } => {
            let erased = admin::erase(&pool, clock, &email).await?;
            writeln!(
                out,
                "erased the personal data of {} signature(s); {} no longer count",
                erased.signatures, erased.uncounted
            )?;
            Ok(())
        }
        Command::Retention => {
            let swept = crate::retention::sweep(&pool, clock, config.source_hash_days).await?;
            if swept.another_instance_sweeping {
                writeln!(out, "another server is sweeping this database now: nothing done (try again later)")?;
            } else {
                writeln!(
                    out,
                    "anonymised {} signature(s) of closed petitions, erased {} unconfirmed, dropped {} source hash(es)",
                    swept.anonymised, swept.unconfirmed_erased, swept.source_hashes_dropped
                )?;
            }
            Ok(())
        }
        Command::Held { slug } => {
            let held = admin::held(&pool, &slug).await.map_err(|e| named(e, &slug))?;
            writeln!(out, "{} held signature(s) on {slug:?}", held.len())?;
            for h in held {
                writeln!(out, "{:>8}  {}  {:<9} source {}  {} <{}>", h.id, h.signed_at, h.flag, h.source, h.name, h.email)?;
            }
            Ok(())
        }
        Command::HeldReasons { slug } => {
            let held = admin::held_reasons(&pool, &slug).await.map_err(|e| named(e, &slug))?;
            writeln!(out, "{} held reason(s) on {slug:?}", held.len())?;
            for h in held {
                writeln!(out, "{:>8}  {}  {}", h.id, h.signed_at, h.reason.replace('\n', " "))?;
            }
            Ok(())
        }
        Command::ApproveReasons { slug, ids } => {
            let changed = admin::review_reasons(&pool, &slug, &ids, Verdict::Approve).await.map_err(|e| named(e, &slug))?;
            writeln!(out, "{changed} reason(s) now shown")?;
            Ok(())
        }
        Command::RejectReasons { slug, ids } => {
            let changed = admin::review_reasons(&pool, &slug, &ids, Verdict::Reject).await.map_err(|e| named(e, &slug))?;
            writeln!(out, "{changed} reason(s) deleted")?;
            Ok(())
        }
        Command::Approve { slug, ids } => verdict(&pool, clock, &slug, &ids, Verdict::Approve, out).await,
        Command::Reject { slug, ids } => verdict(&pool, clock, &slug, &ids, Verdict::Reject, out).await,
        Command::Invalidate { slug, from, to, source } => {
            let batch = match (from, to, source) {
                (Some(from), Some(to), None) => {
                    for time in [&from, &to] {
                        humantime::parse_rfc3339(time)
                            .with_context(|| format!("{time:?} is not a time like 2026-11-22T10:00:00Z"))?;
                    }
                    Batch::Between(from, to)
                }
                (None, None, Some(source)) => Batch::Source(source),
                _ => bail!("say which signatures: --from and --to, or --source"),
            };
            let (changed, count) = admin::invalidate(&pool, clock, &slug, &batch).await.map_err(|e| named(e, &slug))?;
            writeln!(out, "{changed} signature(s) no longer count; {slug:?} now has {count}")?;
            Ok(())
        }
    };
    pool.close().await;
    result
}

async fn user(
    pool: &crate::store::Db,
    clock: &crate::clock::Clock,
    command: UserCommand,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    match command {
        UserCommand::Add { name, partner, password_stdin: _ } => {
            let mut password = String::new();
            std::io::stdin().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
            if let Err((_, words)) = check_account(&name, partner.as_deref(), password) {
                bail!("{words}");
            }
            let hash = crate::admin_auth::hash_password(password)?;
            if !store::add_account(pool, clock, &name, &hash, partner.as_deref()).await? {
                bail!("there is already an account called {name:?} (`admin user remove {name}` first to replace it)");
            }
            let detail = partner.as_deref().map(|p| format!("partner {p}")).unwrap_or_else(|| "organiser".into());
            store::audit(pool, clock, "command line", "account-added", None, &format!("{name} ({detail})")).await?;
            writeln!(out, "added {name:?} ({detail})")?;
        }
        UserCommand::List => {
            for account in store::accounts(pool).await? {
                let role = account.partner.as_deref().map(|p| format!("partner {p}")).unwrap_or_else(|| "organiser".into());
                writeln!(out, "{}  {role}  since {}", account.name, account.created_at)?;
            }
        }
        UserCommand::Remove { name } => {
            if !store::remove_account(pool, &name).await? {
                bail!("there is no account called {name:?} (`admin user list` shows them)");
            }
            store::audit(pool, clock, "command line", "account-removed", None, &name).await?;
            writeln!(out, "removed {name:?}; its sessions have ended")?;
        }
    }
    Ok(())
}

/// A petition file and the pictures it names (read from beside it, sized),
/// checked.
fn read(file: &PathBuf) -> anyhow::Result<(PetitionFile, Vec<crate::pictures::Picture>)> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("could not read {}", file.display()))?;
    let petition = PetitionFile::parse(&text)
        .with_context(|| format!("{} is not a valid petition file", file.display()))?;
    let dir = file.parent().unwrap_or(std::path::Path::new("."));
    let pictures = crate::pictures::read_all(dir, &petition)
        .with_context(|| format!("{} names a picture that can't be used", file.display()))?;
    Ok((petition, pictures))
}

fn named(error: StoreError, slug: &str) -> anyhow::Error {
    match error {
        StoreError::NotFound => anyhow::anyhow!("there is no petition {slug:?} (`admin list` shows them)"),
        other => other.into(),
    }
}

async fn list(pool: &crate::store::Db, json: bool, out: &mut impl Write) -> anyhow::Result<()> {
    let petitions = admin::list(pool).await?;
    if json {
        serde_json::to_writer_pretty(&mut *out, &petitions)?;
        writeln!(out)?;
        return Ok(());
    }
    for p in petitions {
        writeln!(out, "{}  {}", p.slug, p.title)?;
        writeln!(out, "  {} signatures counted, {} waiting for confirmation, {} held for review", p.signature_count, p.pending, p.flagged)?;
        for partner in &p.partners {
            writeln!(
                out,
                "  partner {}: {} signatures, {} agreed to hear from it",
                partner.slug, partner.signature_count, partner.consented
            )?;
        }
        for milestone in &p.milestones {
            let when = milestone.reached_at.as_deref().unwrap_or("not yet");
            writeln!(out, "  milestone {:>7}: {when}", milestone.count)?;
        }
    }
    Ok(())
}

/// Writes the export to `output` (or `out`) chunk by chunk as it is read,
/// with a progress bar where a person watches. A file left half-written by
/// a failure is removed: it must not pass for the whole export.
async fn export(
    pool: &crate::store::Db,
    clock: &crate::clock::Clock,
    slug: &str,
    partner: Option<String>,
    output: Option<PathBuf>,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let audience = partner.map_or(Audience::Organiser, Audience::Partner);
    let export = admin::export(pool, clock, "command line", slug, audience).await.map_err(|e| named(e, slug))?;
    let rows = match &output {
        Some(path) => {
            let file = std::fs::File::create(path).with_context(|| format!("could not create {}", path.display()))?;
            let written = write_out(export, &mut std::io::BufWriter::new(file)).await;
            if written.is_err() {
                std::fs::remove_file(path).ok();
            }
            let rows = written.with_context(|| format!("the export to {} failed; nothing is left there", path.display()))?;
            writeln!(out, "wrote {rows} signature(s) to {}", path.display())?;
            rows
        }
        None => write_out(export, out).await.context("the export failed before its end")?,
    };
    tracing::debug!(rows, "exported");
    Ok(())
}

/// Writes every chunk of `export` to `to`; returns how many rows.
async fn write_out(mut export: admin::Export, to: &mut impl Write) -> anyhow::Result<u64> {
    // A progress bar only where a person watches.
    let show_progress = std::io::stderr().is_terminal();
    let total = export.rows;
    let mut rows = 0;
    let bar = |done: u64| {
        if show_progress {
            let width = 30;
            let filled = (done * width).checked_div(total).unwrap_or(width).min(width) as usize;
            eprint!("\r[{}{}] {done}/{total} signatures", "#".repeat(filled), " ".repeat(width as usize - filled));
        }
    };
    let written = async {
        while let Some(chunk) = export.chunks.next().await {
            let chunk = chunk?;
            to.write_all(&chunk.csv)?;
            rows = chunk.done;
            bar(rows);
        }
        to.flush()?;
        anyhow::Ok(rows)
    }
    .await;
    if show_progress {
        eprintln!();
    }
    written
}

async fn verdict(
    pool: &crate::store::Db,
    clock: &crate::clock::Clock,
    slug: &str,
    ids: &[i64],
    verdict: Verdict,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let (changed, count) = admin::review(pool, clock, slug, ids, verdict).await.map_err(|e| named(e, slug))?;
    let done = if verdict == Verdict::Approve { "approved" } else { "rejected" };
    writeln!(out, "{done} {changed} held signature(s); {slug:?} now has {count}")?;
    if (changed as usize) < ids.len() {
        writeln!(out, "({} of the ids given were not held on {slug:?}; they were left alone)", ids.len() - changed as usize)?;
    }
    Ok(())
}
