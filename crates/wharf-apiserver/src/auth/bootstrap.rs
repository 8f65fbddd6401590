//! What a server sets up at start:
//!
//! - OpenShift's default cluster roles and bindings, reconciled on every start as OpenShift
//!   does: a missing one is created; one whose `rbac.authorization.kubernetes.io/autoupdate`
//!   annotation is not `"false"` is put back to the default rules; one an admin marked
//!   `"false"` is left alone.
//! - The key registry tokens are signed with (`kube-system/wharf-registry-token-key`).
//! - The first time the server runs with authentication, the cluster admin `kubeadmin`: a
//!   random password written to `<data-dir>/kubeadmin-password` (mode 0600) and its bcrypt
//!   hash in `kube-system/kubeadmin`, where OpenShift keeps it (delete that secret to disable
//!   kubeadmin; it is not made again, because the key secret says bootstrap is done).

use std::path::Path;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use rand::Rng as _;
use serde_json::{json, Value};
use wharf_storage::ObjectKey;

use super::{tokens, KUBEADMIN_SECRET};
use crate::resources::{find, ResourceType};
use crate::ApiServer;

const KEY_SECRET: &str = "wharf-registry-token-key";
const AUTOUPDATE: &str = "rbac.authorization.kubernetes.io/autoupdate";

/// What bootstrap did that the operator should hear about.
pub struct Bootstrapped {
    /// Set when kubeadmin was created now: where its password is.
    pub kubeadmin_password_file: Option<std::path::PathBuf>,
}

fn rt(group: &str, plural: &str) -> Result<&'static ResourceType, String> {
    find(group, "v1", plural).ok_or_else(|| format!("{plural} are not served"))
}

/// Runs every step; safe to run on every start.
pub async fn bootstrap(api: &ApiServer, data_dir: &Path) -> Result<Bootstrapped, String> {
    reconcile_default_policy(api).await?;
    if !api.auth.enabled() {
        // Nothing signs or logs in; the first start with authentication does the rest.
        return Ok(Bootstrapped {
            kubeadmin_password_file: None,
        });
    }
    let ns_rt = rt("", "namespaces")?;
    let (system_ns, _) = KUBEADMIN_SECRET;
    if get(api, &ns_rt.key("", system_ns)).await?.is_none() {
        create(
            api,
            ns_rt,
            "",
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": system_ns}}),
        )
        .await?;
    }
    let secrets = rt("", "secrets")?;
    let mut made_admin = None;
    let key = match get(api, &secrets.key(system_ns, KEY_SECRET)).await? {
        Some(s) => secret_bytes(&s, "key")
            .ok_or_else(|| format!("the secret {system_ns}/{KEY_SECRET} has no data.key"))?,
        None => {
            // First start with authentication: make kubeadmin, then the key (the marker).
            made_admin = Some(create_kubeadmin(api, data_dir).await?);
            let key = tokens::random_bytes().to_vec();
            create(
                api,
                secrets,
                system_ns,
                json!({
                    "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                    "metadata": {"name": KEY_SECRET, "namespace": system_ns},
                    "data": {"key": B64.encode(&key)},
                }),
            )
            .await?;
            key
        }
    };
    // A second bootstrap in one process (tests) keeps the first key.
    let _ = api.auth.0.signer.set(tokens::Signer::new(&key));
    Ok(Bootstrapped {
        kubeadmin_password_file: made_admin,
    })
}

async fn get(api: &ApiServer, key: &ObjectKey) -> Result<Option<Value>, String> {
    Ok(api
        .store
        .get_object(key)
        .await
        .map_err(|e| format!("cannot read {}: {e}", key.name))?
        .map(|o| o.value))
}

async fn create(api: &ApiServer, rt: &ResourceType, ns: &str, obj: Value) -> Result<(), String> {
    crate::create_object(api, rt, ns, obj, false)
        .await
        .map(|_| ())
        .map_err(|e| format!("cannot create a {}: {}", rt.kind, e.message))
}

