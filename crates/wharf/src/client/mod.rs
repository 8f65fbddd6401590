//! The client side of `wharf`, like `oc`: a kubeconfig shared with kubectl
//! ([`kubeconfig`]), an HTTP client for the API that turns `Status` errors into oc's messages,
//! and resource names resolved through discovery ([`Client::resource`]).

pub mod kubeconfig;

use serde_json::Value;

/// A command's failure: printed as `error: …` (or oc's `Error from server (…): …`), exit 1.
#[derive(Debug)]
pub struct CliError(pub String);

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl CliError {
    /// Whether the server answered `NotFound`.
    pub fn is_not_found(&self) -> bool {
        self.0.starts_with("Error from server (NotFound)")
    }

    /// Whether the server answered `Conflict` (a stale resourceVersion).
    pub fn is_conflict(&self) -> bool {
        self.0.starts_with("Error from server (Conflict)")
    }

    /// The text without its `error: ` prefix, to quote inside another error.
    pub fn bare(&self) -> &str {
        self.0.strip_prefix("error: ").unwrap_or(&self.0)
    }
}

pub type CliResult<T> = Result<T, CliError>;

pub fn error(msg: impl Into<String>) -> CliError {
    CliError(format!("error: {}", msg.into()))
}

/// A served resource, as discovery describes it.
#[derive(Clone, Debug)]
pub struct Resource {
    pub group: String,
    pub version: String,
    pub plural: String,
    pub singular: String,
    pub namespaced: bool,
}

impl Resource {
    /// The collection path, in `namespace` if the resource is namespaced and one is given.
    pub fn path(&self, namespace: Option<&str>) -> String {
        let base = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        match namespace.filter(|_| self.namespaced) {
            Some(ns) => format!("{base}/namespaces/{ns}/{}", self.plural),
            None => format!("{base}/{}", self.plural),
        }
    }

    /// `v1` or `group/version`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `imagestream.image.openshift.io`, as `-o name` and oc's messages write it.
    pub fn qualified_singular(&self) -> String {
        if self.group.is_empty() {
            self.singular.clone()
        } else {
            format!("{}.{}", self.singular, self.group)
        }
    }
}

/// How the client checks the server's certificate: `--certificate-authority`,
/// `--insecure-skip-tls-verify`, or the kubeconfig cluster's `certificate-authority(-data)` and
/// `insecure-skip-tls-verify`. Without either, the built-in (webpki) roots.
#[derive(Clone, Debug, Default)]
pub struct ClientTls {
    /// PEM certificates to trust instead of the built-in roots.
    pub ca_pem: Option<Vec<u8>>,
    /// Where `ca_pem` came from, for messages.
    pub ca_source: String,
    /// No certificate check at all.
    pub insecure: bool,
}

/// What a kubeconfig cluster (or the flags) say about TLS.
#[derive(Clone, Debug, Default)]
pub struct TlsSettings {
    pub ca_file: Option<std::path::PathBuf>,
    pub ca_data: Option<Vec<u8>>,
    pub insecure: bool,
}

impl ClientTls {
    /// The flags win over the kubeconfig cluster's settings, as in kubectl.
    pub fn resolve(
        flag_ca: Option<&std::path::Path>,
        flag_insecure: bool,
        cluster: &TlsSettings,
    ) -> CliResult<ClientTls> {
        if flag_ca.is_some() && flag_insecure {
            return Err(error(
                "specifying a root certificates file with the insecure flag is not allowed",
            ));
        }
        if let Some(path) = flag_ca {
            return ClientTls::from_file(path);
        }
        if flag_insecure || cluster.insecure {
            return Ok(ClientTls {
                insecure: true,
                ..ClientTls::default()
            });
        }
        if let Some(data) = &cluster.ca_data {
            return Ok(ClientTls {
                ca_pem: Some(data.clone()),
                ca_source: "the kubeconfig's certificate-authority-data".into(),
                insecure: false,
            });
        }
        match &cluster.ca_file {
            Some(path) => ClientTls::from_file(path),
            None => Ok(ClientTls::default()),
        }
    }

    pub fn from_file(path: &std::path::Path) -> CliResult<ClientTls> {
        let pem = std::fs::read(path).map_err(|e| {
            error(format!(
                "cannot read the certificate authority {}: {e}",
                path.display()
            ))
        })?;
        Ok(ClientTls {
            ca_pem: Some(pem),
            ca_source: path.display().to_string(),
            insecure: false,
        })
    }

    /// ureq's TLS settings: the CA's certificates as the only roots, or no check at all.
    pub fn config(&self) -> CliResult<ureq::tls::TlsConfig> {
        use ureq::tls::{PemItem, RootCerts, TlsConfig};
        let mut b = TlsConfig::builder().disable_verification(self.insecure);
        if let Some(pem) = self.ca_pem.as_ref().filter(|_| !self.insecure) {
            let mut certs = Vec::new();
            for item in ureq::tls::parse_pem(pem) {
                match item {
                    Ok(PemItem::Certificate(c)) => certs.push(c),
                    Ok(_) => {}
                    Err(e) => {
                        return Err(error(format!(
                            "the certificate authority {} is not valid PEM: {e}",
                            self.ca_source
                        )))
                    }
                }
            }
            if certs.is_empty() {
                return Err(error(format!(
                    "the certificate authority {} holds no PEM certificate",
                    self.ca_source
                )));
            }
            b = b.root_certs(RootCerts::new_with_certs(&certs));
        }
        Ok(b.build())
    }

