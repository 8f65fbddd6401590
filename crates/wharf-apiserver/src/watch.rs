//! `?watch=1`: newline-delimited `WatchEvent`s from the MetaStore's change log.
//!
//! Without a `resourceVersion` (or with `"0"`) the watch starts with an `ADDED` event per
//! existing object, then follows changes; with one, it replays changes after it. A version
//! older than the kept change log ends the watch with an `ERROR` event carrying a 410 `Expired`
//! Status, as Kubernetes does, so clients re-list. `allowWatchBookmarks` adds a `BOOKMARK`
//! when idle; `timeoutSeconds` ends the stream (default 30 minutes).

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{json, Value};
use tokio::sync::mpsc;
use wharf_storage::StorageError;

use crate::meta::served;
use crate::resources::ResourceType;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::status::ApiError;
use crate::table::{table, IncludeObject};
use crate::{ApiServer, Params};

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);
const BOOKMARK_EVERY: Duration = Duration::from_secs(30);
const BATCH: usize = 500;

/// Renders watched objects as they are, or as one-row Tables (column definitions in the
/// first only) when the client asked for tables.
struct Render {
    rt: &'static ResourceType,
    as_table: Option<IncludeObject>,
    columns_sent: bool,
}

impl Render {
    fn object(&mut self, obj: Value) -> Value {
        let Some(include) = self.as_table else {
            return obj;
        };
        let metadata = json!({ "resourceVersion": obj["metadata"]["resourceVersion"] });
        let t = table(
            self.rt,
            vec![obj],
            metadata,
            include,
            !self.columns_sent,
            crate::now_secs(),
        );
        self.columns_sent = true;
        t
    }
}

fn event(kind: &str, object: Value) -> Bytes {
    let mut line = json!({ "type": kind, "object": object }).to_string();
    line.push('\n');
    Bytes::from(line)
}

pub(crate) async fn serve(
    api: ApiServer,
    rt: &'static ResourceType,
    namespace: Option<String>,
    params: &Params,
    as_table: Option<IncludeObject>,
    visible: Option<crate::access::Visible>,
) -> Result<Response, ApiError> {
    let labels = LabelSelector::parse(params.get("labelSelector").unwrap_or(""))?;
    let fields = FieldSelector::parse(params.get("fieldSelector").unwrap_or(""))?;
    let start = match params.get("resourceVersion") {
        None | Some("") | Some("0") => None,
        Some(rv) => Some(
            rv.parse::<u64>()
                .map_err(|_| ApiError::bad_request(format!("invalid resourceVersion {rv:?}")))?,
        ),
    };
    let timeout = params
        .get("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .map_or(DEFAULT_TIMEOUT, Duration::from_secs);
    let bookmarks = params.flag("allowWatchBookmarks");
    let selector = rt.selector(namespace.as_deref());
    let (tx, rx) = mpsc::channel::<Bytes>(64);
    let mut render = Render {
        rt,
        as_table,
        columns_sent: false,
    };
    // Subscribe before reading, so no commit between the read and the wait is missed.
    let mut revisions = api.store.revisions();
    // Without a starting version: the current state first, as ADDED events.
    let (mut from, initial) = match start {
        Some(rv) => (rv, Vec::new()),
        None => {
            let list = api
                .store
                .list_objects(&selector, None, None)
                .await
                .map_err(ApiError::internal)?;
            (list.resource_version, list.items)
        }
    };
    // Objects outside what the caller may see (by namespace; by name for namespaces).
    let shown = move |key: &wharf_storage::ObjectKey| {
        visible.as_ref().is_none_or(|v| {
            v(if rt.namespaced {
                &key.namespace
            } else {
                &key.name
            })
        })
    };
    tokio::spawn(async move {
        for o in initial {
            if shown(&o.key) && labels.matches(&o.value) && fields.matches(&o.value) {
                let obj = render.object(served(o.value, o.resource_version));
                if tx.send(event("ADDED", obj)).await.is_err() {
                    return;
                }
            }
        }
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match api.store.changes_since(&selector, from, BATCH).await {
                Ok(changes) => {
                    let caught_up = changes.len() < BATCH;
                    for c in changes {
                        from = c.object.resource_version;
                        if shown(&c.object.key)
                            && labels.matches(&c.object.value)
                            && fields.matches(&c.object.value)
                        {
                            let obj = served(c.object.value, c.object.resource_version);
                            if tx
                                .send(event(c.kind.as_str(), render.object(obj)))
                                .await
                                .is_err()
                            {
                                return; // the client went away
                            }
                        }
                    }
                    if !caught_up {
                        continue;
                    }
                }
                Err(StorageError::Compacted { oldest }) => {
                    let status =
                        ApiError::expired(format!("too old resource version: {from} ({oldest})"))
                            .to_status();
                    let _ = tx.send(event("ERROR", status)).await;
                    return;
                }
                Err(e) => {
                    let _ = tx
                        .send(event("ERROR", ApiError::internal(e).to_status()))
                        .await;
                    return;
                }
            }
            tokio::select! {
                changed = revisions.changed() => if changed.is_err() { return },
                _ = tx.closed() => return,
                _ = tokio::time::sleep_until(deadline) => return,
                _ = tokio::time::sleep(BOOKMARK_EVERY), if bookmarks => {
                    let mark = json!({ "kind": rt.kind, "apiVersion": rt.api_version(),
                        "metadata": { "resourceVersion": from.to_string() } });
                    if tx.send(event("BOOKMARK", mark)).await.is_err() {
                        return;
                    }
                }
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|b| (Ok::<_, std::convert::Infallible>(b), rx))
    });
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// Changes kept in the log: a watcher further behind gets `410 Expired` and re-lists, as with
/// Kubernetes' compaction. Objects (an image stream with every tag) can be large, so the log is
/// bounded by count.
pub const KEEP_CHANGES: u64 = 1000;

/// Compacts the change log every `every`, keeping the newest `keep` changes, until dropped.
pub async fn run_compactor(
    store: std::sync::Arc<dyn wharf_storage::MetaStore>,
    keep: u64,
    every: Duration,
) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        match store.compact_changes(keep).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(dropped = n, "compacted the change log"),
            Err(e) => tracing::warn!(error = %e, "compacting the change log failed"),
        }
    }
}
