//! The image stream controller (imports on demand) and the scheduled importer.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;
use serde_json::Value;
use wharf_apiserver::import::create_import;
use wharf_apiserver::meta::served;
use wharf_apiserver::ApiServer;
use wharf_domain::import::{import_request, scheduled_tags, tag_import_request};
use wharf_storage::{ChangeKind, ObjectKey, Selector, StorageError};

const GROUP: &str = "image.openshift.io";
const STREAMS: &str = "imagestreams";
/// Imports the controller runs at once.
const CONCURRENT_IMPORTS: usize = 4;

fn streams() -> Selector {
    Selector::new(GROUP, STREAMS, None)
}

fn identity(stream: &Value) -> (String, String) {
    let (name, ns) = wharf_domain::imagestream::identity(stream);
    (ns.to_string(), name.to_string())
}

/// Posts `isi` in-process; failures are logged (a stale resourceVersion just means a newer
/// version of the stream is on its way through the change log).
async fn post(api: &ApiServer, ns: &str, isi: Value) -> bool {
    let name = isi["metadata"]["name"].as_str().unwrap_or("").to_string();
    match create_import(api, ns, isi).await {
        Ok(_) => true,
        Err(e) if e.code.as_u16() == 409 || e.code.as_u16() == 404 => false,
        Err(e) => {
            tracing::warn!(namespace = ns, stream = %name, error = %e.message, "import failed");
            false
        }
    }
}

/// Streams with an import running, so one stream is never imported twice at once.
#[derive(Clone, Default)]
struct InFlight(Arc<Mutex<HashSet<(String, String)>>>);

impl InFlight {
    fn claim(&self, key: &(String, String)) -> bool {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.clone())
    }

    fn release(&self, key: &(String, String)) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
    }
}

async fn current(api: &ApiServer, key: &(String, String)) -> Option<Value> {
    let k = ObjectKey::new(GROUP, STREAMS, &key.0, &key.1);
    let o = api.store.get_object(&k).await.ok()??;
    Some(served(o.value, o.resource_version))
}

/// Imports what `stream` asks for, in the background. The stream is read again after each
/// import, so changes made meanwhile are not lost; a version already tried is not tried again
/// (a failure that wrote nothing would otherwise loop).
fn consider(
    api: &ApiServer,
    stream: &Value,
    in_flight: &InFlight,
    permits: &Arc<tokio::sync::Semaphore>,
) {
    if import_request(stream).is_none() {
        return;
    }
    let key = identity(stream);
    if !in_flight.claim(&key) {
        return;
    }
    let (api, in_flight, permits) = (api.clone(), in_flight.clone(), permits.clone());
    tokio::spawn(async move {
        let Ok(_permit) = permits.acquire_owned().await else {
            return;
        };
        let mut tried = None;
        loop {
            let Some(stream) = current(&api, &key).await else {
                break;
            };
            let Some(isi) = import_request(&stream) else {
                break;
            };
            let version = stream["metadata"]["resourceVersion"].clone();
            if tried.as_ref() == Some(&version) {
                break;
            }
            tried = Some(version);
            post(&api, &key.0, isi).await;
        }
        in_flight.release(&key);
    });
}

/// Watches image streams and imports pending tags (spec §3.1). Runs until the task is aborted.
pub async fn run_image_stream_controller(api: ApiServer) {
    let in_flight = InFlight::default();
    let permits = Arc::new(tokio::sync::Semaphore::new(CONCURRENT_IMPORTS));
    let mut revisions = api.store.revisions();
    loop {
        let list = match api.store.list_objects(&streams(), None, None).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "image stream controller: cannot list streams");
                tokio::time::sleep(Duration::from_secs(5)).await;
                continue;
            }
        };
        let mut from = list.resource_version;
        for o in list.items {
            consider(
                &api,
                &served(o.value, o.resource_version),
                &in_flight,
                &permits,
            );
        }
        loop {
            match api.store.changes_since(&streams(), from, 500).await {
                Ok(changes) => {
                    let caught_up = changes.len() < 500;
                    for c in changes {
                        from = c.object.resource_version;
                        if c.kind != ChangeKind::Deleted {
                            consider(
                                &api,
                                &served(c.object.value, c.object.resource_version),
                                &in_flight,
                                &permits,
                            );
                        }
                    }
                    if caught_up && revisions.changed().await.is_err() {
                        return;
                    }
                }
                Err(StorageError::Compacted { .. }) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "image stream controller: cannot read changes");
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
            }
        }
    }
}

/// Settings of scheduled imports (OpenShift's `imageImport` config).
#[derive(Clone, Debug)]
pub struct Schedule {
    /// How often each scheduled tag is re-imported, about.
    pub interval: Duration,
    /// Imports per minute across all streams.
    pub max_per_minute: u32,
}

/// The smallest interval accepted: a safety net against a typo hammering a source registry.
pub const MINIMUM_INTERVAL: Duration = Duration::from_secs(2);

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            interval: Duration::from_secs(15 * 60),
            max_per_minute: 60,
        }
    }
}

impl Schedule {
    /// Buckets the streams are spread over: each bucket is visited once per interval / buckets.
    fn buckets(&self) -> u64 {
        if self.interval > Duration::from_secs(3600) {
            8
        } else if self.interval < Duration::from_secs(600) {
            2
        } else {
            4
        }
    }
}

fn bucket_of(stream: &Value, buckets: u64) -> u64 {
    let uid = stream
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or("");
    // FNV-1a: stable across restarts, unlike std's randomly seeded hasher.
    let hash = uid.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    hash % buckets
}

/// Re-imports scheduled tags (spec §3.7): one bucket of streams per interval / buckets, each
/// import after a random delay within its share of the rate limit. Unchanged images write
/// nothing; a failure is recorded as the tag's ImportSuccess=False condition.
pub async fn run_scheduled_imports(api: ApiServer, schedule: Schedule) {
    let buckets = schedule.buckets();
    let tick = schedule.interval / buckets as u32;
    let spacing = Duration::from_secs(60) / schedule.max_per_minute.max(1);
    let mut bucket = 0;
    loop {
        tokio::time::sleep(tick).await;
        let list = match api.store.list_objects(&streams(), None, None).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "scheduled import: cannot list streams");
                continue;
            }
        };
        for o in list.items {
            let stream = served(o.value, o.resource_version);
            if bucket_of(&stream, buckets) != bucket {
                continue;
            }
            let tags = scheduled_tags(&stream);
            if tags.is_empty() {
                continue;
            }
            let specs: Vec<&Value> = stream
                .pointer("/spec/tags")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|t| tags.iter().any(|n| t["name"].as_str() == Some(n)))
                .collect();
            let isi = tag_import_request(&stream, &specs);
            let jitter = spacing.mul_f64(rand::rng().random_range(0.0..1.0));
            tokio::time::sleep(spacing + jitter).await;
            let (ns, _) = identity(&stream);
            post(&api, &ns, isi).await;
        }
        bucket = (bucket + 1) % buckets;
    }
}
