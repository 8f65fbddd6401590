//! The kubeconfig `wharf` shares with kubectl: `--kubeconfig`, else the first file of
//! `$KUBECONFIG`, else `~/.kube/config`. Read and written as generic YAML so that whatever else
//! kubectl or oc put there survives a round trip.

use std::path::PathBuf;

use serde_json::{json, Value};

use super::{error, CliResult, TlsSettings};

pub struct Kubeconfig {
    pub path: PathBuf,
    pub doc: Value,
}

fn named<'a>(list: &'a Value, name: &str) -> Option<&'a Value> {
    list.as_array()?.iter().find(|e| e["name"] == name)
}

fn upsert(doc: &mut Value, list: &str, name: &str, key: &str, body: Value) {
    if !doc[list].is_array() {
        doc[list] = json!([]);
    }
    let entries = doc[list].as_array_mut().expect("just made an array");
    match entries.iter_mut().find(|e| e["name"] == name) {
        Some(e) => e[key] = body,
        None => entries.push(json!({ "name": name, key: body })),
    }
}

/// The cluster entry's name for `server`, as oc names it: `host-port` with dots as dashes.
fn cluster_name(server: &str) -> String {
    server
        .split("://")
        .nth(1)
        .unwrap_or(server)
        .trim_end_matches('/')
        .replace('.', "-")
}

impl Kubeconfig {
    pub fn path(explicit: Option<&PathBuf>) -> PathBuf {
        if let Some(p) = explicit {
            return p.clone();
        }
        if let Some(first) = std::env::var_os("KUBECONFIG")
            .and_then(|v| std::env::split_paths(&v).find(|p| !p.as_os_str().is_empty()))
        {
            return first;
        }
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."));
        home.join(".kube").join("config")
    }

    pub fn load(explicit: Option<&PathBuf>) -> CliResult<Kubeconfig> {
        let path = Self::path(explicit);
        let doc = match std::fs::read_to_string(&path) {
            Ok(text) if !text.trim().is_empty() => {
                serde_norway::from_str::<Value>(&text).map_err(|e| {
                    error(format!(
                        "cannot read the kubeconfig {}: {e}",
                        path.display()
                    ))
                })?
            }
            Ok(_) => Value::Null,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Value::Null,
            Err(e) => {
                return Err(error(format!(
                    "cannot read the kubeconfig {}: {e}",
                    path.display()
                )))
            }
        };
        let doc = if doc.is_object() {
            doc
        } else {
            json!({ "apiVersion": "v1", "kind": "Config", "clusters": [], "contexts": [], "users": [], "preferences": {} })
        };
        Ok(Kubeconfig { path, doc })
    }

