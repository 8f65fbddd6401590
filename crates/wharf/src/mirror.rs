//! `wharf image mirror SRC DST [SRC DST...]`: copies images and manifest lists from one
//! registry to another, as `oc image mirror` does — blobs the target already has are skipped
//! (so an interrupted run resumes), blobs in the same registry are mounted, the rest are
//! streamed from source to target with a progress bar each, then the manifests are put.
//!
//! Differences from oc: positional arguments are SRC DST *pairs* (oc takes one SRC and many
//! DSTs); `SRC=DST` arguments work as in oc. oc's output wording was followed from memory of
//! its source (pkg/cli/image/mirror); lines marked "unchecked" below could not be compared
//! with a real `oc` here.

use std::collections::{BTreeMap, HashSet};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::Value;
use tokio::sync::Semaphore;
use wharf_domain::import::credentials::{
    credential_for, credentials_from_docker_config, Credential,
};
use wharf_domain::import::{repository_path, with_defaults};
use wharf_domain::reference::DockerImageReference;
use wharf_import::push::Pusher;
use wharf_import::{Endpoint, FetchError, Manifest, RegistryClient};

use crate::client::{error, CliError, CliResult};

const INDEX_TYPES: &[&str] = &[
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
];

/// Copy images from one registry to another.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
    # Copy one image, keeping its tag\n  \
    wharf image mirror --insecure 127.0.0.1:5000/app:v1 127.0.0.1:6000/app\n\n  \
    # Copy only the linux/arm64 image of a manifest list\n  \
    wharf image mirror --filter-by-os=linux/arm64 quay.io/org/app:v1 myreg:5000/org/app:v1-arm64\n\n  \
    # Several mappings at once\n  \
    wharf image mirror a.io/x:1=b.io/x:1 a.io/y:2=b.io/y:2")]
pub struct MirrorArgs {
    /// SRC DST pairs (pull specs host[:port]/repo[:tag|@digest]; DST's tag defaults to SRC's),
    /// or SRC=DST mappings
    #[arg(value_name = "SRC DST")]
    pub images: Vec<String>,
    /// Allow plain HTTP and unverified TLS, for the source and the destination
    #[arg(long)]
    pub insecure: bool,
    /// For manifest lists, only the entries whose OS/ARCH[/VARIANT] matches this regular
    /// expression (e.g. linux/amd64); one match is pushed as that image alone
    #[arg(long, value_name = "REGEX")]
    pub filter_by_os: Option<String>,
    /// Always push the whole manifest list (every entry), even when a filter selects one
    #[arg(long)]
    pub keep_manifest_list: bool,
    /// Print what would be copied, copy nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Blobs copied at once
    #[arg(long, default_value_t = 6, value_name = "N")]
    pub max_per_registry: usize,
    /// A Docker/Podman credentials file ({"auths": {"host": {"auth": base64(user:pass)}}})
    /// [default: $REGISTRY_AUTH_FILE, else ~/.docker/config.json when present]
    #[arg(short = 'a', long, value_name = "FILE")]
    pub registry_config: Option<PathBuf>,
}

/// One side of a mapping, defaulted.
#[derive(Clone, Debug)]
struct Side {
    /// `host[:port]`
    registry: String,
    /// `ns/name`
    repository: String,
    /// A tag, or empty.
    tag: String,
    /// A digest, or empty.
    digest: String,
}

impl Side {
    fn reference(&self) -> &str {
        if self.digest.is_empty() {
            &self.tag
        } else {
            &self.digest
        }
    }

