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
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use hmac::{Hmac, Mac};
use petition_core::{proof, Challenge};
use sha2::Sha256;

/// How long a challenge can be answered: a person may leave the page open a
/// while before signing. The widget asks for a new one when it has expired.
pub const CHALLENGE_LIFETIME: Duration = Duration::from_secs(2 * 60 * 60);

/// How the guard is tuned; every number can be set on the command line.
#[derive(Debug, Clone, clap::Args)]
pub struct GuardConfig {
    /// Proof-of-work difficulty in leading zero bits when all is calm (16 takes
    /// a phone well under a second; each extra bit doubles it).
    #[arg(long, env = "PETITION_PROOF_DIFFICULTY", default_value_t = 16)]
    pub proof_difficulty: u8,

    /// A signature sent sooner than this many seconds after its form was shown
    /// is stored for review, not counted.
    #[arg(long, env = "PETITION_MIN_FILL_SECONDS", default_value_t = 3)]
    pub min_fill_seconds: u32,

    /// Signatures one source can add in ten minutes before further ones are
    /// held for review (a household or an office shares an address).
    #[arg(long, env = "PETITION_SOURCE_SIGNATURES_PER_10_MIN", default_value_t = 5)]
    pub source_signatures_per_10_min: usize,

    /// Signing requests one source can make in a minute before it is answered
    /// 429 Too Many Requests.
    #[arg(long, env = "PETITION_SOURCE_REQUESTS_PER_MIN", default_value_t = 30)]
    pub source_requests_per_min: usize,

    /// Signing requests a minute on one petition above which its challenges
    /// get harder, until it calms down.
    #[arg(long, env = "PETITION_BUSY_REQUESTS_PER_MIN", default_value_t = 120)]
    pub busy_requests_per_min: usize,

    /// Take the client's address from the last X-Forwarded-For entry: only
    /// behind a reverse proxy that sets it, or anyone could pick their own.
    #[arg(long, env = "PETITION_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,
}

impl Default for GuardConfig {
    fn default() -> GuardConfig {
        GuardConfig {
            proof_difficulty: 16,
            min_fill_seconds: 3,
            source_signatures_per_10_min: 5,
            source_requests_per_min: 30,
            busy_requests_per_min: 120,
            trust_forwarded_for: false,
        }
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

/// The server's defences, shared by every request.
pub struct Guard {
    config: GuardConfig,
    key: Vec<u8>,
    requests: Rates<String>,
    signatures: Rates<String>,
    petition_requests: Rates<String>,
}

impl Guard {
    /// A guard signing with `key` (the server's secret, kept in the database
    /// so that every instance shares it).
    pub fn new(config: GuardConfig, key: Vec<u8>) -> Guard {
        Guard::counting_per(config, key, Duration::from_secs(60))
    }

    /// A guard whose "per minute" is `minute` (and "per ten minutes" ten of
    /// them): the tests' way to see rates calm down without waiting minutes.
    fn counting_per(config: GuardConfig, key: Vec<u8>, minute: Duration) -> Guard {
        Guard {
            config,
            key,
            requests: Rates::new(minute),
            signatures: Rates::new(minute * 10),
            petition_requests: Rates::new(minute),
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
        let issued_ms = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis();
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
        if SystemTime::now() > expires {
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

    /// Whether a signature that passed its challenge is counted, or why not.
    pub fn judge(&self, source: &str, answered: &Answered, honeypot: &str) -> Option<Flag> {
        let flag = if !honeypot.trim().is_empty() {
            Some(Flag::Honeypot)
        } else if answered.issued.elapsed().unwrap_or_default() < Duration::from_secs(self.config.min_fill_seconds.into())
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
    events: Mutex<(HashMap<K, VecDeque<Instant>>, Instant)>,
}

impl<K: std::hash::Hash + Eq + Clone + std::borrow::Borrow<str>> Rates<K> {
    fn new(window: Duration) -> Rates<K> {
        Rates { window, events: Mutex::new((HashMap::new(), Instant::now())) }
    }

    fn record(&self, key: K) {
        let now = Instant::now();
        let mut guard = self.events.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (events, last_sweep) = &mut *guard;
        if now.duration_since(*last_sweep) > self.window {
            events.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < self.window));
            *last_sweep = now;
        }
        let times = events.entry(key).or_default();
        Self::expire(times, now, self.window);
        times.push_back(now);
    }

    fn count(&self, key: &str) -> usize {
        let now = Instant::now();
        let mut guard = self.events.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        guard.0.get_mut(key).map_or(0, |times| {
            Self::expire(times, now, self.window);
            times.len()
        })
    }

    /// How long until fewer than `limit` events remain in the window.
    fn until_below(&self, key: &str, limit: usize) -> Duration {
        let now = Instant::now();
        let guard = self.events.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let Some(times) = guard.0.get(key) else { return Duration::ZERO };
        let excess = (times.len() + 1).saturating_sub(limit);
        times
            .get(excess.saturating_sub(1))
            .map_or(Duration::ZERO, |t| (*t + self.window).saturating_duration_since(now))
    }

    fn expire(times: &mut VecDeque<Instant>, now: Instant, window: Duration) {
        while times.front().is_some_and(|t| now.duration_since(*t) >= window) {
            times.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard() -> Guard {
        Guard::new(GuardConfig { proof_difficulty: 4, ..GuardConfig::default() }, b"test key".to_vec())
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
        let other_server = Guard::new(GuardConfig::default(), b"another key".to_vec());
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
        let trusting = Guard::new(GuardConfig { trust_forwarded_for: true, ..GuardConfig::default() }, b"k".to_vec());
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
        let guard = Guard::new(GuardConfig { source_requests_per_min: 3, ..GuardConfig::default() }, b"k".to_vec());
        for _ in 0..3 {
            assert!(guard.admit("p", "flood").is_ok());
        }
        let wait = guard.admit("p", "flood").unwrap_err();
        assert!(wait > Duration::from_secs(55) && wait <= Duration::from_secs(60), "{wait:?}");
        assert!(guard.admit("p", "someone else").is_ok());
    }

    #[test]
    fn a_busy_petition_and_a_busy_source_get_harder_challenges() {
        let guard = Guard::new(
            GuardConfig { busy_requests_per_min: 2, source_signatures_per_10_min: 1, ..GuardConfig::default() },
            b"k".to_vec(),
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
        let minute = Duration::from_millis(40);
        let config = GuardConfig { busy_requests_per_min: 2, source_signatures_per_10_min: 1, ..GuardConfig::default() };
        let guard = Guard::counting_per(config, b"k".to_vec(), minute);
        let answered = Answered { id: "x".into(), issued: UNIX_EPOCH, expires_unix: 0 };
        for _ in 0..3 {
            guard.admit("p", "s").unwrap();
        }
        guard.judge("s", &answered, "");
        guard.judge("s", &answered, "");
        assert_eq!(guard.challenge("p", "s").difficulty, 16 + BUSY_EXTRA_BITS + SOURCE_EXTRA_BITS);
        std::thread::sleep(minute + minute / 2);
        assert_eq!(guard.challenge("p", "s").difficulty, 16 + SOURCE_EXTRA_BITS, "the petition's minute is over");
        std::thread::sleep(minute * 10);
        assert_eq!(guard.challenge("p", "s").difficulty, 16, "and the source's ten minutes");
    }
}
