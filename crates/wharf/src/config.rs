//! The server's settings: flags, then environment variables (both through clap), then the YAML
//! file given with `--config`, then defaults.
//!
//! YAML is read with `serde_norway`, the maintained fork of the archived `serde_yaml`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// The YAML config file. Every field is optional; unknown fields are an error, so a typo is
/// reported rather than ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FileConfig {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub log_level: Option<String>,
    /// The registry's address as clients pull from it (`host:port`).
    pub registry_hostname: Option<String>,
    #[serde(default)]
    pub limits: LimitsConfig,
    #[serde(default)]
    pub uploads: UploadsConfig,
    #[serde(default)]
    pub image_import: ImageImportConfig,
    #[serde(default)]
    pub oauth: OAuthConfig,
    #[serde(default)]
    pub auth: AuthConfig,
    /// `none` (the default) or `self-signed`, as `--tls`.
    pub tls: Option<String>,
    /// The serving certificate, in the shape of OpenShift's master config `servingInfo`.
    #[serde(default)]
    pub serving_info: ServingInfoConfig,
}

/// HTTPS with a certificate of the operator's (OpenShift's `servingInfo`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServingInfoConfig {
    /// The certificate (chain), PEM, as `--tls-cert`.
    pub cert_file: Option<PathBuf>,
    /// Its private key, PEM (PKCS#8, RSA or EC), as `--tls-key`.
    pub key_file: Option<PathBuf>,
}

/// Who may log in, in the shape of OpenShift's cluster `OAuth` spec.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OAuthConfig {
    #[serde(default)]
    pub identity_providers: Vec<IdentityProviderConfig>,
    #[serde(default)]
    pub token_config: TokenConfig,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IdentityProviderConfig {
    /// Names the provider in users' identities (`<name>:<user>`).
    pub name: String,
    /// OpenShift's `type: HTPasswd`; the only type Wharf has.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    pub htpasswd: HtpasswdConfig,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HtpasswdConfig {
    /// An htpasswd file of bcrypt hashes (`htpasswd -B`).
    pub file: PathBuf,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TokenConfig {
    /// Lifetime of API tokens issued by login (default 86400, a day).
    pub access_token_max_age_seconds: Option<u64>,
}

/// Authentication switches and abuse limits.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AuthConfig {
    /// `none` turns authentication off: every request is the cluster admin.
    pub mode: Option<String>,
    /// Failed logins allowed per user name per minute (default 5).
    pub failed_logins_per_user: Option<u32>,
    /// Failed logins allowed per client address per minute (default 20).
    pub failed_logins_per_address: Option<u32>,
    /// Lifetime of registry tokens, e.g. `5m` (the default).
    pub registry_token_lifetime: Option<String>,
}

/// Imports from external registries (OpenShift's `imageImport` settings).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImageImportConfig {
    /// How often scheduled tags are re-imported, e.g. `15m` (the default).
    pub scheduled_import_interval: Option<String>,
    /// Scheduled imports per minute across all streams (default 60).
    pub max_scheduled_imports_per_minute: Option<u32>,
    /// Tags a repository import takes (default 50; -1: all of them).
    pub max_images_bulk_imported_per_repository: Option<i64>,
    /// Turn scheduled re-imports off.
    #[serde(default)]
    pub disable_scheduled_import: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LimitsConfig {
    /// Largest manifest accepted, in bytes (default 4 MiB).
    pub max_manifest_bytes: Option<usize>,
    /// Uploads one client may stream at the same time (default 32).
    pub max_uploads_per_client: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UploadsConfig {
    /// How long an upload may sit idle before it is purged, e.g. `24h` (the default), `30m`.
    pub expiry: Option<String>,
    /// How often abandoned uploads are looked for, e.g. `1h` (the default).
    pub purge_interval: Option<String>,
}

impl FileConfig {
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
        serde_norway::from_str(&text).map_err(|e| format!("config file {}: {e}", path.display()))
    }
}

/// Reads `90s`, `15m`, `24h`, `7d` (or a bare number of seconds).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = num
        .parse()
        .map_err(|_| format!("invalid duration {s:?}: use e.g. 90s, 15m, 24h, 7d"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86400,
        _ => {
            return Err(format!(
                "invalid duration {s:?}: use e.g. 90s, 15m, 24h, 7d"
            ))
        }
    };
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86400)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(172800)));
        assert_eq!(parse_duration("5"), Ok(Duration::from_secs(5)));
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("5w").is_err());
    }

    #[test]
    fn unknown_config_fields_are_errors() {
        let e = serde_norway::from_str::<FileConfig>("listen: x\nlimts: {}\n").unwrap_err();
        assert!(e.to_string().contains("limts"), "{e}");
        let c: FileConfig =
            serde_norway::from_str("limits:\n  maxManifestBytes: 10\nuploads:\n  expiry: 1h\n")
                .unwrap();
        assert_eq!(c.limits.max_manifest_bytes, Some(10));
    }

    #[test]
    fn serving_info_names_the_certificate() {
        let c: FileConfig = serde_norway::from_str(
            "servingInfo:\n  certFile: /etc/wharf/tls.crt\n  keyFile: /etc/wharf/tls.key\ntls: none\n",
        )
        .unwrap();
        assert_eq!(
            c.serving_info.cert_file.as_deref(),
            Some(Path::new("/etc/wharf/tls.crt"))
        );
        assert_eq!(
            c.serving_info.key_file.as_deref(),
            Some(Path::new("/etc/wharf/tls.key"))
        );
        assert_eq!(c.tls.as_deref(), Some("none"));
    }
}
