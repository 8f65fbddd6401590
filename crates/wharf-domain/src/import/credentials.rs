//! Registry credentials from dockercfg / dockerconfigjson Secrets (spec §3.2 step 3).
//!
//! Follows OpenShift's importer credential store (openshift-apiserver
//! `pkg/image/apiserver/importer/credentials.go`, a `SecretCredentialStore` over the kubelet's
//! keyring) and the kubelet's `pkg/credentialprovider` (`keyring.go` `BasicDockerKeyring`,
//! `config.go` `DockerConfigEntry`, `secrets` `MakeDockerKeyring`):
//!
//! - each dockercfg key becomes `host[/path]` (scheme, `/v1/`, `/v2/` removed);
//! - it matches an image when the ports are equal, the host label counts are equal and each
//!   label glob-matches (`*.example.com`), and the key path is a component-wise prefix of the
//!   repository path;
//! - keys are tried in reverse lexical order (more specific paths first), first match wins;
//! - Docker Hub images fall back to keys for `index.docker.io` (and `docker.io`,
//!   `registry-1.docker.io`).

use serde_json::Value;

/// One registry credential from a dockercfg / dockerconfigjson Secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    /// The key as written in the Secret (e.g. `https://index.docker.io/v1/`, `quay.io/team`).
    pub key: String,
    pub username: String,
    pub password: String,
}

/// Secret type of a `~/.dockercfg` Secret.
const TYPE_DOCKERCFG: &str = "kubernetes.io/dockercfg";
/// Its data key.
const KEY_DOCKERCFG: &str = ".dockercfg";
/// Secret type of a `~/.docker/config.json` Secret.
const TYPE_DOCKERCONFIGJSON: &str = "kubernetes.io/dockerconfigjson";
/// Its data key.
const KEY_DOCKERCONFIGJSON: &str = ".dockerconfigjson";

/// The hosts that serve Docker Hub; the kubelet's `defaultRegistryHost` first.
const DOCKER_HUB_HOSTS: [&str; 3] = ["index.docker.io", "docker.io", "registry-1.docker.io"];

/// The credentials a Secret object (as the Kubernetes API serves it: `type`, `data` with base64
/// values) holds.
///
/// - type `kubernetes.io/dockerconfigjson`: data key `.dockerconfigjson`, `{"auths": {KEY: ENTRY}}`;
/// - type `kubernetes.io/dockercfg`: data key `.dockercfg`, `{KEY: ENTRY}`.
///
/// An ENTRY has `auth` (base64 of `user:password`) and/or `username` + `password`; as in the
/// kubelet's `DockerConfigEntry.UnmarshalJSON`, a non-empty `auth` is decoded and overrides
/// `username` / `password`. Entries with neither a username nor a password, or whose `auth`
/// does not decode to `user:password`, are skipped (the kubelet rejects the whole Secret for a
/// bad `auth`; skipping the one entry keeps the others usable). Any other type, a missing data
/// key, or undecodable data yields an empty `Vec`. Credentials come in the order of the JSON
/// object's keys as parsed.
pub fn credentials_from_secret(secret: &Value) -> Vec<Credential> {
    let (data_key, nested) = match secret.get("type").and_then(Value::as_str) {
        Some(TYPE_DOCKERCONFIGJSON) => (KEY_DOCKERCONFIGJSON, true),
        Some(TYPE_DOCKERCFG) => (KEY_DOCKERCFG, false),
        _ => return Vec::new(),
    };
    let Some(encoded) = secret
        .get("data")
        .and_then(|d| d.get(data_key))
        .and_then(Value::as_str)
    else {
        return Vec::new();
    };
    let Some(decoded) = decode_base64(encoded) else {
        return Vec::new();
    };
    let Ok(config) = serde_json::from_slice::<Value>(&decoded) else {
        return Vec::new();
    };
    if nested {
        credentials_from_docker_config(&config)
    } else {
        entries_of(&config)
    }
}

/// The credentials of a Docker config (`{"auths": {KEY: ENTRY}}`: `~/.docker/config.json`,
/// podman's auth.json, a dockerconfigjson Secret's payload), with the ENTRY rules above.
pub fn credentials_from_docker_config(config: &Value) -> Vec<Credential> {
    config.get("auths").map(entries_of).unwrap_or_default()
}

