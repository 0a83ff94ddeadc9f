//! Keeping the count to real people: proof-of-work challenges, the timing and
//! honeypot checks, and per-source rates. No third party is involved.
//!
//! A *source* is where requests come from, known only as a keyed hash of its
//! IP address ([`Guard::source`]): the raw address is never stored, and without
//! the server's secret the hash cannot be turned back into one by trying every
//! address.

use std::{
    collections::{HashMap, VecDeque},
    net::IpAddr,
    sync::Mutex,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use hmac::{Hmac, Mac};
use petition_core::{proof, Challenge};
use sha2::Sha256;

use crate::clock::Clock;

/// How long a challenge can be answered: a person may leave the page open a
/// while before signing. The widget asks for a new one when it has expired.
pub const CHALLENGE_LIFETIME: Duration = Duration::from_secs(2 * 60 * 60);

/// How the guard is tuned; every number can be set on the command line.
#[derive(Debug, Clone, clap::Args)]
pub struct GuardConfig {
    /// Proof-of-work difficulty in leading zero bits when all is calm (16 takes
    /// a phone well under a second; each extra bit doubles it).
    #[arg(long, env = "PETITION_PROOF_DIFFICULTY", default_value_t = GuardConfig::DEFAULT.proof_difficulty)]
    pub proof_difficulty: u8,

    /// A signature sent sooner than this many seconds after its form was shown
    /// is stored for review, not counted.
    #[arg(long, env = "PETITION_MIN_FILL_SECONDS", default_value_t = GuardConfig::DEFAULT.min_fill_seconds)]
    pub min_fill_seconds: u32,

    /// Signatures one source can add in ten minutes before further ones are
    /// held for review (a household or an office shares an address).
    #[arg(long, env = "PETITION_SOURCE_SIGNATURES_PER_10_MIN", default_value_t = GuardConfig::DEFAULT.source_signatures_per_10_min)]
    pub source_signatures_per_10_min: usize,

    /// Signing requests one source can make in a minute before it is answered
    /// 429 Too Many Requests.
    #[arg(long, env = "PETITION_SOURCE_REQUESTS_PER_MIN", default_value_t = GuardConfig::DEFAULT.source_requests_per_min)]
    pub source_requests_per_min: usize,

    /// Live-count streams one source may hold open at once (each page holds
    /// one: this is an office with many tabs open); more get 429.
    #[arg(long, env = "PETITION_SOURCE_STREAMS", default_value_t = GuardConfig::DEFAULT.source_streams)]
    pub source_streams: usize,

    /// Signing requests a minute on one petition above which its challenges
    /// get harder, until it calms down.
    #[arg(long, env = "PETITION_BUSY_REQUESTS_PER_MIN", default_value_t = GuardConfig::DEFAULT.busy_requests_per_min)]
    pub busy_requests_per_min: usize,

    /// Take the client's address from the last X-Forwarded-For entry: only
    /// behind a reverse proxy that sets it, or anyone could pick their own.
    #[arg(long, env = "PETITION_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,
}

impl GuardConfig {
    /// The defaults, written once: the command line's and [`Default`]'s.
    pub const DEFAULT: GuardConfig = GuardConfig {
        proof_difficulty: 16,
        min_fill_seconds: 3,
        source_signatures_per_10_min: 5,
        source_requests_per_min: 30,
        busy_requests_per_min: 120,
        source_streams: 50,
        trust_forwarded_for: false,
    };
}

impl Default for GuardConfig {
    fn default() -> GuardConfig {
        GuardConfig::DEFAULT
    }
}

/// Extra difficulty while a petition is busy, and for a source that is
/// signing more than a person would.
const BUSY_EXTRA_BITS: u8 = 2;
const SOURCE_EXTRA_BITS: u8 = 4;

/// Why a challenge was not accepted. Bots learn nothing from which one: the
/// client sees one answer for all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No token, a token not from this server, or for another petition.
    Invalid,
    /// Older than [`CHALLENGE_LIFETIME`].
    Expired,
    /// The proof doesn't solve the token.
    WrongProof,
}