fn secret_bytes(secret: &Value, key: &str) -> Option<Vec<u8>> {
    B64.decode(secret.pointer(&format!("/data/{key}"))?.as_str()?)
        .ok()
}

/// The bcrypt hash in the kubeadmin secret.
pub fn kubeadmin_hash(secret: &Value) -> Option<String> {
    String::from_utf8(secret_bytes(secret, "kubeadmin")?).ok()
}

/// A password in OpenShift's kubeadmin shape: four groups of five, no look-alike characters.
fn kubeadmin_password() -> String {
    const ALPHABET: &[u8] = b"23456789abcdefghijkmnopqrstuvwxyzABCDEFGHIJKLMNPQRSTUVWXYZ";
    let mut rng = rand::rng();
    (0..4)
        .map(|_| {
            (0..5)
                .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

async fn create_kubeadmin(api: &ApiServer, data_dir: &Path) -> Result<std::path::PathBuf, String> {
    let password = kubeadmin_password();
    let file = data_dir.join("kubeadmin-password");
    write_private(&file, &password)?;
    let p = password.clone();
    let hash = tokio::task::spawn_blocking(move || bcrypt::hash(p, bcrypt::DEFAULT_COST))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("cannot hash the kubeadmin password: {e}"))?;
    let (ns, name) = KUBEADMIN_SECRET;
    create(
        api,
        rt("", "secrets")?,
        ns,
        json!({
            "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": name, "namespace": ns},
            "data": {"kubeadmin": B64.encode(hash)},
        }),
    )
    .await?;
    Ok(file)
}

/// Writes `text` to a new file only its owner can read.
fn write_private(file: &Path, text: &str) -> Result<(), String> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options
        .open(file)
        .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    f.write_all(text.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", file.display()))
}

/// Creates missing default roles and bindings and puts back changed ones that allow it.
async fn reconcile_default_policy(api: &ApiServer) -> Result<(), String> {
    let defaults = [
        (
            rt("rbac.authorization.k8s.io", "clusterroles")?,
            wharf_domain::rbac::default_roles::default_cluster_roles(),
        ),
        (
            rt("rbac.authorization.k8s.io", "clusterrolebindings")?,
            wharf_domain::rbac::default_roles::default_cluster_role_bindings(),
        ),
    ];
    for (rt, objects) in defaults {
        for obj in objects {
            let name = obj
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let Some(stored) = api
                .store
                .get_object(&rt.key("", &name))
                .await
                .map_err(|e| e.to_string())?
            else {
                create(api, rt, "", obj).await?;
                continue;
            };
            let autoupdate = stored
                .value
                .pointer(&format!(
                    "/metadata/annotations/{}",
                    AUTOUPDATE.replace('/', "~1")
                ))
                .and_then(Value::as_str);
            let same = ["rules", "subjects", "roleRef"]
                .iter()
                .all(|f| stored.value.get(f) == obj.get(f));
            if autoupdate == Some("false") || same {
                continue;
            }
            let mut updated = stored.value.clone();
            for f in ["rules", "subjects", "roleRef"] {
                if let Some(v) = obj.get(f) {
                    updated[f] = v.clone();
                }
            }
            crate::replace_object(api, rt, &stored, updated, false, None, false)
                .await
                .map_err(|e| format!("cannot reconcile {} {name}: {}", rt.kind, e.message))?;
            tracing::info!(
                kind = rt.kind,
                name,
                "put a default role back to its default rules"
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubeadmin_passwords_have_openshifts_shape() {
        let p = kubeadmin_password();
        assert_eq!(p.len(), 23);
        assert_eq!(p.split('-').count(), 4);
        assert!(!p.contains(['0', '1', 'l', 'O']), "{p}");
        assert_ne!(p, kubeadmin_password());
    }

    #[cfg(unix)]
    #[test]
    fn the_password_file_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("kubeadmin-password");
        write_private(&f, "secret").unwrap();
        let mode = std::fs::metadata(&f).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