    /// An agent for the server, answering every status (redirects as given).
    pub fn agent(&self, max_redirects: Option<u32>) -> CliResult<ureq::Agent> {
        let mut b = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(60)))
            .tls_config(self.config()?);
        if let Some(n) = max_redirects {
            b = b.max_redirects(n);
        }
        Ok(b.build().into())
    }
}

/// The text of a server certificate no trusted authority signed.
pub const UNKNOWN_AUTHORITY: &str = "the server uses a certificate signed by an unknown authority; pass --certificate-authority=<data-dir>/tls/ca.crt (wharf serve --tls=self-signed prints its path) or --insecure-skip-tls-verify";

/// The TLS failure inside a transport error, if that is what it is.
fn tls_failure(e: &ureq::Error) -> Option<&rustls::Error> {
    match e {
        ureq::Error::Rustls(r) => Some(r),
        ureq::Error::Io(io) => io.get_ref()?.downcast_ref::<rustls::Error>(),
        _ => None,
    }
}

/// Whether `e` is a server certificate signed by no authority the client trusts.
pub fn is_unknown_authority(e: &ureq::Error) -> bool {
    matches!(
        tls_failure(e),
        Some(rustls::Error::InvalidCertificate(
            rustls::CertificateError::UnknownIssuer
        ))
    )
}

/// A request that never got an answer, worded for the user.
pub fn transport_error(server: &str, e: &ureq::Error) -> CliError {
    if is_unknown_authority(e) {
        return error(UNKNOWN_AUTHORITY);
    }
    if let Some(t) = tls_failure(e) {
        return error(format!(
            "cannot talk to the server at {server} over TLS: {t} (does it serve HTTPS? `wharf serve --tls=…` does; use http:// otherwise)"
        ));
    }
    error(format!("cannot reach the server at {server}: {e} (is `wharf serve` running? set it with --server or `wharf login`)"))
}

pub struct Client {
    pub server: String,
    /// The API token sent as `Authorization: Bearer`.
    pub token: Option<String>,
    agent: ureq::Agent,
    discovery: std::cell::OnceCell<Vec<Value>>,
}

pub const TABLE_ACCEPT: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

/// A server's `Status` as kubectl prints it: `Error from server (Reason): message`.
pub fn status_error(status: &Value) -> CliError {
    let reason = status["reason"].as_str().unwrap_or("Unknown");
    let message = status["message"].as_str().unwrap_or("");
    if reason == "Unauthorized" {
        // oc's words, and what to do.
        return CliError(format!(
            "You must be logged in to the server (Unauthorized): {message}"
        ));
    }
    CliError(format!("Error from server ({reason}): {message}"))
}

impl Client {
    /// A client checking the server's certificate as `tls` says.
    pub fn new(server: &str, token: Option<String>, tls: &ClientTls) -> CliResult<Client> {
        Ok(Client {
            server: server.trim_end_matches('/').to_string(),
            token,
            agent: tls.agent(None)?,
            discovery: std::cell::OnceCell::new(),
        })
    }

    /// Whether the server's certificate is signed by an authority the client does not trust
    /// (any other outcome, answer or failure, is for the real requests to report).
    pub fn untrusted(&self) -> bool {
        match self.agent.get(&format!("{}/version", self.server)).call() {
            Ok(_) => false,
            Err(e) => is_unknown_authority(&e),
        }
    }

    /// `r` with the token, if there is one.
    fn authorized<B>(&self, r: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        match &self.token {
            Some(t) => r.header("Authorization", format!("Bearer {t}")),
            None => r,
        }
    }

