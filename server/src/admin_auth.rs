//! Who may use `/api/admin/`: whoever presents the admin token from the
//! environment, or a name and password from the passwords file (Argon2id).
//!
//! Every check takes the same path whatever is wrong: the token is compared
//! as SHA-256 digests in constant time, and an unknown name is still checked
//! against a password hash, so neither the timing nor the answer tells a
//! caller which part was wrong.

use std::path::PathBuf;

use anyhow::{bail, Context};
use argon2::{
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The shortest admin token accepted: 32 characters of a random string.
const TOKEN_MIN_CHARS: usize = 32;

/// How the organiser's HTTP API is reached.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AdminConfig {
    /// A secret of 32 characters or more that opens /api/admin/ as
    /// `Authorization: Bearer <token>` (e.g. from `openssl rand -hex 32`).
    /// Without it and without --admin-passwords, /api/admin/ answers 403.
    #[arg(long, env = "PETITION_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,

    /// A file of `name:hash` lines, each hash made by `petition-server admin
    /// hash-password`, for `Authorization: Basic` (name and password).
    #[arg(long, env = "PETITION_ADMIN_PASSWORDS")]
    pub admin_passwords: Option<PathBuf>,
}

/// The credentials the server accepts, read once at start-up.
pub struct AdminAuth {
    token: Option<[u8; 32]>,
    users: Vec<(String, String)>,
    /// Checked when a name is unknown, so that it costs what a known one does.
    decoy: String,
}

/// Why a request is not let in. Both get the same words.
#[derive(Debug, PartialEq, Eq)]
pub enum Denied {
    /// 401: no credentials, or wrong ones.
    Unauthorized,
    /// 403: the server has no admin credentials at all.
    Disabled,
}

impl AdminAuth {
    /// Reads the token and the passwords file; a short token or a bad line stops the start.
    pub fn new(config: &AdminConfig) -> anyhow::Result<AdminAuth> {
        let token = match &config.admin_token {
            Some(token) if token.chars().count() < TOKEN_MIN_CHARS => {
                bail!("--admin-token must be at least {TOKEN_MIN_CHARS} characters: use a random one, e.g. `openssl rand -hex 32`")
            }
            Some(token) => Some(Sha256::digest(token.as_bytes()).into()),
            None => None,
        };
        let mut users = Vec::new();
        if let Some(path) = &config.admin_passwords {
            let text = std::fs::read_to_string(path).with_context(|| format!("could not read {}", path.display()))?;
            for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#')) {
                let Some((name, hash)) = line.split_once(':') else {
                    bail!("{} line {}: expected name:hash", path.display(), n + 1);
                };
                let parsed = PasswordHash::new(hash.trim())
                    .map_err(|e| anyhow::anyhow!("{} line {}: not a password hash ({e})", path.display(), n + 1))?;
                if parsed.algorithm.as_str() != "argon2id" {
                    bail!("{} line {}: the hash must be Argon2id (petition-server admin hash-password)", path.display(), n + 1);
                }
                users.push((name.trim().to_owned(), hash.trim().to_owned()));
            }
        }
        Ok(AdminAuth { token, users, decoy: hash_password("not a password anyone has")? })
    }

    /// Checks an `Authorization` header's value.
    pub fn check(&self, authorization: Option<&str>) -> Result<(), Denied> {
        if self.token.is_none() && self.users.is_empty() {
            return Err(Denied::Disabled);
        }
        let authorization = authorization.unwrap_or("");
        if let Some(presented) = authorization.strip_prefix("Bearer ") {
            let presented: [u8; 32] = Sha256::digest(presented.trim().as_bytes()).into();
            let expected = self.token.unwrap_or([0; 32]);
            let matches: bool = presented.ct_eq(&expected).into();
            return if matches && self.token.is_some() { Ok(()) } else { Err(Denied::Unauthorized) };
        }
        if let Some(encoded) = authorization.strip_prefix("Basic ") {
            let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).unwrap_or_default();
            let decoded = String::from_utf8(decoded).unwrap_or_default();
            let (name, password) = decoded.split_once(':').unwrap_or(("", ""));
            let user = self.users.iter().find(|(n, _)| n.as_bytes().ct_eq(name.as_bytes()).into());
            let hash = user.map_or(self.decoy.as_str(), |(_, hash)| hash.as_str());
            let verified = PasswordHash::new(hash)
                .is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok());
            return if verified && user.is_some() { Ok(()) } else { Err(Denied::Unauthorized) };
        }
        Err(Denied::Unauthorized)
    }
}

/// Whether `password` is the one `hash` (PHC form) was made from. With no
/// hash (an unknown name) a decoy is checked instead, so the answer takes
/// as long either way, and is `false`.
pub fn verify_password(hash: Option<&str>, password: &str) -> bool {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let decoy = DECOY.get_or_init(|| hash_password("not a password anyone has").unwrap_or_default());
    let verified = PasswordHash::new(hash.unwrap_or(decoy))
        .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok());
    verified && hash.is_some()
}

/// An Argon2id hash of `password` with a fresh salt, in PHC form.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).expect("the operating system provides randomness");
    let salt = SaltString::encode_b64(&bytes).map_err(|e| anyhow::anyhow!("could not make a salt: {e}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| anyhow::anyhow!("could not hash the password: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(name: &str, password: &str) -> String {
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{name}:{password}")))
    }

    #[test]
    fn the_token_and_passwords_let_in_and_nothing_else_does() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("passwords");
        std::fs::write(&file, format!("# organisers\nnadia:{}\n", hash_password("correct horse battery").unwrap())).unwrap();
        let token = "0123456789abcdef0123456789abcdef".to_owned();
        let auth = AdminAuth::new(&AdminConfig { admin_token: Some(token.clone()), admin_passwords: Some(file) }).unwrap();
        assert_eq!(auth.check(Some(&format!("Bearer {token}"))), Ok(()));
        assert_eq!(auth.check(Some(&basic("nadia", "correct horse battery"))), Ok(()));
        for wrong in [
            None,
            Some("".to_owned()),
            Some(format!("Bearer {token}x")),
            Some("Bearer ".to_owned()),
            Some(basic("nadia", "wrong")),
            Some(basic("nobody", "correct horse battery")),
            Some("Basic !!!".to_owned()),
            Some(token.clone()),
        ] {
            assert_eq!(auth.check(wrong.as_deref()), Err(Denied::Unauthorized), "{wrong:?}");
        }
    }

    #[test]
    fn without_credentials_the_admin_api_is_closed_and_a_short_token_is_refused() {
        let auth = AdminAuth::new(&AdminConfig::default()).unwrap();
        assert_eq!(auth.check(Some("Bearer anything")), Err(Denied::Disabled));
        let short = AdminConfig { admin_token: Some("secret".into()), admin_passwords: None };
        assert!(AdminAuth::new(&short).is_err());
    }
}
