//! `wharf serve`: opens the embedded stores under the data directory, serves the registry
//! (`/v2`) and the Kubernetes-style API (`/api`, `/apis`, `/version`) on one listener (plain
//! HTTP, or HTTPS with `--tls-cert/--tls-key` or `--tls=self-signed`: tls.rs),
//! purges abandoned uploads, and shuts down gracefully on SIGINT/SIGTERM (in-flight requests
//! finish; nothing half-written is ever visible, because visibility is a committed transaction).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use axum::serve::ListenerExt;
use axum::Router;
use clap::Args;
use tracing_subscriber::EnvFilter;
use wharf_registry::{housekeeping, Limits, Registry};
use wharf_storage::fs::FsBlobStore;
use wharf_storage::sqlite::SqliteMetaStore;

use crate::config::{parse_duration, FileConfig};

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Directory holding blobs and the metadata database [default: ./wharf-data]
    #[arg(long, env = "WHARF_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Address to listen on; port 0 picks a free port [default: 127.0.0.1:5000]
    #[arg(long, env = "WHARF_LISTEN")]
    listen: Option<String>,
    /// Log filter: error, warn, info, debug, trace, or a tracing directive [default: info]
    #[arg(long, env = "WHARF_LOG_LEVEL")]
    log_level: Option<String>,
    /// The registry's address as clients should pull from it (`host:port`), used in image
    /// streams' repositories and pull specs [default: the address listened on]
    #[arg(long, env = "WHARF_REGISTRY_HOSTNAME")]
    registry_hostname: Option<String>,
    /// How often tags with `importPolicy.scheduled` are re-imported, e.g. 15m [default: 15m]
    #[arg(long, env = "WHARF_SCHEDULED_IMPORT_INTERVAL")]
    scheduled_import_interval: Option<String>,
    /// YAML config file (limits, upload expiry, identity providers, and the settings above)
    #[arg(long, env = "WHARF_CONFIG")]
    config: Option<PathBuf>,
    /// `none` turns authentication off: everyone who can reach the server is the cluster
    /// admin. Only for throwaway local use [default: on]
    #[arg(long, env = "WHARF_AUTH", value_parser = ["on", "none"])]
    auth: Option<String>,
    /// An htpasswd file (bcrypt, `htpasswd -B`) of users who may log in, as a provider named
    /// `htpasswd`; more providers go in the config file's `oauth.identityProviders`
    #[arg(long, env = "WHARF_HTPASSWD_FILE")]
    htpasswd_file: Option<PathBuf>,
    /// `self-signed`: serve HTTPS with a CA and certificate generated once under
    /// `<data-dir>/tls` (trust `ca.crt`); `none`: plain HTTP [default: none, or HTTPS when
    /// --tls-cert is given]
    #[arg(long, env = "WHARF_TLS", value_parser = ["none", "self-signed"])]
    tls: Option<String>,
    /// Serve HTTPS with this certificate (chain), PEM; needs --tls-key
    #[arg(long, env = "WHARF_TLS_CERT", value_name = "FILE")]
    tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert, PEM (PKCS#8, RSA or EC)
    #[arg(long, env = "WHARF_TLS_KEY", value_name = "FILE")]
    tls_key: Option<PathBuf>,
}

/// Settings after flags, environment, file and defaults are merged.
struct Settings {
    data_dir: PathBuf,
    listen: String,
    log_level: String,
    registry_hostname: Option<String>,
    limits: Limits,
    upload_expiry: Duration,
    purge_interval: Duration,
    /// Tags a repository import takes.
    max_images_per_repository: usize,
    /// None: scheduled imports are off.
    schedule: Option<wharf_controllers::image_import::Schedule>,
    auth: wharf_apiserver::auth::AuthSettings,
    tls: crate::tls::TlsMode,
}

