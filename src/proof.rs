//! Answering the server's proof-of-work challenge (see `petition_core::proof`)
//! while the person types: the search runs in slices of a few milliseconds,
//! so the page never stalls, and starts when someone first moves into the
//! form (`Widget::focused`). It is the widget's second part's code.

use std::{
    cell::Cell,
    rc::{Rc, Weak},
};

use petition_core::{proof, Challenge};

use crate::dom::sleep;

/// Each slice of the search stops after about this long and lets the browser
/// handle input and paint before the next.
const SLICE_MS: f64 = 8.0;
/// Proofs tried between looks at the clock.
const TRIES: u64 = 256;

/// One challenge being answered. Dropping it ends the search: the widget
/// drops its solver when it is unmounted or a new challenge replaces this one,
/// and a search nobody will use must not go on hashing in the host page.
pub struct Solver {
    challenge: Challenge,
    /// When the challenge arrived (`Date.now()`).
    received_at: f64,
    /// The proof, once found. The search holds only a `Weak` to it, which is
    /// how it learns the solver is gone.
    proof: Rc<Cell<Option<u64>>>,
}

impl Solver {
    /// Starts answering `challenge`, which arrived at `received_at`
    /// (`Date.now()`), in the background.
    #[inline(never)]
    pub fn start(challenge: Challenge, received_at: f64) -> Solver {
        let proof = Rc::new(Cell::new(None));
        let wanted = Rc::downgrade(&proof);
        let (token, difficulty) = (challenge.token.clone(), challenge.difficulty);
        crate::task::spawn(async move {
            let mut next = 0u64;
            loop {
                // Upgraded only within a slice, never across the pause, so
                // that the solver's drop is what ends the search.
                {
                    let Some(found) = wanted.upgrade() else { return };
                    let started = js_sys::Date::now();
                    while js_sys::Date::now() - started < SLICE_MS {
                        if let Some(answer) = proof::search(&token, difficulty, next, TRIES) {
                            found.set(Some(answer));
                            return;
                        }
                        next += TRIES;
                    }
                }
                sleep(0).await;
            }
        });
        Solver { challenge, received_at, proof }
    }

    /// The challenge's token and its proof, once both the proof is found and
    /// the challenge is old enough that no person could have signed sooner
    /// (the server holds back signatures sent faster). Usually both are long
    /// done by the time someone has typed their name and address.
    ///
    /// Takes a `Weak` so that waiting doesn't keep the solver alive: `None`
    /// as soon as it is dropped (the widget unmounted, or a new challenge
    /// replaced this one), rather than waiting for a proof that will never come.
    pub async fn answer(solver: Weak<Solver>) -> Option<(String, u64)> {
        let ready_at = {
            let solver = solver.upgrade()?;
            solver.received_at + f64::from(solver.challenge.min_seconds) * 1000.0
        };
        let wait = ready_at - js_sys::Date::now();
        if wait > 0.0 {
            sleep(wait.ceil() as u32 + 50).await;
        }
        loop {
            {
                let solver = solver.upgrade()?;
                if let Some(proof) = solver.proof.get() {
                    return Some((solver.challenge.token.clone(), proof));
                }
            }
            sleep(20).await;
        }
    }
}
