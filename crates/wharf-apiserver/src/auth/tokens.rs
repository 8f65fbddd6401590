//! Tokens, in two kinds.
//!
//! - **API tokens**, as OpenShift makes them: `sha256~` and 43 base64url characters (32 random
//!   bytes). The server keeps only an OAuthAccessToken named `sha256~` + base64url(sha256 of
//!   the part after the prefix), so a stolen database gives no usable token, and `oc logout`
//!   can name the token it revokes.
//! - **Registry tokens**, what `/openshift/token` answers a Docker client with: the user, the
//!   scopes RBAC granted and an expiry, signed with HMAC-SHA256 under a key kept in the store.
//!   The registry checks one signature per request and reads nothing.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

pub const API_TOKEN_PREFIX: &str = "sha256~";
const REGISTRY_TOKEN_PREFIX: &str = "wharf-rt.";

/// A fresh API token.
pub fn new_api_token() -> String {
    format!("{API_TOKEN_PREFIX}{}", B64.encode(random_bytes()))
}

/// 32 bytes from the operating system's generator (through rand's thread-local CSPRNG).
pub fn random_bytes() -> [u8; 32] {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    b
}

/// The OAuthAccessToken name of an API token, or `None` when `token` is not one.
pub fn object_name(token: &str) -> Option<String> {
    let secret = token.strip_prefix(API_TOKEN_PREFIX)?;
    if secret.len() < 32
        || !secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return None;
    }
    Some(format!(
        "{API_TOKEN_PREFIX}{}",
        B64.encode(sha2::Sha256::digest(secret.as_bytes()))
    ))
}

/// Whether `s` has the shape of an API token (used to tell a token from a password in Basic
/// credentials, as OpenShift's registry does).
pub fn looks_like_api_token(s: &str) -> bool {
    object_name(s).is_some()
}

/// What a registry token says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryClaims {
    #[serde(rename = "sub")]
    pub user: String,
    #[serde(rename = "grp", default)]
    pub groups: Vec<String>,
    /// Granted scopes, in Docker's `type:name:actions` form.
    #[serde(rename = "acc", default)]
    pub access: Vec<String>,
    /// Unix seconds after which the token is refused.
    #[serde(rename = "exp")]
    pub expires: i64,
    /// Repository scopes asked for but not granted in full, so a refusal can name the role
    /// the client wanted (a push starts with HEADs, which only need pull).
    #[serde(rename = "ref", default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<String>,
}

/// Signs and checks registry tokens.
pub struct Signer(ring::hmac::Key);

impl Signer {
    pub fn new(key: &[u8]) -> Signer {
        Signer(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key))
    }

    pub fn sign(&self, claims: &RegistryClaims) -> String {
        let payload = B64.encode(serde_json::to_vec(claims).unwrap_or_default());
        let tag = ring::hmac::sign(&self.0, payload.as_bytes());
        format!(
            "{REGISTRY_TOKEN_PREFIX}{payload}.{}",
            B64.encode(tag.as_ref())
        )
    }

    /// The claims of a registry token signed by this key and not expired at `now`; `None`
    /// when `token` is not a registry token at all.
    pub fn verify(&self, token: &str, now: i64) -> Option<Result<RegistryClaims, &'static str>> {
        let rest = token.strip_prefix(REGISTRY_TOKEN_PREFIX)?;
        Some(self.check(rest, now))
    }

    fn check(&self, rest: &str, now: i64) -> Result<RegistryClaims, &'static str> {
        let bad = "the registry token is malformed or was not issued by this server";
        let (payload, tag) = rest.split_once('.').ok_or(bad)?;
        let tag = B64.decode(tag).map_err(|_| bad)?;
        // ring compares in constant time.
        ring::hmac::verify(&self.0, payload.as_bytes(), &tag).map_err(|_| bad)?;
        let claims: RegistryClaims =
            serde_json::from_slice(&B64.decode(payload).map_err(|_| bad)?).map_err(|_| bad)?;
        if claims.expires <= now {
            return Err("the registry token has expired: log in again");
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_tokens_are_random_and_stored_under_their_hash() {
        let a = new_api_token();
        let b = new_api_token();
        assert_ne!(a, b);
        assert!(a.starts_with("sha256~") && a.len() == 7 + 43, "{a}");
        let name = object_name(&a).unwrap();
        assert!(name.starts_with("sha256~"));
        assert!(
            !name.contains(&a[7..]),
            "the name must not contain the secret"
        );
        assert_eq!(object_name(&a), Some(name));
    }

    #[test]
    fn the_stored_name_is_openshifts_hash_of_the_secret_part() {
        // sha256("abc…") in base64url, as OpenShift's oauth-apiserver names tokens.
        let token = format!("sha256~{}", "a".repeat(43));
        let expect = B64.encode(sha2::Sha256::digest("a".repeat(43).as_bytes()));
        assert_eq!(object_name(&token).unwrap(), format!("sha256~{expect}"));
    }

    #[test]
    fn passwords_are_not_taken_for_tokens() {
        for p in [
            "hunter2",
            "sha256~",
            "sha256~short",
            "sha256~has spaces in it that are long enough",
        ] {
            assert!(!looks_like_api_token(p), "{p}");
        }
    }

    fn claims(expires: i64) -> RegistryClaims {
        RegistryClaims {
            refused: Vec::new(),
            user: "alice".into(),
            groups: vec!["system:authenticated".into()],
            access: vec!["repository:p/x:pull".into()],
            expires,
        }
    }

    #[test]
    fn registry_tokens_round_trip_until_they_expire() {
        let s = Signer::new(b"k");
        let t = s.sign(&claims(100));
        assert_eq!(s.verify(&t, 99), Some(Ok(claims(100))));
        assert!(s.verify(&t, 100).unwrap().unwrap_err().contains("expired"));
    }

    #[test]
    fn a_registry_token_changed_or_signed_by_another_key_is_refused() {
        let s = Signer::new(b"k");
        let t = s.sign(&claims(100));
        assert!(Signer::new(b"other").verify(&t, 1).unwrap().is_err());
        // Widen the scope in the payload and keep the signature.
        let (payload, tag) = t["wharf-rt.".len()..].split_once('.').unwrap();
        let mut c: RegistryClaims = serde_json::from_slice(&B64.decode(payload).unwrap()).unwrap();
        c.access = vec!["repository:q/y:push".into()];
        let forged = format!(
            "wharf-rt.{}.{tag}",
            B64.encode(serde_json::to_vec(&c).unwrap())
        );
        assert!(s.verify(&forged, 1).unwrap().is_err());
        assert_eq!(s.verify("sha256~whatever", 1), None);
    }
}
