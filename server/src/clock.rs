//! The time every rule reads: rate windows, the minimum time to fill in the
//! form, challenge and link lifetimes, mail retries, retention, and every
//! timestamp stored. The wall clock when serving; a clock the tests move by
//! hand, so that a rule about ten minutes is tested in microseconds and never
//! depends on how busy the machine is.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use tokio::sync::watch;

/// A source of the current time, cheap to clone and share.
#[derive(Clone, Default)]
pub struct Clock {
    /// `None` for the wall clock.
    manual: Option<Arc<Manual>>,
}

struct Manual {
    now: Mutex<SystemTime>,
    /// Changes whenever the time is moved, waking whoever sleeps on it.
    moved: watch::Sender<()>,
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.manual {
            None => f.write_str("Clock::system()"),
            Some(manual) => write!(f, "Clock::manual({})", rfc3339(*lock(&manual.now))),
        }
    }
}

impl Clock {
    /// The wall clock.
    pub fn system() -> Clock {
        Clock { manual: None }
    }

    /// A clock that stands at `start` until [`Clock::advance`] moves it.
    pub fn manual(start: SystemTime) -> Clock {
        let (moved, _) = watch::channel(());
        Clock { manual: Some(Arc::new(Manual { now: Mutex::new(start), moved })) }
    }

    /// Now.
    pub fn now(&self) -> SystemTime {
        match &self.manual {
            None => SystemTime::now(),
            Some(manual) => *lock(&manual.now),
        }
    }

    /// Now, in whole seconds since 1970 (how expiry times are stored).
    pub fn unix_seconds(&self) -> i64 {
        unix_seconds(self.now())
    }

    /// Now as RFC 3339 UTC to the second, e.g. `2017-04-20T08:13:26Z`: the
    /// one format every stored timestamp uses.
    pub fn rfc3339(&self) -> String {
        rfc3339(self.now())
    }

    /// Moves a manual clock on by `by`, waking every [`Clock::sleep`] that is
    /// then due. The wall clock can't be moved: a call on it is a bug.
    pub fn advance(&self, by: Duration) {
        let manual = self.manual.as_ref().expect("only a manual clock can be moved");
        *lock(&manual.now) += by;
        manual.moved.send_replace(());
    }

    /// Waits until `by` has passed on this clock.
    pub async fn sleep(&self, by: Duration) {
        let Some(manual) = &self.manual else { return tokio::time::sleep(by).await };
        let until = self.now() + by;
        let mut moved = manual.moved.subscribe();
        while self.now() < until {
            if moved.changed().await.is_err() {
                // Nobody can move the clock any more: it stands still for ever.
                std::future::pending::<()>().await;
            }
        }
    }
}

/// `time` in whole seconds since 1970.
pub fn unix_seconds(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// `time` as RFC 3339 UTC to the second.
pub fn rfc3339(time: SystemTime) -> String {
    humantime::format_rfc3339_seconds(time).to_string()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_manual_clock_moves_only_when_told_and_wakes_sleepers_when_due() {
        let start = UNIX_EPOCH + Duration::from_secs(1_500_000_000);
        let clock = Clock::manual(start);
        assert_eq!(clock.rfc3339(), "2017-07-14T02:40:00Z");
        let sleeper = tokio::spawn({
            let clock = clock.clone();
            async move { clock.sleep(Duration::from_secs(60)).await }
        });
        tokio::task::yield_now().await;
        clock.advance(Duration::from_secs(59));
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished(), "a minute has not passed yet");
        clock.advance(Duration::from_secs(1));
        sleeper.await.unwrap();
        assert_eq!(clock.unix_seconds(), 1_500_000_060);
    }
}