/// The credentials of a `{KEY: ENTRY}` map.
fn entries_of(entries: &Value) -> Vec<Credential> {
    let Value::Object(entries) = entries else {
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|(key, entry)| {
            let (username, password) = entry_user_password(entry)?;
            Some(Credential {
                key: key.clone(),
                username,
                password,
            })
        })
        .collect()
}

/// The user and password of one config ENTRY, if it has usable ones.
fn entry_user_password(entry: &Value) -> Option<(String, String)> {
    let field = |name: &str| {
        entry
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let auth = field("auth");
    let (username, password) = if auth.is_empty() {
        (field("username"), field("password"))
    } else {
        let decoded = String::from_utf8(decode_base64(auth.trim())?).ok()?;
        let (user, pass) = decoded.split_once(':')?;
        (user.to_string(), pass.to_string())
    };
    if username.is_empty() && password.is_empty() {
        return None;
    }
    Some((username, password))
}

/// The credential that applies to an image at `registry` (host[:port] as written, e.g.
/// `127.0.0.1:5001`, `quay.io`, `docker.io`) and `repository` path (e.g. `library/busybox`).
///
/// Keys are normalised (scheme, trailing `/`, `/v1` and `/v2` removed, host lower-cased) and
/// tried in reverse lexical order, so `quay.io/team` comes before `quay.io`; the first that
/// matches wins (between keys that normalise alike, the earlier in `creds`). A key matches when
/// its port equals the registry's (no port matches only no port), it has as many host labels
/// as the registry and each glob-matches (`*` any run of characters within a label, `?` one
/// character), and its path is a component-wise prefix of the repository (`quay.io/team`
/// matches `team/app`, not `teamx/app`).
///
/// For Docker Hub (`docker.io`, `index.docker.io`, `registry-1.docker.io` or an empty
/// registry) the keys are then tried as if the registry were `index.docker.io`, `docker.io`
/// and `registry-1.docker.io` in turn; there a one-component repository is read as
/// `library/NAME`.
pub fn credential_for<'a>(
    creds: &'a [Credential],
    registry: &str,
    repository: &str,
) -> Option<&'a Credential> {
    let mut keyed: Vec<(Key, &Credential)> = creds
        .iter()
        .filter_map(|c| Some((Key::parse(&c.key)?, c)))
        .collect();
    // Stable: credentials whose keys normalise alike stay in their given order.
    keyed.sort_by(|(a, _), (b, _)| b.normalized.cmp(&a.normalized));

    let registry = registry.to_ascii_lowercase();
    let is_hub = registry.is_empty() || DOCKER_HUB_HOSTS.contains(&registry.as_str());
    let repository = repository.trim_matches('/');
    let repo_parts: Vec<&str> = if is_hub && !repository.is_empty() && !repository.contains('/') {
        vec!["library", repository]
    } else {
        repository.split('/').filter(|p| !p.is_empty()).collect()
    };

    let find = |host: &str| {
        let (host, port) = split_host_port(host);
        let labels: Vec<&str> = host.split('.').collect();
        keyed
            .iter()
            .find(|(key, _)| key.matches(&labels, port, &repo_parts))
            .map(|(_, c)| *c)
    };

    if !registry.is_empty() {
        if let Some(found) = find(&registry) {
            return Some(found);
        }
    }
    if is_hub {
        return DOCKER_HUB_HOSTS.iter().find_map(|host| find(host));
    }
    None
}

/// A dockercfg key, normalised.
#[derive(Debug)]
struct Key {
    /// `host[:port][/path]`, the string the keys are ordered by.
    normalized: String,
    /// Host labels, lower-cased, possibly globs.
    labels: Vec<String>,
    /// The port, `""` for none.
    port: String,
    /// Path components.
    path: Vec<String>,
}