impl Refusal {
    /// The word the metrics count it under.
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Invalid => "challenge-invalid",
            Refusal::Expired => "challenge-expired",
            Refusal::WrongProof => "challenge-wrong-proof",
        }
    }
}

/// A challenge that checked out: what the signing needs to know of it.
#[derive(Debug, Clone)]
pub struct Answered {
    /// Unique per challenge: stored when spent, so it can be spent once.
    pub id: String,
    /// When it was issued.
    pub issued: SystemTime,
    /// When it can no longer be spent (and its record can go).
    pub expires_unix: i64,
}

/// Why a signature is stored but not counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// The hidden field was filled in.
    Honeypot,
    /// Sent sooner after the form was shown than a person could.
    TooFast,
    /// One more from a source that has already signed several times just now.
    Burst,
}

impl Flag {
    /// The word stored in `signatures.flag`.
    pub fn code(self) -> &'static str {
        match self {
            Flag::Honeypot => "honeypot",
            Flag::TooFast => "too-fast",
            Flag::Burst => "burst",
        }
    }
}

/// One of the guard's rates, as instances share them (see [`crate::live`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rate {
    /// Requests per source per minute (`--source-requests-per-min`).
    Requests,
    /// Signatures per source per 10 minutes (`--source-signatures-per-10-min`).
    Signatures,
    /// Signing requests per petition per minute (`--busy-requests-per-min`).
    PetitionRequests,
}

impl Rate {
    /// As stored between instances.
    pub fn code(self) -> &'static str {
        match self {
            Rate::Requests => "requests",
            Rate::Signatures => "signatures",
            Rate::PetitionRequests => "petition-requests",
        }
    }

    /// The rate stored as `code`.
    pub fn parse(code: &str) -> Option<Rate> {
        [Rate::Requests, Rate::Signatures, Rate::PetitionRequests].into_iter().find(|rate| rate.code() == code)
    }
}

/// The server's defences, shared by every request.
pub struct Guard {
    config: GuardConfig,
    key: Vec<u8>,
    clock: Clock,
    requests: Rates<String>,
    signatures: Rates<String>,
    petition_requests: Rates<String>,
}

impl Guard {
    /// A guard signing with `key` (the server's secret, kept in the database
    /// so that every instance shares it), reading the time from `clock`.
    pub fn new(config: GuardConfig, key: Vec<u8>, clock: Clock) -> Guard {
        let minute = Duration::from_secs(60);
        Guard {
            config,
            key,
            requests: Rates::new(minute, clock.clone()),
            signatures: Rates::new(minute * 10, clock.clone()),
            petition_requests: Rates::new(minute, clock.clone()),
            clock,
        }
    }

    /// The source of a request from `peer` with the given X-Forwarded-For.
    pub fn source(&self, peer: IpAddr, forwarded_for: Option<&str>) -> String {
        let ip = forwarded_for
            .filter(|_| self.config.trust_forwarded_for)
            .and_then(|list| list.rsplit(',').next())
            .and_then(|last| last.trim().parse::<IpAddr>().ok())
            .unwrap_or(peer);
        // IPv6 users get a /64 each: counting by the full address would let
        // one machine be millions of sources.
        let network = match ip {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        };
        hex::encode(&self.mac(&["source", &network])[..12])
    }

    /// A new challenge for a person about to sign `slug` from `source`.
    pub fn challenge(&self, slug: &str, source: &str) -> Challenge {
        let mut difficulty = self.config.proof_difficulty;
        if self.petition_requests.count(slug) > self.config.busy_requests_per_min {
            difficulty = difficulty.saturating_add(BUSY_EXTRA_BITS);
        }
        if self.signatures.count(source) >= self.config.source_signatures_per_10_min {
            difficulty = difficulty.saturating_add(SOURCE_EXTRA_BITS);
        }
        let difficulty = difficulty.min(proof::MAX_DIFFICULTY);
        let mut nonce = [0u8; 16];
        getrandom::getrandom(&mut nonce).expect("the operating system provides randomness");
        let issued_ms = self.clock.now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis();
        let body = format!("{slug}.{issued_ms}.{difficulty}.{}", hex::encode(nonce));
        let mac = hex::encode(&self.mac(&["challenge", &body])[..16]);
        Challenge { token: format!("{body}.{mac}"), difficulty, min_seconds: self.config.min_fill_seconds }
    }