fn settings(args: ServeArgs) -> Result<Settings, String> {
    let file = match &args.config {
        Some(p) => FileConfig::load(p)?,
        None => FileConfig::default(),
    };
    let mut limits = Limits::default();
    if let Some(m) = file.limits.max_manifest_bytes {
        limits.max_manifest_bytes = m;
    }
    if let Some(m) = file.limits.max_uploads_per_client {
        limits.max_uploads_per_client = m.max(1);
    }
    let tls = crate::tls::resolve(
        args.tls.as_deref().or(file.tls.as_deref()),
        args.tls_cert
            .clone()
            .or(file.serving_info.cert_file.clone()),
        args.tls_key.clone().or(file.serving_info.key_file.clone()),
    )?;
    let mut auth = auth_settings(&args, &file)?;
    auth.tls = tls != crate::tls::TlsMode::None;
    let interval = parse_duration(
        args.scheduled_import_interval
            .as_deref()
            .or(file.image_import.scheduled_import_interval.as_deref())
            .unwrap_or("15m"),
    )?;
    let minimum = wharf_controllers::image_import::MINIMUM_INTERVAL;
    if interval < minimum {
        return Err(format!(
            "the scheduled import interval must be at least {}s, so a typo cannot flood the source registries",
            minimum.as_secs()
        ));
    }
    let schedule = (!file.image_import.disable_scheduled_import).then(|| {
        wharf_controllers::image_import::Schedule {
            interval,
            max_per_minute: file
                .image_import
                .max_scheduled_imports_per_minute
                .unwrap_or(60),
        }
    });
    let max_images_per_repository = match file.image_import.max_images_bulk_imported_per_repository
    {
        None => wharf_domain::import::MAX_IMAGES_BULK_IMPORTED,
        Some(n) if n < 0 => usize::MAX,
        Some(n) => n as usize,
    };
    Ok(Settings {
        auth,
        tls,
        schedule,
        max_images_per_repository,
        data_dir: args
            .data_dir
            .or(file.data_dir)
            .unwrap_or_else(|| "wharf-data".into()),
        listen: args
            .listen
            .or(file.listen)
            .unwrap_or_else(|| "127.0.0.1:5000".into()),
        log_level: args
            .log_level
            .or(file.log_level)
            .unwrap_or_else(|| "info".into()),
        registry_hostname: args.registry_hostname.or(file.registry_hostname),
        limits,
        upload_expiry: parse_duration(file.uploads.expiry.as_deref().unwrap_or("24h"))?,
        purge_interval: parse_duration(file.uploads.purge_interval.as_deref().unwrap_or("1h"))?,
    })
}

fn auth_settings(
    args: &ServeArgs,
    file: &FileConfig,
) -> Result<wharf_apiserver::auth::AuthSettings, String> {
    use wharf_apiserver::auth::{AuthSettings, HtpasswdProvider, LoginLimits};
    let mode = args
        .auth
        .as_deref()
        .or(file.auth.mode.as_deref())
        .unwrap_or("on");
    let enabled = match mode {
        "on" => true,
        "none" => false,
        other => return Err(format!("invalid auth mode {other:?}: use on or none")),
    };
    let mut providers = Vec::new();
    if let Some(f) = &args.htpasswd_file {
        providers.push(HtpasswdProvider::open("htpasswd", f.clone())?);
    }
    for p in &file.oauth.identity_providers {
        if p.kind.as_deref().is_some_and(|k| k != "HTPasswd") {
            return Err(format!(
                "identity provider {:?}: type {:?} is not supported; Wharf has HTPasswd",
                p.name,
                p.kind.as_deref().unwrap_or("")
            ));
        }
        providers.push(HtpasswdProvider::open(&p.name, p.htpasswd.file.clone())?);
    }
    let defaults = AuthSettings::default();
    let limits = LoginLimits {
        per_user: file
            .auth
            .failed_logins_per_user
            .unwrap_or(defaults.login_limits.per_user),
        per_address: file
            .auth
            .failed_logins_per_address
            .unwrap_or(defaults.login_limits.per_address),
        ..defaults.login_limits
    };
    Ok(AuthSettings {
        enabled,
        providers,
        access_token_max_age: file
            .oauth
            .token_config
            .access_token_max_age_seconds
            .map_or(defaults.access_token_max_age, Duration::from_secs),
        registry_token_ttl: match &file.auth.registry_token_lifetime {
            Some(d) => parse_duration(d)?,
            None => defaults.registry_token_ttl,
        },
        login_limits: limits,
        // Set by `settings` from the TLS mode.
        tls: false,
    })
}