impl Key {
    /// Normalises a key the way the kubelet's `BasicDockerKeyring.Add` does: the scheme goes,
    /// a leading `/v1/` or `/v2/` path part goes; also a trailing `/v1` or `/v2` and trailing
    /// slashes. `None` for a key with no host.
    fn parse(raw: &str) -> Option<Key> {
        let raw = raw.trim();
        let lower = raw.to_ascii_lowercase();
        let rest = if lower.starts_with("https://") {
            &raw["https://".len()..]
        } else if lower.starts_with("http://") {
            &raw["http://".len()..]
        } else {
            raw
        };
        let (host, path) = match rest.split_once('/') {
            Some((host, path)) => (host, path),
            None => (rest, ""),
        };
        if host.is_empty() {
            return None;
        }
        let host = host.to_ascii_lowercase();
        let mut path: Vec<String> = path
            .split('/')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        if path.first().is_some_and(|p| is_api_version(p)) {
            path.remove(0);
        }
        if path.last().is_some_and(|p| is_api_version(p)) {
            path.pop();
        }
        let mut normalized = host.clone();
        for part in &path {
            normalized.push('/');
            normalized.push_str(part);
        }
        let (hostname, port) = split_host_port(&host);
        Some(Key {
            labels: hostname.split('.').map(str::to_string).collect(),
            port: port.to_string(),
            normalized,
            path,
        })
    }

    /// The kubelet's `URLsMatch`, with a component-wise path prefix.
    fn matches(&self, labels: &[&str], port: &str, repository: &[&str]) -> bool {
        self.port == port
            && self.labels.len() == labels.len()
            && self
                .labels
                .iter()
                .zip(labels)
                .all(|(glob, label)| glob_match(glob.as_bytes(), label.as_bytes()))
            && self.path.len() <= repository.len()
            && self.path.iter().zip(repository).all(|(k, r)| k == r)
    }
}

fn is_api_version(part: &str) -> bool {
    part == "v1" || part == "v2"
}

/// Splits `host[:port]` (`[v6]:port` too) like Go's `net.SplitHostPort`, falling back to the
/// whole string and no port.
fn split_host_port(hostport: &str) -> (&str, &str) {
    if let Some(rest) = hostport.strip_prefix('[') {
        if let Some((host, after)) = rest.split_once(']') {
            return match after.strip_prefix(':') {
                Some(port) => (host, port),
                None => (hostport, ""),
            };
        }
        return (hostport, "");
    }
    match hostport.split_once(':') {
        Some((host, port)) if !port.contains(':') => (host, port),
        _ => (hostport, ""),
    }
}

/// Go's `filepath.Match` for one host label, `*` and `?` only (labels hold no separator).
fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&b| b == b'*')
}