    /// Checks that `proof` answers a challenge this server issued for `slug`
    /// that is still current. Whether it was spent already is the database's
    /// to say, in the signature's own transaction.
    pub fn check(&self, slug: &str, token: &str, proof: u64) -> Result<Answered, Refusal> {
        let (body, mac) = token.rsplit_once('.').ok_or(Refusal::Invalid)?;
        let mac = hex::decode(mac).map_err(|_| Refusal::Invalid)?;
        let expected = self.hmac(&["challenge", body]);
        // Constant-time comparison: the token's signature can't be guessed
        // a byte at a time.
        if mac.len() != 16 || expected.verify_truncated_left(&mac).is_err() {
            return Err(Refusal::Invalid);
        }
        let mut parts = body.split('.');
        let (Some(for_slug), Some(issued_ms), Some(difficulty), Some(id), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Refusal::Invalid);
        };
        if for_slug != slug {
            return Err(Refusal::Invalid);
        }
        let issued_ms: u64 = issued_ms.parse().map_err(|_| Refusal::Invalid)?;
        let difficulty: u8 = difficulty.parse().map_err(|_| Refusal::Invalid)?;
        let issued = UNIX_EPOCH + Duration::from_millis(issued_ms);
        let expires = issued + CHALLENGE_LIFETIME;
        if self.clock.now() > expires {
            return Err(Refusal::Expired);
        }
        if !proof::is_solution(token, proof, difficulty) {
            return Err(Refusal::WrongProof);
        }
        let expires_unix = expires.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs() as i64;
        Ok(Answered { id: id.to_owned(), issued, expires_unix })
    }

    /// Records a signing request from `source` on `slug`; `Err` with how long
    /// to wait when the source is flooding.
    pub fn admit(&self, slug: &str, source: &str) -> Result<(), Duration> {
        self.petition_requests.record(slug.to_owned());
        if self.requests.count(source) >= self.config.source_requests_per_min {
            return Err(self.requests.until_below(source, self.config.source_requests_per_min));
        }
        self.requests.record(source.to_owned());
        Ok(())
    }

    /// From now on, keeps the events counted here for [`Guard::take_fresh`]
    /// (several instances share one database and tell each other).
    pub fn start_sharing(&self) {
        for (_, rates) in self.rates() {
            rates.sharing.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// The events counted here since the last call, per rate and key, for
    /// the other instances on the database.
    pub fn take_fresh(&self) -> Vec<(Rate, String, u32)> {
        let mut fresh = vec![];
        for (rate, rates) in self.rates() {
            fresh.extend(rates.take_fresh().into_iter().map(|(key, n)| (rate, key, n)));
        }
        fresh
    }

    /// `n` events another instance counted under `rate` for `key` at `at`:
    /// they count here too, for the rest of their window.
    pub fn record_elsewhere(&self, rate: Rate, key: String, at: SystemTime, n: u32) {
        if let Some((_, rates)) = self.rates().into_iter().find(|(r, _)| *r == rate) {
            rates.record_elsewhere(key, at, n);
        }
    }

    fn rates(&self) -> [(Rate, &Rates<String>); 3] {
        [
            (Rate::Requests, &self.requests),
            (Rate::Signatures, &self.signatures),
            (Rate::PetitionRequests, &self.petition_requests),
        ]
    }

    /// How many live-count streams one source may hold open.
    pub fn streams_per_source(&self) -> usize {
        self.config.source_streams
    }

    /// Whether a signature that passed its challenge is counted, or why not.
    pub fn judge(&self, source: &str, answered: &Answered, honeypot: &str) -> Option<Flag> {
        let flag = if !honeypot.trim().is_empty() {
            Some(Flag::Honeypot)
        } else if self.clock.now().duration_since(answered.issued).unwrap_or_default()
            < Duration::from_secs(self.config.min_fill_seconds.into())
        {
            Some(Flag::TooFast)
        } else if self.signatures.count(source) >= self.config.source_signatures_per_10_min {
            Some(Flag::Burst)
        } else {
            None
        };
        self.signatures.record(source.to_owned());
        flag
    }

    fn hmac(&self, parts: &[&str]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes a key of any length");
        for part in parts {
            // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
            mac.update(&(part.len() as u64).to_le_bytes());
            mac.update(part.as_bytes());
        }
        mac
    }

    fn mac(&self, parts: &[&str]) -> Vec<u8> {
        self.hmac(parts).finalize().into_bytes().to_vec()
    }
}

/// Events per key within a sliding window, in memory. Old events fall out as
/// keys are touched, and idle keys are swept now and then, so memory follows
/// the number of recent sources, not all of them ever.
struct Rates<K> {
    window: Duration,
    clock: Clock,
    events: Mutex<(HashMap<K, VecDeque<SystemTime>>, SystemTime)>,
    /// Events recorded here since [`Rates::take_fresh`] last took them,
    /// kept only while other instances are told of them.
    fresh: Mutex<HashMap<K, u32>>,
    sharing: std::sync::atomic::AtomicBool,
}

impl<K: std::hash::Hash + Eq + Clone + std::borrow::Borrow<str>> Rates<K> {
    fn new(window: Duration, clock: Clock) -> Rates<K> {
        let now = clock.now();
        Rates { window, clock, events: Mutex::new((HashMap::new(), now)), fresh: Mutex::default(), sharing: Default::default() }
    }

    fn record(&self, key: K) {
        let now = self.clock.now();
        let mut guard = self.events.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (events, last_sweep) = &mut *guard;
        if age(now, *last_sweep) > self.window {
            events.retain(|_, times| times.back().is_some_and(|t| age(now, *t) < self.window));
            *last_sweep = now;
        }
        let times = events.entry(key.clone()).or_default();
        Self::expire(times, now, self.window);
        times.push_back(now);
        drop(guard);
        if !self.sharing.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        *self.fresh.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).entry(key).or_default() += 1;
    }

    fn take_fresh(&self) -> Vec<(K, u32)> {
        std::mem::take(&mut *self.fresh.lock().unwrap_or_else(|poisoned| poisoned.into_inner())).into_iter().collect()
    }

    /// `n` events at `at` from elsewhere, kept in time order.
    fn record_elsewhere(&self, key: K, at: SystemTime, n: u32) {
        let now = self.clock.now();
        if age(now, at) >= self.window {
            return;
        }
        let mut guard = self.events.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let times = guard.0.entry(key).or_default();
        let position = times.partition_point(|t| *t <= at);
        for _ in 0..n {
            times.insert(position, at);
        }
    }

    fn count(&self, key: &str) -> usize {
        let now = self.clock.now();
        let mut guard = self.events.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        guard.0.get_mut(key).map_or(0, |times| {
            Self::expire(times, now, self.window);
            times.len()
        })
    }

    /// How long until fewer than `limit` events remain in the window.
    fn until_below(&self, key: &str, limit: usize) -> Duration {
        let now = self.clock.now();
        let guard = self.events.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let Some(times) = guard.0.get(key) else { return Duration::ZERO };
        let excess = (times.len() + 1).saturating_sub(limit);
        times
            .get(excess.saturating_sub(1))
            .map_or(Duration::ZERO, |t| (*t + self.window).duration_since(now).unwrap_or_default())
    }

    fn expire(times: &mut VecDeque<SystemTime>, now: SystemTime, window: Duration) {
        while times.front().is_some_and(|t| age(now, *t) >= window) {
            times.pop_front();
        }
    }
}