    fn repo_display(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    fn display(&self) -> String {
        if self.digest.is_empty() {
            format!("{}/{}:{}", self.registry, self.repository, self.tag)
        } else {
            format!("{}/{}@{}", self.registry, self.repository, self.digest)
        }
    }
}

#[derive(Debug)]
struct Mapping {
    src: Side,
    dst: Side,
}

fn usage(msg: &str) -> CliError {
    error(format!(
        "{msg}\nUsage: wharf image mirror SRC DST [SRC DST...] [flags]\n\
         See 'wharf image mirror --help' for help and examples."
    ))
}

fn parse_side(spec: &str, what: &str) -> CliResult<DockerImageReference> {
    let r = wharf_domain::reference::parse(spec).map_err(|e| {
        usage(&format!(
            "\"{spec}\" is not a valid {what} image reference: {e}"
        ))
    })?;
    if r.name.is_empty() {
        return Err(usage(&format!(
            "\"{spec}\" names a registry but no repository: give {what} as host[:port]/repo[:tag]"
        )));
    }
    Ok(r)
}

fn side_of(r: DockerImageReference) -> Side {
    let d = with_defaults(r);
    let (tag, digest) = if d.id.contains(':') {
        (String::new(), d.id.clone())
    } else {
        (d.tag.clone(), String::new())
    };
    Side {
        registry: d.registry.clone(),
        repository: repository_path(&d),
        tag,
        digest,
    }
}

fn mapping(src: &str, dst: &str) -> CliResult<Mapping> {
    let s = parse_side(src, "source")?;
    let mut d = parse_side(dst, "destination")?;
    if d.id.contains(':') {
        return Err(usage(&format!(
            "the destination \"{dst}\" may not name a digest: give a tag or none"
        )));
    }
    if d.tag.is_empty() {
        // DST's tag defaults to SRC's; a source by digest is pushed by digest only.
        d.tag = if s.id.contains(':') {
            String::new()
        } else if s.tag.is_empty() {
            "latest".into()
        } else {
            s.tag.clone()
        };
    }
    let by_digest = d.tag.is_empty();
    let src = side_of(s);
    let mut dst = side_of(d);
    if by_digest {
        // with_defaults said "latest"; a destination of a source by digest gets no tag.
        dst.tag.clear();
    }
    Ok(Mapping { src, dst })
}

fn mappings(args: &[String]) -> CliResult<Vec<Mapping>> {
    let mut out = Vec::new();
    let mut rest = Vec::new();
    for a in args {
        match a.split_once('=') {
            Some((s, d)) => out.push(mapping(s, d)?),
            None => rest.push(a.as_str()),
        }
    }
    if out.is_empty() && rest.is_empty() {
        return Err(usage(
            "you must specify at least one source image and one destination",
        ));
    }
    if rest.len() % 2 == 1 {
        return Err(usage(&format!(
            "expected SRC DST pairs or SRC=DST mappings, got {} argument{} that do not pair up",
            rest.len(),
            if rest.len() == 1 { "" } else { "s" }
        )));
    }
    for pair in rest.chunks(2) {
        out.push(mapping(pair[0], pair[1])?);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Credentials

fn load_credentials(path: Option<&PathBuf>) -> CliResult<Vec<Credential>> {
    let explicit = path.is_some();
    let path = path.cloned().or_else(|| {
        std::env::var_os("REGISTRY_AUTH_FILE")
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker/config.json"))
            })
    });
    let Some(path) = path else {
        return Ok(Vec::new());
    };
    let text = match std::fs::read(&path) {
        Ok(t) => t,
        Err(e) if !explicit && e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(error(format!(
                "unable to read registry credentials {}: {e}",
                path.display()
            )))
        }
    };
    let v: Value = serde_json::from_slice(&text).map_err(|e| {
        error(format!(
            "registry credentials {} are not valid JSON: {e}",
            path.display()
        ))
    })?;
    Ok(credentials_from_docker_config(&v))
}

/// The user and password for `registry`, matched as imports match Secrets.
fn credentials_for(creds: &[Credential], registry: &str) -> Option<(String, String)> {
    credential_for(creds, registry, "").map(|c| (c.username.clone(), c.password.clone()))
}

// ---------------------------------------------------------------------------------------------
// Output helpers

use crate::describe::human_size;

fn short(digest: &str) -> &str {
    let end = digest.len().min("sha256:".len() + 12);
    &digest[..end]
}

/// Where progress and per-blob lines go.
struct Progress {
    multi: MultiProgress,
    tty: bool,
}