pub fn run(args: ServeArgs) -> Result<(), String> {
    let s = settings(args)?;
    let filter = EnvFilter::try_new(&s.log_level)
        .map_err(|e| format!("invalid --log-level {:?}: {e}", s.log_level))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours only on a terminal: log files and pipes get plain `key=value` fields.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?
        .block_on(serve(s))
}

async fn serve(s: Settings) -> Result<(), String> {
    std::fs::create_dir_all(&s.data_dir)
        .map_err(|e| format!("cannot create data directory {}: {e}", s.data_dir.display()))?;
    let addr: SocketAddr = s.listen.parse().map_err(|e| {
        format!(
            "invalid --listen {:?}: {e} (expected host:port, e.g. 127.0.0.1:5000)",
            s.listen
        )
    })?;
    // The certificate before the stores and the port: a bad one is reported before anything
    // else happens.
    let mut hosts = vec![addr.ip().to_string()];
    if let Some(h) = &s.registry_hostname {
        hosts.push(crate::tls::host_of(h));
    }
    let tls = crate::tls::prepare(&s.tls, &s.data_dir, &hosts)?;
    let blobs = FsBlobStore::open(&s.data_dir).map_err(|e| {
        format!(
            "cannot open the blob store in {}: {e}",
            s.data_dir.display()
        )
    })?;
    let meta = SqliteMetaStore::open(&s.data_dir.join("meta.db")).map_err(|e| {
        format!(
            "cannot open the metadata database in {}: {e}",
            s.data_dir.display()
        )
    })?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    // How clients reach us: the scheme, and a host (an unspecified bind address is reached as
    // localhost here).
    let scheme = if tls.is_some() { "https" } else { "http" };
    let reach = if bound.ip().is_unspecified() {
        format!("localhost:{}", bound.port())
    } else {
        bound.to_string()
    };
    let registry_hostname = s
        .registry_hostname
        .clone()
        .unwrap_or_else(|| bound.to_string());
    let meta: Arc<dyn wharf_storage::MetaStore> = Arc::new(meta);
    let meta_for_compaction = meta.clone();
    let blobs: Arc<dyn wharf_storage::BlobStore> = Arc::new(blobs);
    let auth_enabled = s.auth.enabled;
    let api = wharf_apiserver::ApiServer {
        store: meta.clone(),
        registry_hostname: registry_hostname.clone(),
        importer: wharf_import::Importer {
            max_images_per_repository: s.max_images_per_repository,
            ..Default::default()
        },
        auth: wharf_apiserver::auth::Auth::new(s.auth),
    };
    let boot = wharf_apiserver::auth::bootstrap::bootstrap(&api, &s.data_dir).await?;
    let registry = Registry {
        observer: Some(Arc::new(wharf_apiserver::push::ImageStreamMirror {
            registry_hostname: Some(registry_hostname),
        })),
        pull_through: Some(Arc::new(
            wharf_apiserver::pull_through::ImagePullThrough::new(api.clone(), blobs.clone()),
        )),
        access: auth_enabled.then(|| {
            Arc::new(wharf_apiserver::auth::registry::RegistryAccess { api: api.clone() })
                as Arc<dyn wharf_registry::AccessControl>
        }),
        ..Registry::new(blobs, meta, s.limits)
    };
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(|| async { "ok" }))
        .merge(wharf_registry::router(registry.clone()))
        .merge(wharf_apiserver::router(api.clone()))
        .merge(wharf_controllers::notifications::router(api.clone()));

    let ca_flag = tls
        .as_ref()
        .and_then(|t| t.ca_file.as_ref())
        .map(|ca| format!(" --certificate-authority={}", ca.display()))
        .unwrap_or_default();
    if let Some(file) = &boot.kubeadmin_password_file {
        eprintln!(
            "wharf serve: created the cluster admin \"kubeadmin\"; its password is in {} (readable by you only).\n  Log in with: wharf login {scheme}://{reach}{ca_flag} -u kubeadmin -p \"$(cat {})\"",
            file.display(),
            file.display()
        );
    }
    if let Some(t) = &tls {
        if let Some(note) = &t.note {
            eprintln!("wharf serve: TLS: {note}");
        }
        if let Some(ca) = &t.ca_file {
            let ca = ca.display();
            eprintln!(
                "wharf serve: TLS: self-signed CA at {ca}. To trust it: wharf login https://{reach} --certificate-authority={ca}; kubectl --certificate-authority={ca}; podman/skopeo: mkdir -p ~/.config/containers/certs.d/{reach} && cp {ca} ~/.config/containers/certs.d/{reach}/ca.crt (or pass --cert-dir / --dest-cert-dir DIR holding it as ca.crt); curl --cacert {ca}"
            );
        }
    }
    if !auth_enabled {
        tracing::warn!("AUTHENTICATION IS OFF (--auth=none)");
        eprintln!(
            "wharf serve: WARNING: authentication is off (--auth=none). Everyone who can reach {bound} is the cluster admin: they can read, push, overwrite and delete everything. Use this only for throwaway local work."
        );
    }
    // A stable line scripts and tests can wait for: `listening on ADDR,` for plain HTTP (as
    // ever), `listening on https://ADDR,` with TLS.
    let listening = if tls.is_some() {
        format!("https://{bound}")
    } else {
        bound.to_string()
    };
    eprintln!(
        "wharf serve: listening on {listening}, data in {}",
        s.data_dir.display()
    );

    let compactor = tokio::spawn(wharf_apiserver::watch::run_compactor(
        meta_for_compaction,
        wharf_apiserver::watch::KEEP_CHANGES,
        Duration::from_secs(60),
    ));
    let importer =
        tokio::spawn(wharf_controllers::image_import::run_image_stream_controller(api.clone()));
    let scheduler = s.schedule.clone().map(|schedule| {
        tokio::spawn(wharf_controllers::image_import::run_scheduled_imports(
            api.clone(),
            schedule,
        ))
    });
    let purger = tokio::spawn(housekeeping::run_upload_purger(
        registry,
        s.upload_expiry,
        s.purge_interval,
    ));
    // Expired API tokens authenticate nobody; the sweep keeps them from piling up.
    let sweeper = auth_enabled.then(|| {
        tokio::spawn(wharf_apiserver::auth::run_token_sweeper(
            api.clone(),
            Duration::from_secs(3600),
        ))
    });
    if let Some(t) = tls {
        // HTTPS: tls.rs's accept loop does the same (NODELAY, ConnectInfo, graceful shutdown).
        crate::tls::serve(listener, t.config, app, shutdown_signal()).await;
    } else {
        // TCP_NODELAY, as Go's net/http sets by default: without it a small write (a response,
        // or a body's tail) waits for the peer's delayed ACK, about 40 ms per request on Linux.
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "could not set TCP_NODELAY");
            }
        });
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| format!("server error: {e}"))?;
    }
    purger.abort();
    if let Some(s) = sweeper {
        s.abort();
    }
    compactor.abort();
    importer.abort();
    if let Some(s) = scheduler {
        s.abort();
    }
    eprintln!("wharf serve: stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