/// How long before `now` `then` was; nothing if the clock was set back.
fn age(now: SystemTime, then: SystemTime) -> Duration {
    now.duration_since(then).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock() -> Clock {
        Clock::manual(UNIX_EPOCH + Duration::from_secs(1_800_000_000))
    }

    fn guard() -> Guard {
        Guard::new(GuardConfig { proof_difficulty: 4, ..GuardConfig::default() }, b"test key".to_vec(), clock())
    }

    fn solve(challenge: &Challenge) -> u64 {
        proof::search(&challenge.token, challenge.difficulty, 0, 1 << 20).unwrap()
    }

    #[test]
    fn a_solved_challenge_checks_out_for_its_own_petition_only() {
        let guard = guard();
        let challenge = guard.challenge("stop-sharing", "src");
        let proof = solve(&challenge);
        assert!(guard.check("stop-sharing", &challenge.token, proof).is_ok());
        assert_eq!(guard.check("other", &challenge.token, proof).unwrap_err(), Refusal::Invalid);
    }

    #[test]
    fn a_tampered_token_is_refused() {
        let guard = guard();
        let challenge = guard.challenge("stop-sharing", "src");
        // Lowering the difficulty written in the token breaks its signature.
        let parts: Vec<&str> = challenge.token.split('.').collect();
        let easier = format!("{}.{}.0.{}.{}", parts[0], parts[1], parts[3], parts[4]);
        assert_eq!(guard.check("stop-sharing", &easier, 0).unwrap_err(), Refusal::Invalid);
        let other_server = Guard::new(GuardConfig::default(), b"another key".to_vec(), clock());
        assert_eq!(other_server.check("stop-sharing", &challenge.token, solve(&challenge)).unwrap_err(), Refusal::Invalid);
        for junk in ["", ".", "a.b.c.d.e", "stop-sharing.1.4.00.zz"] {
            assert_eq!(guard.check("stop-sharing", junk, 0).unwrap_err(), Refusal::Invalid, "{junk:?}");
        }
    }

    #[test]
    fn sources_are_hashed_and_forwarded_for_is_trusted_only_when_told() {
        let guard = guard();
        let peer: IpAddr = "203.0.113.9".parse().unwrap();
        let a = guard.source(peer, Some("198.51.100.1"));
        assert_eq!(a, guard.source(peer, None), "X-Forwarded-For is ignored unless trusted");
        assert!(!a.contains("203"), "no trace of the address");
        let trusting = Guard::new(GuardConfig { trust_forwarded_for: true, ..GuardConfig::default() }, b"k".to_vec(), clock());
        assert_ne!(trusting.source(peer, Some("198.51.100.1")), trusting.source(peer, Some("198.51.100.2")));
        // The proxy's own entry is the last one; earlier ones are the client's to invent.
        assert_eq!(trusting.source(peer, Some("1.2.3.4, 198.51.100.1")), trusting.source(peer, Some("198.51.100.1")));
        // One IPv6 /64 is one source.
        let v6 = |s: &str| trusting.source(peer, Some(s));
        assert_eq!(v6("2001:db8:1:2::1"), v6("2001:db8:1:2:ffff::9"));
        assert_ne!(v6("2001:db8:1:2::1"), v6("2001:db8:1:3::1"));
    }

    #[test]
    fn a_flood_is_told_when_to_come_back() {
        let clock = clock();
        let guard = Guard::new(GuardConfig { source_requests_per_min: 3, ..GuardConfig::default() }, b"k".to_vec(), clock.clone());
        for _ in 0..3 {
            assert!(guard.admit("p", "flood").is_ok());
            clock.advance(Duration::from_secs(10));
        }
        // The first of the three leaves its minute 30 s from now.
        assert_eq!(guard.admit("p", "flood"), Err(Duration::from_secs(30)));
        assert!(guard.admit("p", "someone else").is_ok());
        clock.advance(Duration::from_secs(29));
        assert!(guard.admit("p", "flood").is_err(), "not yet");
        clock.advance(Duration::from_secs(1));
        assert!(guard.admit("p", "flood").is_ok(), "told when, and true to it");
    }

    #[test]
    fn a_form_sent_sooner_than_a_person_could_fill_it_is_held() {
        let clock = clock();
        let guard = Guard::new(GuardConfig::default(), b"k".to_vec(), clock.clone());
        let answered = Answered { id: "x".into(), issued: clock.now(), expires_unix: 0 };
        clock.advance(Duration::from_millis(2999));
        assert_eq!(guard.judge("s", &answered, ""), Some(Flag::TooFast));
        clock.advance(Duration::from_millis(1));
        assert_eq!(guard.judge("t", &answered, ""), None, "three seconds is a person's pace");
    }

    #[test]
    fn a_challenge_expires_after_its_lifetime() {
        let clock = clock();
        let guard = Guard::new(GuardConfig { proof_difficulty: 4, ..GuardConfig::default() }, b"k".to_vec(), clock.clone());
        let challenge = guard.challenge("p", "s");
        let proof = solve(&challenge);
        clock.advance(CHALLENGE_LIFETIME);
        assert!(guard.check("p", &challenge.token, proof).is_ok(), "still good at the very end");
        clock.advance(Duration::from_secs(1));
        assert_eq!(guard.check("p", &challenge.token, proof).unwrap_err(), Refusal::Expired);
    }

    #[test]
    fn a_busy_petition_and_a_busy_source_get_harder_challenges() {
        let guard = Guard::new(
            GuardConfig { busy_requests_per_min: 2, source_signatures_per_10_min: 1, ..GuardConfig::default() },
            b"k".to_vec(),
            clock(),
        );
        assert_eq!(guard.challenge("p", "s").difficulty, 16);
        for _ in 0..3 {
            guard.admit("p", "s").unwrap();
        }
        assert_eq!(guard.challenge("p", "s").difficulty, 18);
        assert_eq!(guard.challenge("quiet", "s").difficulty, 16);
        let answered = Answered { id: "x".into(), issued: UNIX_EPOCH, expires_unix: 0 };
        assert_eq!(guard.judge("s", &answered, ""), None);
        assert_eq!(guard.challenge("quiet", "s").difficulty, 20);
        assert_eq!(guard.judge("s", &answered, ""), Some(Flag::Burst));
        assert_eq!(guard.judge("t", &answered, "https://spam.example"), Some(Flag::Honeypot));
    }

    #[test]
    fn the_difficulty_falls_back_when_a_petition_and_a_source_calm_down() {
        let clock = clock();
        let config = GuardConfig { busy_requests_per_min: 2, source_signatures_per_10_min: 1, ..GuardConfig::default() };
        let guard = Guard::new(config, b"k".to_vec(), clock.clone());
        let answered = Answered { id: "x".into(), issued: UNIX_EPOCH, expires_unix: 0 };
        for _ in 0..3 {
            guard.admit("p", "s").unwrap();
        }
        guard.judge("s", &answered, "");
        guard.judge("s", &answered, "");
        assert_eq!(guard.challenge("p", "s").difficulty, 16 + BUSY_EXTRA_BITS + SOURCE_EXTRA_BITS);
        clock.advance(Duration::from_secs(59));
        assert_eq!(guard.challenge("p", "s").difficulty, 16 + BUSY_EXTRA_BITS + SOURCE_EXTRA_BITS, "within the minute");
        clock.advance(Duration::from_secs(1));
        assert_eq!(guard.challenge("p", "s").difficulty, 16 + SOURCE_EXTRA_BITS, "the petition's minute is over");
        clock.advance(Duration::from_secs(9 * 60));
        assert_eq!(guard.challenge("p", "s").difficulty, 16, "and the source's ten minutes");
    }
}