impl Progress {
    fn new() -> Progress {
        let tty = std::io::stderr().is_terminal();
        let target = if tty {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Progress {
            multi: MultiProgress::with_draw_target(target),
            tty,
        }
    }

    /// One line on stderr, above the bars when they are drawn.
    fn line(&self, text: &str) {
        if self.tty {
            let _ = self.multi.println(text);
        } else {
            eprintln!("{text}");
        }
    }

    fn bar(&self, digest: &str, length: Option<u64>) -> ProgressBar {
        let bar = match length {
            Some(n) => ProgressBar::new(n),
            None => ProgressBar::no_length(),
        };
        let bar = self.multi.add(bar);
        let style = ProgressStyle::with_template(
            "{prefix} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(short(digest).to_string());
        bar
    }
}

// ---------------------------------------------------------------------------------------------
// Errors

/// A failure worded for the user: what happened and what to do.
fn explain(e: &FetchError, what: &str, registry: &str, insecure: bool) -> String {
    match e {
        FetchError::NotFound => format!("{what}: not found; check the repository, tag or digest"),
        FetchError::Unauthorized { with_credentials } => {
            if *with_credentials {
                format!("{what}: unauthorized: the registry refused the credentials for {registry}; update them in the --registry-config file")
            } else {
                format!("{what}: unauthorized: authentication required; add credentials for {registry} to ~/.docker/config.json or pass --registry-config")
            }
        }
        FetchError::HttpOnly => {
            format!("{what}: {registry} speaks only plain HTTP; pass --insecure to allow it")
        }
        FetchError::Integrity { expected, actual } => {
            format!("{what}: content integrity error: expected {expected}, got {actual}")
        }
        FetchError::Other(text) => {
            let hint = if insecure {
                "check that the registry is running and reachable".to_string()
            } else {
                "check that the registry is running and reachable, or pass --insecure for a registry that speaks plain HTTP or has an untrusted certificate".to_string()
            };
            format!("{what}: {text}; {hint}")
        }
    }
}

// ---------------------------------------------------------------------------------------------
// --filter-by-os: a Go-style regular expression, unanchored like Go's MatchString. The regex
// crate's syntax is RE2's, as Go's regexp is.

pub(crate) struct Pattern(regex::Regex);

impl Pattern {
    pub(crate) fn compile(re: &str) -> Result<Pattern, String> {
        regex::Regex::new(re)
            .map(Pattern)
            .map_err(|e| e.to_string())
    }

    pub(crate) fn is_match(&self, s: &str) -> bool {
        self.0.is_match(s)
    }
}

// ---------------------------------------------------------------------------------------------
// Planning

/// A blob to copy into one destination repository.
#[derive(Clone, Debug)]
struct Blob {
    digest: String,
    size: u64,
}

/// What one mapping copies: blobs, then manifests (children first), then the tag.
struct Plan {
    mapping: Mapping,
    blobs: Vec<Blob>,
    /// (digest, media type, bytes): pushed by digest, in order.
    children: Vec<Manifest>,
    /// The manifest the destination tag (or digest) points at.
    top: Manifest,
    /// A note on what was chosen from a manifest list, for the plan.
    note: Option<String>,
}

fn is_index(m: &Manifest) -> bool {
    INDEX_TYPES.contains(&m.media_type.as_str())
}

fn platform_string(p: &Value) -> String {
    let os = p["os"].as_str().unwrap_or("");
    let arch = p["architecture"].as_str().unwrap_or("");
    match p["variant"].as_str() {
        Some(v) if !v.is_empty() => format!("{os}/{arch}/{v}"),
        _ => format!("{os}/{arch}"),
    }
}

/// The blobs (config and layers, foreign layers left out, as oc does) of an image manifest.
fn blobs_of(m: &Manifest, src: &str) -> CliResult<Vec<Blob>> {
    if m.media_type
        .starts_with("application/vnd.docker.distribution.manifest.v1")
    {
        return Err(error(format!(
            "{src}: schema 1 manifests cannot be mirrored; mirror an image with a schema 2 or OCI manifest"
        )));
    }
    let v: Value = serde_json::from_slice(&m.bytes)
        .map_err(|e| error(format!("{src}: the manifest is not valid JSON: {e}")))?;
    let mut out = Vec::new();
    let descriptor = |d: &Value| -> Option<Blob> {
        Some(Blob {
            digest: d["digest"].as_str()?.to_string(),
            size: d["size"].as_u64().unwrap_or(0),
        })
    };
    if let Some(c) = descriptor(&v["config"]) {
        out.push(c);
    }
    for l in v["layers"].as_array().into_iter().flatten() {
        let foreign = l["mediaType"]
            .as_str()
            .is_some_and(|t| t.contains("foreign") || t.contains("nondistributable"));
        if foreign {
            continue;
        }
        if let Some(b) = descriptor(l) {
            out.push(b);
        }
    }
    Ok(out)
}

struct Ctx {
    args_insecure: bool,
    creds: Vec<Credential>,
    sources: std::sync::Mutex<BTreeMap<String, Arc<RegistryClient>>>,
    targets: std::sync::Mutex<BTreeMap<String, Arc<Pusher>>>,
}

impl Ctx {
    fn source(&self, registry: &str) -> Arc<RegistryClient> {
        let mut m = self.sources.lock().unwrap();
        m.entry(registry.to_string())
            .or_insert_with(|| {
                Arc::new(RegistryClient::new(Endpoint {
                    registry: registry.to_string(),
                    insecure: self.args_insecure,
                    credentials: credentials_for(&self.creds, registry),
                }))
            })
            .clone()
    }

    fn target(&self, registry: &str) -> Arc<Pusher> {
        let mut m = self.targets.lock().unwrap();
        m.entry(registry.to_string())
            .or_insert_with(|| {
                Arc::new(Pusher::new(Endpoint {
                    registry: registry.to_string(),
                    insecure: self.args_insecure,
                    credentials: credentials_for(&self.creds, registry),
                }))
            })
            .clone()
    }
}

async fn plan(
    ctx: &Ctx,
    mapping: Mapping,
    filter: Option<&Pattern>,
    keep: bool,
) -> CliResult<Plan> {
    let src = &mapping.src;
    let client = ctx.source(&src.registry);
    let what = format!("unable to retrieve source image {}", src.display());
    let fail = |e: FetchError| error(explain(&e, &what, &src.registry, ctx.args_insecure));
    let top = client
        .manifest(&src.repository, src.reference())
        .await
        .map_err(fail)?;
    if !is_index(&top) {
        let blobs = blobs_of(&top, &src.display())?;
        return Ok(Plan {
            mapping,
            blobs,
            children: Vec::new(),
            top,
            note: None,
        });
    }
    let v: Value = serde_json::from_slice(&top.bytes).map_err(|e| {
        error(format!(
            "{}: the manifest list is not valid JSON: {e}",
            src.display()
        ))
    })?;
    let entries: Vec<Value> = v["manifests"].as_array().cloned().unwrap_or_default();
    let matching: Vec<Value> = match filter {
        Some(p) => entries
            .iter()
            .filter(|e| p.is_match(&platform_string(&e["platform"])))
            .cloned()
            .collect(),
        None => entries.clone(),
    };
    if matching.is_empty() {
        let platforms: Vec<String> = entries
            .iter()
            .map(|e| platform_string(&e["platform"]))
            .collect();
        return Err(error(format!(
            "{}: no manifest in the list matches --filter-by-os (it has {}); choose a different filter",
            src.display(),
            platforms.join(", ")
        )));
    }
    // What goes to the destination: the whole list (no filter, or --keep-manifest-list), the
    // one matching image alone, or a new list of the matching entries (as oc does).
    let (wanted, new_top, note) = if filter.is_none() || keep || matching.len() == entries.len() {
        (entries.clone(), top.clone(), None)
    } else if matching.len() == 1 {
        let d = matching[0]["digest"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let child = client.manifest(&src.repository, &d).await.map_err(fail)?;
        let blobs = blobs_of(&child, &src.display())?;
        let note = format!(
            "filtered the manifest list to {} ({})",
            platform_string(&matching[0]["platform"]),
            short(&d)
        );
        return Ok(Plan {
            mapping,
            blobs,
            children: Vec::new(),
            top: child,
            note: Some(note),
        });
    } else {
        let mut list = v.clone();
        list["manifests"] = Value::Array(matching.clone());
        let bytes: wharf_import::push::Bytes = serde_json::to_vec(&list).unwrap_or_default().into();
        let digest = format!("sha256:{}", sha256_hex(&bytes));
        let platforms: Vec<String> = matching
            .iter()
            .map(|e| platform_string(&e["platform"]))
            .collect();
        let m = Manifest {
            digest,
            media_type: top.media_type.clone(),
            bytes,
        };
        (
            matching.clone(),
            m,
            Some(format!(
                "filtered the manifest list to {}",
                platforms.join(", ")
            )),
        )
    };
    let mut blobs = Vec::new();
    let mut seen = HashSet::new();
    let mut children = Vec::new();
    for e in &wanted {
        let Some(d) = e["digest"].as_str() else {
            continue;
        };
        let child = client.manifest(&src.repository, d).await.map_err(fail)?;
        if is_index(&child) {
            return Err(error(format!(
                "{}: nested manifest lists cannot be mirrored",
                src.display()
            )));
        }
        for b in blobs_of(&child, &src.display())? {
            if seen.insert(b.digest.clone()) {
                blobs.push(b);
            }
        }
        children.push(child);
    }
    Ok(Plan {
        mapping,
        blobs,
        children,
        top: new_top,
        note,
    })
}

fn sha256_hex(bytes: &[u8]) -> String {
    wharf_domain::Digest::sha256_of(bytes).hex().to_string()
}

// ---------------------------------------------------------------------------------------------
// Copying

#[derive(Default)]
struct Stats {
    uploaded: u64,
    uploaded_bytes: u64,
    mounted: u64,
    existing: u64,
}

enum BlobOutcome {
    Exists,
    Mounted,
    Uploaded(u64),
}

async fn copy_blob(
    ctx: Arc<Ctx>,
    progress: Arc<Progress>,
    src: Side,
    dst: Side,
    blob: Blob,
) -> Result<BlobOutcome, String> {
    let target = ctx.target(&dst.registry);
    let insecure = ctx.args_insecure;
    let dst_fail = |e: FetchError, what: &str| {
        explain(
            &e,
            &format!("unable to {what} {} in {}", blob.digest, dst.repo_display()),
            &dst.registry,
            insecure,
        )
    };
    if target
        .blob_exists(&dst.repository, &blob.digest)
        .await
        .map_err(|e| dst_fail(e, "check for blob"))?
    {
        progress.line(&format!(
            "exists: {} {} {}",
            dst.repo_display(),
            blob.digest,
            human_size(blob.size as f64)
        ));
        return Ok(BlobOutcome::Exists);
    }
    if src.registry == dst.registry && src.repository != dst.repository {
        if let Ok(true) = target
            .mount_blob(&dst.repository, &src.repository, &blob.digest)
            .await
        {
            progress.line(&format!(
                "mounted: {} {} {}",
                dst.repo_display(),
                blob.digest,
                human_size(blob.size as f64)
            ));
            return Ok(BlobOutcome::Mounted);
        }
    }
    let source = ctx.source(&src.registry);
    let (length, stream) = source
        .blob_stream(&src.repository, &blob.digest)
        .await
        .map_err(|e| {
            explain(
                &e,
                &format!(
                    "unable to read blob {} from {}",
                    blob.digest,
                    src.repo_display()
                ),
                &src.registry,
                insecure,
            )
        })?;
    let length = length.or((blob.size > 0).then_some(blob.size));
    let bar = progress.bar(&blob.digest, length);
    let counting = bar.clone();
    let result = target
        .push_blob_stream(&dst.repository, &blob.digest, length, stream, move |n| {
            counting.inc(n as u64)
        })
        .await;
    bar.finish_and_clear();
    progress.multi.remove(&bar);
    result.map_err(|e| dst_fail(e, "upload blob"))?;
    let n = length.unwrap_or(bar.position());
    progress.line(&format!(
        "uploaded: {} {} {}",
        dst.repo_display(),
        blob.digest,
        human_size(n as f64)
    ));
    Ok(BlobOutcome::Uploaded(n))
}

async fn execute(
    ctx: Arc<Ctx>,
    plans: &[Plan],
    max: usize,
    stats: &mut Stats,
) -> CliResult<Vec<String>> {
    let progress = Arc::new(Progress::new());
    let semaphore = Arc::new(Semaphore::new(max.max(1)));
    let mut summary = Vec::new();
    for p in plans {
        let m = &p.mapping;
        let mut set = tokio::task::JoinSet::new();
        for b in &p.blobs {
            let (ctx, progress, sem) = (ctx.clone(), progress.clone(), semaphore.clone());
            let (src, dst, b) = (m.src.clone(), m.dst.clone(), b.clone());
            set.spawn(async move {
                let _permit = sem.acquire_owned().await;
                copy_blob(ctx, progress, src, dst, b).await
            });
        }
        let mut first_error = None;
        while let Some(joined) = set.join_next().await {
            match joined {
                Ok(Ok(BlobOutcome::Exists)) => stats.existing += 1,
                Ok(Ok(BlobOutcome::Mounted)) => stats.mounted += 1,
                Ok(Ok(BlobOutcome::Uploaded(n))) => {
                    stats.uploaded += 1;
                    stats.uploaded_bytes += n;
                }
                Ok(Err(e)) => {
                    first_error.get_or_insert(e);
                    set.abort_all();
                }
                Err(e) if e.is_cancelled() => {}
                Err(e) => {
                    first_error.get_or_insert(format!("a blob copy failed: {e}"));
                }
            }
        }
        if let Some(e) = first_error {
            return Err(error(e));
        }
        let target = ctx.target(&m.dst.registry);
        let put_fail = |e: FetchError, what: &str| {
            error(explain(
                &e,
                &format!("unable to push manifest {what} to {}", m.dst.repo_display()),
                &m.dst.registry,
                ctx.args_insecure,
            ))
        };
        for c in &p.children {
            target
                .push_manifest(&m.dst.repository, &c.digest, c.bytes.clone(), &c.media_type)
                .await
                .map_err(|e| put_fail(e, &c.digest))?;
        }
        let reference = if m.dst.tag.is_empty() {
            p.top.digest.clone()
        } else {
            m.dst.tag.clone()
        };
        target
            .push_manifest(
                &m.dst.repository,
                &reference,
                p.top.bytes.clone(),
                &p.top.media_type,
            )
            .await
            .map_err(|e| put_fail(e, &p.top.digest))?;
        // oc prints "DIGEST DST-REPO:TAG" per pushed manifest (unchecked wording).
        summary.push(if m.dst.tag.is_empty() {
            format!("{} {}@{}", p.top.digest, m.dst.repo_display(), p.top.digest)
        } else {
            format!("{} {}:{}", p.top.digest, m.dst.repo_display(), m.dst.tag)
        });
    }
    Ok(summary)
}

fn print_plan(plans: &[Plan]) {
    // Modelled on oc's dry-run plan (repositories, blobs, manifests); unchecked layout.
    for p in plans {
        let m = &p.mapping;
        println!("{}", m.dst.repo_display());
        println!("  from {}", m.src.display());
        if let Some(n) = &p.note {
            println!("  {n}");
        }
        println!("    blobs:");
        let mut total = 0;
        for b in &p.blobs {
            total += b.size;
            println!(
                "      {} {} {}",
                m.src.repo_display(),
                b.digest,
                human_size(b.size as f64)
            );
        }
        println!("    manifests:");
        for c in &p.children {
            println!("      {}", c.digest);
        }
        let to = if m.dst.tag.is_empty() {
            p.top.digest.clone()
        } else {
            m.dst.tag.clone()
        };
        println!("      {} -> {to}", p.top.digest);
        println!(
            "  stats: blobs={} size={}",
            p.blobs.len(),
            human_size(total as f64)
        );
    }
}

pub fn run(args: &MirrorArgs) -> CliResult<()> {
    let list = mappings(&args.images)?;
    let filter = match &args.filter_by_os {
        Some(f) if !f.is_empty() => Some(Pattern::compile(f).map_err(|e| {
            error(format!(
                "--filter-by-os was not a valid regular expression: {e}"
            ))
        })?),
        _ => None,
    };
    let creds = load_credentials(args.registry_config.as_ref())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| error(format!("unable to start the async runtime: {e}")))?;
    let ctx = Arc::new(Ctx {
        args_insecure: args.insecure,
        creds,
        sources: Default::default(),
        targets: Default::default(),
    });
    runtime.block_on(async {
        let started = Instant::now();
        let mut plans = Vec::new();
        for m in list {
            plans.push(plan(&ctx, m, filter.as_ref(), args.keep_manifest_list).await?);
        }
        if args.dry_run {
            print_plan(&plans);
            eprintln!(
                "info: Dry run complete: nothing was copied (planning took {})",
                elapsed(started.elapsed())
            );
            return Ok(());
        }
        let mut stats = Stats::default();
        let summary = execute(ctx.clone(), &plans, args.max_per_registry, &mut stats).await?;
        for line in summary {
            println!("{line}");
        }
        let took = started.elapsed();
        let rate = stats.uploaded_bytes as f64 / took.as_secs_f64().max(0.001);
        eprintln!(
            "info: {} blobs uploaded ({}), {} mounted, {} already present",
            stats.uploaded,
            human_size(stats.uploaded_bytes as f64),
            stats.mounted,
            stats.existing
        );
        // oc: "info: Mirroring completed in %s (%s/s)" (wording from memory).
        eprintln!(
            "info: Mirroring completed in {} ({}/s)",
            elapsed(took),
            human_size(rate)
        );
        Ok(())
    })
}

/// Go's Duration rounding as oc prints it: 1.2s, 340ms.
fn elapsed(d: Duration) -> String {
    if d.as_secs() >= 1 {
        format!("{:.1}s", d.as_secs_f64())
    } else {
        format!("{}ms", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_patterns_match_like_go_regexp() {
        let p = Pattern::compile("linux/amd64").unwrap();
        assert!(p.is_match("linux/amd64"));
        assert!(p.is_match("linux/amd64/v2"));
        assert!(!p.is_match("linux/arm64"));
        let p = Pattern::compile("^linux/(amd64)$").unwrap();
        assert!(p.is_match("linux/amd64") && !p.is_match("linux/amd64/v2"));
        assert!(Pattern::compile("linux/(amd64").is_err());
        let p = Pattern::compile("^linux/a.*64$").unwrap();
        assert!(p.is_match("linux/amd64") && p.is_match("linux/arm64"));
        assert!(!p.is_match("linux/arm64/v8"));
        let p = Pattern::compile("linux/arm64|linux/ppc64le").unwrap();
        assert!(p.is_match("linux/ppc64le") && p.is_match("linux/arm64/v8"));
        let p = Pattern::compile("linux/[ap][mp].*").unwrap();
        assert!(
            p.is_match("linux/ppc64le") && p.is_match("linux/amd64") && !p.is_match("linux/s390x")
        );
        assert!(Pattern::compile(".*").unwrap().is_match("windows/amd64"));
    }

    #[test]
    fn destination_tag_defaults_to_the_source_tag() {
        let m = mapping("127.0.0.1:5000/a/b:v1", "127.0.0.1:6000/c").unwrap();
        assert_eq!(m.dst.tag, "v1");
        assert_eq!(m.dst.repository, "c");
        let d = format!("sha256:{}", "a".repeat(64));
        let m = mapping(&format!("127.0.0.1:5000/a/b@{d}"), "127.0.0.1:6000/c").unwrap();
        assert_eq!(m.dst.tag, "");
        assert_eq!(m.src.digest, d);
        assert!(mappings(&["a.io/x".into()]).is_err());
        assert_eq!(
            mappings(&["a.io/x:1=b.io/y".into()]).unwrap()[0].dst.tag,
            "1"
        );
    }
}
