//! Answering the server's proof-of-work challenge (see `petition_core::proof`)
//! while the person types: the search runs in slices of a few milliseconds,
//! so the page never stalls, and starts the moment the petition arrives.

use std::{cell::Cell, rc::Rc};

use petition_core::{proof, Challenge};

use crate::dom::sleep;

/// Each slice of the search stops after about this long and lets the browser
/// handle input and paint before the next.
const SLICE_MS: f64 = 8.0;
/// Proofs tried between looks at the clock.
const TRIES: u64 = 256;

/// One challenge being answered.
pub struct Solver {
    challenge: Challenge,
    /// When the challenge arrived (`Date.now()`).
    received_at: f64,
    proof: Rc<Cell<Option<u64>>>,
}

impl Solver {
    /// Starts answering `challenge` in the background.
    #[inline(never)]
    pub fn start(challenge: Challenge) -> Solver {
        let proof = Rc::new(Cell::new(None));
        let found = proof.clone();
        let (token, difficulty) = (challenge.token.clone(), challenge.difficulty);
        wasm_bindgen_futures::spawn_local(async move {
            let mut next = 0u64;
            loop {
                let started = js_sys::Date::now();
                while js_sys::Date::now() - started < SLICE_MS {
                    if let Some(answer) = proof::search(&token, difficulty, next, TRIES) {
                        found.set(Some(answer));
                        return;
                    }
                    next += TRIES;
                }
                sleep(0).await;
            }
        });
        Solver { challenge, received_at: js_sys::Date::now(), proof }
    }

    /// The challenge's token and its proof, once both the proof is found and
    /// the challenge is old enough that no person could have signed sooner
    /// (the server holds back signatures sent faster). Usually both are long
    /// done by the time someone has typed their name and address.
    pub async fn answer(&self) -> (String, u64) {
        let ready_at = self.received_at + f64::from(self.challenge.min_seconds) * 1000.0;
        let wait = ready_at - js_sys::Date::now();
        if wait > 0.0 {
            sleep(wait.ceil() as u32 + 50).await;
        }
        loop {
            if let Some(proof) = self.proof.get() {
                return (self.challenge.token.clone(), proof);
            }
            sleep(20).await;
        }
    }
}