    /// The answer: `Ok(body)` for a success, `Err(Status)` for a refusal the server explained.
    fn exchange(
        &self,
        resp: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> CliResult<Result<Value, Value>> {
        let mut resp = resp.map_err(|e| transport_error(&self.server, &e))?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_vec()
            .map_err(|e| error(format!("reading the answer: {e}")))?;
        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if status < 400 {
            return Ok(Ok(v));
        }
        if v["kind"] == "Status" {
            return Ok(Err(v));
        }
        Ok(Err(serde_json::json!({
            "kind": "Status",
            "reason": "Unknown",
            "message": String::from_utf8_lossy(&body),
            "code": status,
        })))
    }

    fn decode(
        &self,
        resp: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> CliResult<Value> {
        self.exchange(resp)?.map_err(|status| status_error(&status))
    }

    /// A POST whose refusal the caller reads itself (`Err(Status)`).
    pub fn post_for_status(&self, path: &str, body: &Value) -> CliResult<Result<Value, Value>> {
        self.exchange(
            self.authorized(self.agent.post(&format!("{}{path}", self.server)))
                .header("Content-Type", "application/json")
                .send(body.to_string().as_bytes()),
        )
    }

    pub fn get(&self, path: &str, accept: &str) -> CliResult<Value> {
        self.decode(
            self.authorized(self.agent.get(&format!("{}{path}", self.server)))
                .header("Accept", accept)
                .call(),
        )
    }

    pub fn post(&self, path: &str, body: &Value) -> CliResult<Value> {
        self.decode(
            self.authorized(self.agent.post(&format!("{}{path}", self.server)))
                .header("Content-Type", "application/json")
                .send(body.to_string().as_bytes()),
        )
    }

    pub fn put(&self, path: &str, body: &Value) -> CliResult<Value> {
        self.decode(
            self.authorized(self.agent.put(&format!("{}{path}", self.server)))
                .header("Content-Type", "application/json")
                .send(body.to_string().as_bytes()),
        )
    }

    pub fn patch(&self, path: &str, content_type: &str, body: &Value) -> CliResult<Value> {
        self.decode(
            self.authorized(self.agent.patch(&format!("{}{path}", self.server)))
                .header("Content-Type", content_type)
                .send(body.to_string().as_bytes()),
        )
    }

    pub fn delete(&self, path: &str) -> CliResult<Value> {
        self.decode(
            self.authorized(self.agent.delete(&format!("{}{path}", self.server)))
                .call(),
        )
    }

    /// The API's resource lists (core v1 and each group's preferred version), read once.
    fn discovery(&self) -> CliResult<&[Value]> {
        if let Some(d) = self.discovery.get() {
            return Ok(d);
        }
        let mut lists = vec![self.get("/api/v1", "application/json")?];
        for g in self.get("/apis", "application/json")?["groups"]
            .as_array()
            .into_iter()
            .flatten()
        {
            if let Some(gv) = g
                .pointer("/preferredVersion/groupVersion")
                .and_then(Value::as_str)
            {
                lists.push(self.get(&format!("/apis/{gv}"), "application/json")?);
            }
        }
        Ok(self.discovery.get_or_init(|| lists))
    }

    /// The served resource (not a subresource) that `pick` accepts: the first that can be read,
    /// else the first (a create-only resource such as imagestreammappings). Two resources can
    /// serve one kind (templates and processedtemplates); the one holding objects is meant.
    fn find_resource(&self, pick: impl Fn(&str, &Value) -> bool) -> CliResult<Option<Resource>> {
        let mut fallback = None;
        for list in self.discovery()? {
            let gv = list["groupVersion"].as_str().unwrap_or("");
            let (group, version) = gv.split_once('/').unwrap_or(("", gv));
            for r in list["resources"].as_array().into_iter().flatten() {
                let plural = r["name"].as_str().unwrap_or("");
                if plural.contains('/') || !pick(gv, r) {
                    continue;
                }
                let found = Resource {
                    group: group.into(),
                    version: version.into(),
                    plural: plural.into(),
                    singular: r["singularName"].as_str().unwrap_or("").into(),
                    namespaced: r["namespaced"].as_bool().unwrap_or(false),
                };
                let readable = r["verbs"]
                    .as_array()
                    .is_some_and(|v| v.iter().any(|v| v == "get"));
                if readable {
                    return Ok(Some(found));
                }
                fallback.get_or_insert(found);
            }
        }
        Ok(fallback)
    }

    /// Resolves `is`, `imagestreams`, `imagestream`, `istag`, `images.image.openshift.io`…
    /// through discovery, as kubectl does.
    pub fn resource(&self, name: &str) -> CliResult<Resource> {
        let (short, group_hint) = match name.split_once('.') {
            Some((n, g)) => (n, Some(g)),
            None => (name, None),
        };
        let found = self.find_resource(|gv, r| {
            let group = gv.split_once('/').map_or("", |(g, _)| g);
            let named = |k: &str| r[k].as_str() == Some(short);
            group_hint.is_none_or(|h| h == group)
                && (named("name")
                    || named("singularName")
                    || r["shortNames"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|s| s == short)
                    || r["kind"]
                        .as_str()
                        .is_some_and(|k| k.eq_ignore_ascii_case(short)))
        })?;
        found.ok_or_else(|| {
            error(format!(
                "the server doesn't have a resource type \"{name}\""
            ))
        })
    }

    /// The resource that stores objects of `kind` in `api_version`, as a manifest names them.
    pub fn resource_for_kind(&self, api_version: &str, kind: &str) -> CliResult<Resource> {
        // Legacy OpenShift manifests say `apiVersion: v1` for image and template kinds.
        let found = self.find_resource(|gv, r| {
            r["kind"] == kind && (gv == api_version || api_version == "v1")
        })?;
        found.ok_or_else(|| {
            error(format!(
                "no matches for kind \"{kind}\" in version \"{api_version}\""
            ))
        })
    }
}