/// Standard-alphabet base64 with optional padding (and ignored line breaks, as Go's
/// `base64.StdEncoding` ignores them). Hand-written because wharf-domain keeps no base64
/// dependency and needs only this decoding. `None` for anything malformed.
fn decode_base64(input: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let bytes: Vec<u8> = input
        .bytes()
        .filter(|&b| b != b'\n' && b != b'\r')
        .collect();
    let unpadded_len = bytes.iter().rposition(|&b| b != b'=').map_or(0, |i| i + 1);
    let (data, padding) = bytes.split_at(unpadded_len);
    if padding.len() > 2 || (!padding.is_empty() && (data.len() + padding.len()) % 4 != 0) {
        return None;
    }
    if data.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() * 3 / 4);
    for chunk in data.chunks(4) {
        let mut acc = 0u32;
        for &c in chunk {
            acc = (acc << 6) | value(c)?;
        }
        match chunk.len() {
            4 => out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]),
            3 => out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]),
            2 => out.push((acc >> 4) as u8),
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Standard base64 with padding, for building fixtures.
    fn b64(input: &str) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let bytes = input.as_bytes();
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                chunk.get(1).copied().unwrap_or(0),
                chunk.get(2).copied().unwrap_or(0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    fn secret(kind: &str, data_key: &str, config: &Value) -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "type": kind,
            "data": { data_key: b64(&config.to_string()) },
        })
    }

    fn cred(key: &str, username: &str) -> Credential {
        Credential {
            key: key.to_string(),
            username: username.to_string(),
            password: format!("{username}-pw"),
        }
    }

    fn user<'a>(creds: &'a [Credential], registry: &str, repository: &str) -> Option<&'a str> {
        credential_for(creds, registry, repository).map(|c| c.username.as_str())
    }

    #[test]
    fn dockerconfigjson_secret_yields_its_auths() {
        let s = secret(
            TYPE_DOCKERCONFIGJSON,
            KEY_DOCKERCONFIGJSON,
            &json!({"auths": {"quay.io": {"username": "u", "password": "p"}}}),
        );
        assert_eq!(
            credentials_from_secret(&s),
            vec![Credential {
                key: "quay.io".into(),
                username: "u".into(),
                password: "p".into()
            }]
        );
    }

    #[test]
    fn dockercfg_secret_yields_its_top_level_entries() {
        let s = secret(
            TYPE_DOCKERCFG,
            KEY_DOCKERCFG,
            &json!({
                "https://index.docker.io/v1/": {"auth": b64("hub:secret"), "email": "a@b.c"},
                "127.0.0.1:5001": {"username": "local", "password": "pw"},
            }),
        );
        let creds = credentials_from_secret(&s);
        assert_eq!(creds.len(), 2);
        assert!(creds.contains(&Credential {
            key: "https://index.docker.io/v1/".into(),
            username: "hub".into(),
            password: "secret".into()
        }));
        assert!(creds.contains(&Credential {
            key: "127.0.0.1:5001".into(),
            username: "local".into(),
            password: "pw".into()
        }));
    }

    #[test]
    fn auth_overrides_username_and_password() {
        let s = secret(
            TYPE_DOCKERCONFIGJSON,
            KEY_DOCKERCONFIGJSON,
            &json!({"auths": {"r.io": {
                "auth": b64("from-auth:pass:with:colons"),
                "username": "ignored",
                "password": "ignored",
            }}}),
        );
        let creds = credentials_from_secret(&s);
        assert_eq!(creds[0].username, "from-auth");
        assert_eq!(creds[0].password, "pass:with:colons");
    }

    #[test]
    fn unpadded_auth_is_accepted() {
        let auth = b64("ab:c").trim_end_matches('=').to_string();
        let s = secret(
            TYPE_DOCKERCONFIGJSON,
            KEY_DOCKERCONFIGJSON,
            &json!({"auths": {"r.io": {"auth": auth}}}),
        );
        assert_eq!(credentials_from_secret(&s)[0].username, "ab");
    }

    #[test]
    fn entries_without_usable_credentials_are_skipped() {
        let s = secret(
            TYPE_DOCKERCONFIGJSON,
            KEY_DOCKERCONFIGJSON,
            &json!({"auths": {
                "empty.io": {},
                "token.io": {"identitytoken": "t"},
                "nocolon.io": {"auth": b64("justuser")},
                "badauth.io": {"auth": "!!!"},
                "good.io": {"username": "g", "password": "p"},
            }}),
        );
        let keys: Vec<String> = credentials_from_secret(&s)
            .into_iter()
            .map(|c| c.key)
            .collect();
        assert_eq!(keys, ["good.io"]);
    }

    #[test]
    fn bad_base64_bad_json_or_other_types_yield_nothing() {
        let bad_b64 = json!({"type": TYPE_DOCKERCONFIGJSON, "data": {KEY_DOCKERCONFIGJSON: "@@not base64@@"}});
        assert!(credentials_from_secret(&bad_b64).is_empty());
        let bad_json = json!({"type": TYPE_DOCKERCONFIGJSON, "data": {KEY_DOCKERCONFIGJSON: b64("{not json")}});
        assert!(credentials_from_secret(&bad_json).is_empty());
        let opaque = secret(
            "Opaque",
            KEY_DOCKERCONFIGJSON,
            &json!({"auths": {"r.io": {"username": "u", "password": "p"}}}),
        );
        assert!(credentials_from_secret(&opaque).is_empty());
        let wrong_key = secret(
            TYPE_DOCKERCFG,
            KEY_DOCKERCONFIGJSON,
            &json!({"r.io": {"username": "u", "password": "p"}}),
        );
        assert!(credentials_from_secret(&wrong_key).is_empty());
        let no_auths = secret(
            TYPE_DOCKERCONFIGJSON,
            KEY_DOCKERCONFIGJSON,
            &json!({"x": 1}),
        );
        assert!(credentials_from_secret(&no_auths).is_empty());
        assert!(credentials_from_secret(&json!(null)).is_empty());
        assert!(credentials_from_secret(&json!({"type": TYPE_DOCKERCFG})).is_empty());
    }

    #[test]
    fn ports_must_be_equal() {
        let creds = [cred("127.0.0.1:5001", "local"), cred("quay.io", "quay")];
        assert_eq!(user(&creds, "127.0.0.1:5001", "a/b"), Some("local"));
        assert_eq!(user(&creds, "127.0.0.1:5002", "a/b"), None);
        assert_eq!(user(&creds, "127.0.0.1", "a/b"), None);
        assert_eq!(user(&creds, "quay.io:443", "a/b"), None);
        assert_eq!(user(&creds, "quay.io", "a/b"), Some("quay"));
    }

    #[test]
    fn glob_labels_match_one_label_each() {
        let creds = [cred("*.example.com", "wild")];
        assert_eq!(user(&creds, "registry.example.com", "a"), Some("wild"));
        assert_eq!(user(&creds, "REGISTRY.Example.com", "a"), Some("wild"));
        assert_eq!(user(&creds, "example.com", "a"), None);
        assert_eq!(user(&creds, "a.b.example.com", "a"), None);
        let creds = [cred("reg-*.example.com", "partial")];
        assert_eq!(user(&creds, "reg-eu.example.com", "a"), Some("partial"));
        assert_eq!(user(&creds, "mirror.example.com", "a"), None);
    }

    #[test]
    fn key_path_is_a_component_wise_prefix_of_the_repository() {
        let creds = [cred("quay.io/team", "team")];
        assert_eq!(user(&creds, "quay.io", "team/app"), Some("team"));
        assert_eq!(user(&creds, "quay.io", "team"), Some("team"));
        assert_eq!(user(&creds, "quay.io", "teamx/app"), None);
        assert_eq!(user(&creds, "quay.io", "other/team"), None);
    }

    #[test]
    fn keys_are_tried_in_reverse_lexical_order() {
        let creds = [
            cred("quay.io", "host"),
            cred("https://quay.io/team/", "team"),
            cred("quay.io/team/app", "app"),
        ];
        assert_eq!(user(&creds, "quay.io", "team/app"), Some("app"));
        assert_eq!(user(&creds, "quay.io", "team/other"), Some("team"));
        assert_eq!(user(&creds, "quay.io", "elsewhere/x"), Some("host"));
    }

    #[test]
    fn equal_keys_keep_the_first_credential() {
        let creds = [
            cred("https://quay.io/v2/", "first"),
            cred("quay.io", "second"),
        ];
        assert_eq!(user(&creds, "quay.io", "a/b"), Some("first"));
    }

    #[test]
    fn docker_hub_falls_back_to_the_index_key() {
        let creds = [cred("https://index.docker.io/v1/", "hub")];
        for registry in ["docker.io", "index.docker.io", "registry-1.docker.io", ""] {
            assert_eq!(user(&creds, registry, "library/busybox"), Some("hub"));
        }
        assert_eq!(user(&creds, "quay.io", "library/busybox"), None);
    }

    #[test]
    fn docker_hub_prefers_an_exact_key_and_reads_bare_names_as_library() {
        let creds = [
            cred("index.docker.io", "index"),
            cred("docker.io", "exact"),
            cred("docker.io/library", "library"),
        ];
        assert_eq!(user(&creds, "docker.io", "team/app"), Some("exact"));
        assert_eq!(user(&creds, "docker.io", "busybox"), Some("library"));
        assert_eq!(user(&creds, "index.docker.io", "team/app"), Some("index"));
        assert_eq!(
            user(&creds, "registry-1.docker.io", "team/app"),
            Some("index")
        );
    }

    #[test]
    fn no_matching_key_gives_none() {
        let creds = [cred("quay.io", "quay"), cred("ghcr.io/org", "gh")];
        assert_eq!(user(&creds, "gcr.io", "project/app"), None);
        assert_eq!(user(&creds, "ghcr.io", "other/app"), None);
        assert_eq!(user(&[], "quay.io", "a"), None);
    }

    #[test]
    fn base64_decoder_handles_padding_and_rejects_garbage() {
        assert_eq!(decode_base64("aGk=").as_deref(), Some(&b"hi"[..]));
        assert_eq!(decode_base64("aGk").as_deref(), Some(&b"hi"[..]));
        assert_eq!(decode_base64("aGV5").as_deref(), Some(&b"hey"[..]));
        assert_eq!(decode_base64("aA==").as_deref(), Some(&b"h"[..]));
        assert_eq!(decode_base64("").as_deref(), Some(&b""[..]));
        assert_eq!(decode_base64("a"), None);
        assert_eq!(decode_base64("aGk=="), None);
        assert_eq!(decode_base64("a=Gk"), None);
        assert_eq!(decode_base64("aG-k"), None);
    }
}