    pub fn save(&self) -> CliResult<()> {
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| error(format!("cannot create {}: {e}", dir.display())))?;
        }
        let text = serde_norway::to_string(&self.doc).map_err(|e| error(e.to_string()))?;
        std::fs::write(&self.path, text).map_err(|e| {
            error(format!(
                "cannot write the kubeconfig {}: {e}",
                self.path.display()
            ))
        })
    }

    fn current(&self) -> Option<&Value> {
        let name = self.doc["current-context"].as_str()?;
        named(&self.doc["contexts"], name).map(|c| &c["context"])
    }

    /// The server of the current context.
    pub fn server(&self) -> Option<String> {
        let cluster = self.current()?["cluster"].as_str()?;
        named(&self.doc["clusters"], cluster)?
            .pointer("/cluster/server")?
            .as_str()
            .map(str::to_string)
    }

    /// The current context's cluster.
    fn cluster(&self) -> Option<&Value> {
        let cluster = self.current()?["cluster"].as_str()?;
        named(&self.doc["clusters"], cluster).map(|c| &c["cluster"])
    }

    /// The TLS settings of the current context's cluster.
    pub fn tls(&self) -> TlsSettings {
        self.cluster().map(|c| self.tls_of(c)).unwrap_or_default()
    }

    /// The TLS settings of a cluster whose server is `server`, the current context's first
    /// (several entries may name one server); none known: the defaults.
    pub fn tls_for_server(&self, server: &str) -> TlsSettings {
        let serves = |c: &Value| {
            c["server"]
                .as_str()
                .is_some_and(|s| s.trim_end_matches('/') == server.trim_end_matches('/'))
        };
        self.cluster()
            .filter(|c| serves(c))
            .or_else(|| {
                self.doc["clusters"]
                    .as_array()?
                    .iter()
                    .map(|e| &e["cluster"])
                    .find(|c| serves(c))
            })
            .map(|c| self.tls_of(c))
            .unwrap_or_default()
    }

    /// `certificate-authority` (relative to the kubeconfig's directory, as kubectl reads it),
    /// `certificate-authority-data` (base64 PEM) and `insecure-skip-tls-verify` of `cluster`.
    fn tls_of(&self, cluster: &Value) -> TlsSettings {
        use base64::Engine as _;
        let ca_file = cluster["certificate-authority"]
            .as_str()
            .filter(|p| !p.is_empty())
            .map(|p| {
                let p = PathBuf::from(p);
                match self.path.parent() {
                    Some(dir) if p.is_relative() => dir.join(p),
                    _ => p,
                }
            });
        let ca_data = cluster["certificate-authority-data"]
            .as_str()
            .filter(|d| !d.is_empty())
            .and_then(|d| {
                base64::engine::general_purpose::STANDARD
                    .decode(d.trim())
                    .ok()
            });
        TlsSettings {
            ca_file,
            ca_data,
            insecure: cluster["insecure-skip-tls-verify"].as_bool() == Some(true),
        }
    }

    /// Records how `server`'s certificate is checked in its cluster entry (made by
    /// [`Kubeconfig::use_context`]): a CA file (stored by path, as oc does) or no check.
    pub fn set_cluster_tls(
        &mut self,
        server: &str,
        ca_file: Option<&std::path::Path>,
        insecure: bool,
    ) {
        let host = cluster_name(server);
        let Some(entry) = self.doc["clusters"]
            .as_array_mut()
            .and_then(|l| l.iter_mut().find(|e| e["name"] == host.as_str()))
        else {
            return;
        };
        let Some(cluster) = entry["cluster"].as_object_mut() else {
            return;
        };
        if let Some(ca) = ca_file {
            cluster.remove("insecure-skip-tls-verify");
            cluster.remove("certificate-authority-data");
            cluster.insert(
                "certificate-authority".into(),
                ca.display().to_string().into(),
            );
        } else if insecure {
            cluster.remove("certificate-authority");
            cluster.remove("certificate-authority-data");
            cluster.insert("insecure-skip-tls-verify".into(), true.into());
        }
    }

    /// The namespace ("project") of the current context.
    pub fn namespace(&self) -> Option<String> {
        self.current()?["namespace"]
            .as_str()
            .filter(|n| !n.is_empty())
            .map(str::to_string)
    }

    /// The token of the current context's user.
    pub fn token(&self) -> Option<String> {
        let user = self.current()?["user"].as_str()?;
        named(&self.doc["users"], user)?
            .pointer("/user/token")?
            .as_str()
            .filter(|t| !t.is_empty())
            .map(str::to_string)
    }

    /// The current context's name.
    pub fn context_name(&self) -> Option<String> {
        self.doc["current-context"].as_str().map(str::to_string)
    }

    /// Drops the token of the current context's user (after `logout`).
    pub fn forget_token(&mut self) {
        let Some(user) = self
            .current()
            .and_then(|c| c["user"].as_str())
            .map(str::to_string)
        else {
            return;
        };
        if let Some(entries) = self.doc["users"].as_array_mut() {
            for e in entries.iter_mut().filter(|e| e["name"] == user.as_str()) {
                if let Some(u) = e["user"].as_object_mut() {
                    u.remove("token");
                }
            }
        }
    }

    /// Makes (`server`, `namespace`) the current context, named the way oc names them
    /// (`<namespace>/<host-port>/<user>`). With `login`, the user is `<user>/<host-port>`
    /// holding that token; without, the current user stays when it is on the same server.
    pub fn use_context(&mut self, server: &str, namespace: &str, login: Option<(&str, &str)>) {
        let host = cluster_name(server);
        let (user, user_name) = match login {
            Some((name, token)) => {
                let entry = format!("{name}/{host}");
                upsert(
                    &mut self.doc,
                    "users",
                    &entry,
                    "user",
                    json!({ "token": token }),
                );
                (entry, name.to_string())
            }
            None => {
                let same_server = self.current().and_then(|c| c["cluster"].as_str()) == Some(&host);
                match self.current().and_then(|c| c["user"].as_str()) {
                    Some(u) if same_server => {
                        let name = u.split('/').next().unwrap_or(u).to_string();
                        (u.to_string(), name)
                    }
                    _ => {
                        let entry = format!("wharf/{host}");
                        if named(&self.doc["users"], &entry).is_none() {
                            upsert(&mut self.doc, "users", &entry, "user", json!({}));
                        }
                        (entry, "wharf".to_string())
                    }
                }
            }
        };
        let context = format!("{namespace}/{host}/{user_name}");
        // The server, keeping what else the cluster entry says (its CA).
        let mut cluster = named(&self.doc["clusters"], &host)
            .map(|c| c["cluster"].clone())
            .filter(Value::is_object)
            .unwrap_or_else(|| json!({}));
        cluster["server"] = server.into();
        upsert(&mut self.doc, "clusters", &host, "cluster", cluster);
        upsert(
            &mut self.doc,
            "contexts",
            &context,
            "context",
            json!({ "cluster": host, "namespace": namespace, "user": user }),
        );
        self.doc["current-context"] = context.into();
    }
}
