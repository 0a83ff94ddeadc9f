//! The live count: every change to a petition's count reaches every open
//! event stream, on this instance at once and, with several instances on
//! one PostgreSQL database, on the others within about a second.
//!
//! Between instances the news travels by PostgreSQL's LISTEN/NOTIFY, but
//! not one NOTIFY per signature: a NOTIFY inside each signing transaction
//! serialises commits (measured on this machine kind: about 6× fewer
//! transactions). Instead each instance notes which petitions changed here
//! and, every [`TICK`], sends one notification per changed petition, outside
//! any signing. Every instance listens, reads the petition's current state
//! (a few rows by key) and sends it to its own streams. Each update carries
//! the whole state, so one sent twice, or late, does no harm.
//!
//! The same tick carries the guard's rates (requests and signatures per
//! source, signing requests per petition): each instance adds what it
//! counted since the last tick to `rate_events`, one insert however many
//! sources, and reads what the others added. So a source spread over every
//! instance meets the limits as written, half a second late at most. The
//! cost is two statements per instance per tick, whatever the traffic, and
//! a row per active source per tick (an unlogged table: no disk flush),
//! kept ten minutes. Instances' clocks are assumed to agree (NTP).

use std::{
    collections::BTreeSet,
    sync::{Arc, Mutex},
    time::{Duration, UNIX_EPOCH},
};

use petition_core::CountUpdate;
use tokio::sync::{broadcast, watch};

use crate::{
    clock::Clock,
    guard::{Guard, Rate},
    store::{self, Db},
};

/// The longest window a rate counts over: shared events older than this go.
const LONGEST_WINDOW: Duration = Duration::from_secs(10 * 60);

/// Ticks between clearing out old shared rate events (a minute's worth).
const TICKS_BETWEEN_CLEARING: u32 = 120;

/// How often an instance tells the others what changed here.
pub const TICK: Duration = Duration::from_millis(500);

/// Sends count changes to this instance's streams, and notes them for the
/// other instances.
#[derive(Clone)]
pub struct Publisher {
    updates: broadcast::Sender<CountUpdate>,
    /// Petitions whose count changed here since the last tick.
    changed: Arc<Mutex<BTreeSet<String>>>,
    /// Tells this instance's notifications from the others'.
    instance: Arc<str>,
}

impl Publisher {
    /// A publisher whose streams subscribe to `updates`.
    pub fn new(updates: broadcast::Sender<CountUpdate>) -> Publisher {
        let mut id = [0u8; 8];
        getrandom::getrandom(&mut id).expect("the operating system provides randomness");
        let instance: String = id.iter().map(|b| format!("{b:02x}")).collect();
        Publisher { updates, changed: Arc::default(), instance: instance.into() }
    }

    /// A petition's new state: to this instance's streams now, to the other
    /// instances' at the next tick.
    pub fn publish(&self, update: CountUpdate) {
        lock(&self.changed).insert(update.slug.clone());
        // No receivers is fine: nobody is watching this petition live here.
        self.updates.send(update).ok();
    }

    /// Relays count changes and `guard`'s rates between the instances
    /// sharing `db`, until `shutdown` changes. On SQLite there is one
    /// instance: nothing to do.
    pub async fn relay(self, db: Db, guard: Arc<Guard>, clock: Clock, mut shutdown: watch::Receiver<bool>) {
        let Db::Postgres(pool) = &db else { return };
        let mut rates_read = 0;
        let mut ticks = 0u32;
        let listening = match store::postgres::listen_for_counts(pool).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::error!(%error, "could not listen for other instances' counts; streams show this instance's only");
                return;
            }
        };
        let mut listener = Some(listening);
        // Only now: a guard nobody drains must not keep what it counted.
        guard.start_sharing();
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    let changed = std::mem::take(&mut *lock(&self.changed));
                    for slug in changed {
                        if let Err(error) = store::postgres::notify_count(pool, &self.instance, &slug).await {
                            tracing::warn!(%error, "could not tell the other instances of a count");
                        }
                    }
                    ticks = ticks.wrapping_add(1);
                    if let Err(error) = self.share_rates(pool, &guard, &clock, &mut rates_read, ticks).await {
                        tracing::warn!(%error, "could not share the rates with the other instances");
                    }
                }
                heard = store::postgres::next_count(listener.as_mut().expect("listening")) => match heard {
                    Ok((instance, slug)) if *instance != *self.instance => {
                        match store::count_update(&db, &slug).await {
                            Ok(update) => {
                                self.updates.send(update).ok();
                            }
                            Err(error) => tracing::warn!(%error, "could not read a count another instance changed"),
                        }
                    }
                    Ok(_) => {}
                    // sqlx reconnects by itself; what was sent meanwhile is
                    // lost, and the next change catches the streams up.
                    Err(error) => tracing::warn!(%error, "listening for other instances' counts"),
                },
                _ = shutdown.changed() => return,
            }
        }
    }
}

impl Publisher {
    /// Tells the others what `guard` counted since the last tick, and
    /// counts what they did (after the row `read`, which moves on).
    async fn share_rates(
        &self,
        pool: &sqlx::PgPool,
        guard: &Guard,
        clock: &Clock,
        read: &mut i64,
        ticks: u32,
    ) -> Result<(), store::StoreError> {
        let now_ms = clock.now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis() as i64;
        let fresh = guard.take_fresh().into_iter().map(|(rate, key, n)| (rate.code().to_owned(), key, i64::from(n))).collect();
        store::postgres::share_rates(pool, &self.instance, now_ms, fresh).await?;
        for (id, kind, key, at_ms, n) in store::postgres::rates_elsewhere(pool, &self.instance, *read).await? {
            *read = id;
            if let Some(rate) = Rate::parse(&kind) {
                let at = UNIX_EPOCH + Duration::from_millis(at_ms.max(0) as u64);
                guard.record_elsewhere(rate, key, at, n.clamp(0, i64::from(u32::MAX)) as u32);
            }
        }
        if ticks.is_multiple_of(TICKS_BETWEEN_CLEARING) {
            store::postgres::forget_rates(pool, now_ms - LONGEST_WINDOW.as_millis() as i64).await?;
        }
        Ok(())
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
