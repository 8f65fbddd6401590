//! What a registry push does to the image API (spec §4, acceptance cases 27–28), inside the
//! push's own transaction:
//! - the Image named by the manifest digest is created if new (annotated managed and
//!   manifestBlobStored; manifest and config stay in registry storage);
//! - a push by tag to `<namespace>/<name>` creates the namespace and the ImageStream if they
//!   do not exist, and adds the tag event `{<registry>/<ns>/<name>@<digest>, digest, stream
//!   generation}` to the status tag, following the history rules of §2.2; no spec tag is made.
//!
//! Repositories that are not exactly `<namespace>/<name>` with valid Kubernetes names stay
//! plain registry content (OpenShift's registry refuses them; Wharf's registry serves them).
//! Wharf creates the namespace on first push where OpenShift would refuse a push into a
//! missing project: a standalone registry has no other place to create it from. With
//! authentication on, only a caller allowed to push there (a cluster admin) gets this far.

use serde_json::{json, Value};
use wharf_domain::image::{image_object, PushedManifest};
use wharf_domain::imagestream::{
    add_tag_event, current_images, update_tracking_tags, NamedTagEventList, TagEvent,
};
use wharf_registry::{Deleted, ManifestPush, PushObserver};
use wharf_storage::{Mirror, ObjectTxn, StorageError};

use crate::meta::{prepare_create, valid_name, Stamp};
use crate::resources::{find, namespaces, ResourceType};

/// Mirrors registry pushes into Images and ImageStreams. Pull specs name the registry by
/// `registry_hostname`, or by the address the pushing client used when it is `None`.
pub struct ImageStreamMirror {
    pub registry_hostname: Option<String>,
}

fn image_streams() -> &'static ResourceType {
    find("image.openshift.io", "v1", "imagestreams").expect("imagestreams is served")
}

fn images() -> &'static ResourceType {
    find("image.openshift.io", "v1", "images").expect("images is served")
}

fn stamp(now: &str) -> Stamp {
    Stamp {
        uid: uuid::Uuid::new_v4().to_string(),
        now: now.to_string(),
    }
}

/// A storage error for an object the mirror itself builds: only the backend can fail here.
fn internal(e: crate::status::ApiError) -> StorageError {
    StorageError::Backend(format!(
        "mirroring a push into the image API: {}",
        e.message
    ))
}

/// Gets `rt`'s object `name`, creating it from `skeleton` (stamped like an API create) if absent.
fn get_or_create(
    tx: &mut dyn ObjectTxn,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    skeleton: Value,
    now: &str,
) -> Result<(Value, Option<u64>), StorageError> {
    let key = rt.key(ns, name);
    if let Some(o) = tx.get(&key)? {
        return Ok((o.value, Some(o.resource_version)));
    }
    let mut obj = skeleton;
    prepare_create(rt, ns, &mut obj, &stamp(now), "").map_err(internal)?;
    Ok((obj, None))
}

/// The (namespace, stream) a repository mirrors, if it is exactly `<namespace>/<name>` with
/// valid names.
fn stream_of(repo: &wharf_domain::RepoName) -> Option<(String, String)> {
    let (ns, name) = repo.as_str().split_once('/')?;
    (!name.contains('/') && valid_name(namespaces(), ns) && valid_name(image_streams(), name))
        .then(|| (ns.to_string(), name.to_string()))
}

fn read_tags(stream: &Value, ns: &str, name: &str) -> Result<Vec<NamedTagEventList>, StorageError> {
    stream
        .pointer("/status/tags")
        .cloned()
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| {
            StorageError::Backend(format!(
                "stored ImageStream {ns}/{name} has unreadable status tags: {e}"
            ))
        })
        .map(Option::unwrap_or_default)
}

impl PushObserver for ImageStreamMirror {
    fn mirrors(&self, repo: &wharf_domain::RepoName) -> bool {
        stream_of(repo).is_some()
    }

    /// A registry delete removes the status tags it removed from the registry's view: the
    /// deleted tag, or every tag whose current image is the deleted manifest. History and
    /// Images stay (OpenShift keeps Images until pruning).
    fn mirror_delete(&self, repo: &wharf_domain::RepoName, deleted: &Deleted) -> Option<Mirror> {
        let (ns, name) = stream_of(repo)?;
        let gone: Box<dyn Fn(&NamedTagEventList) -> bool + Send> = match deleted {
            Deleted::Tag(t) => {
                let t = t.to_string();
                Box::new(move |e| e.tag == t)
            }
            Deleted::Manifest(d) => {
                let d = d.to_string();
                Box::new(move |e| {
                    e.items
                        .as_ref()
                        .and_then(|i| i.first())
                        .is_some_and(|cur| cur.image == d)
                })
            }
        };
        Some(Box::new(move |tx: &mut dyn ObjectTxn| {
            let key = image_streams().key(&ns, &name);
            let Some(stored) = tx.get(&key)? else {
                return Ok(());
            };
            let mut stream = stored.value;
            let mut tags = read_tags(&stream, &ns, &name)?;
            let before = tags.len();
            tags.retain(|t| !gone(t));
            if tags.len() == before {
                return Ok(());
            }
            stream["status"]["tags"] = serde_json::to_value(&tags).expect("tag events serialize");
            tx.update(&key, &stream, Some(stored.resource_version))
                .map(drop)
        }))
    }

    fn mirror(&self, push: ManifestPush) -> Option<Mirror> {
        let (ns, name) = stream_of(&push.repo)?;
        let now = wharf_domain::time::rfc3339(crate::now_secs());
        let host = self.registry_hostname.as_deref().unwrap_or(&push.host);
        let repository = format!("{host}/{ns}/{name}");
        let reference = format!("{repository}@{}", push.digest);
        let image = image_object(&PushedManifest {
            digest: &push.digest,
            media_type: &push.media_type,
            manifest: &push.manifest,
            config: push.config.as_deref(),
            reference: &reference,
            now: &now,
        })
        .ok()?;
        let digest = push.digest.to_string();
        let pushed = push.digest.clone();
        let repo = push.repo.clone();
        let tag = push.tag.map(|t| t.to_string());
        Some(Box::new(move |tx: &mut dyn ObjectTxn| {
            let image_key = images().key("", &digest);
            if tx.get(&image_key)?.is_none() {
                let mut image = image;
                prepare_create(images(), "", &mut image, &stamp(&now), "").map_err(internal)?;
                tx.create(&image_key, &image)?;
            }
            let Some(tag) = tag else {
                return Ok(()); // a push by digest leaves streams alone
            };
            let (namespace, ns_rv) = get_or_create(
                tx,
                namespaces(),
                "",
                &ns,
                json!({ "metadata": { "name": ns } }),
                &now,
            )?;
            if ns_rv.is_none() {
                tx.create(&namespaces().key("", &ns), &namespace)?;
            }
            let skeleton = json!({ "metadata": { "name": name }, "spec": { "lookupPolicy": { "local": false } } });
            let (mut stream, rv) = get_or_create(tx, image_streams(), &ns, &name, skeleton, &now)?;
            let generation = stream
                .pointer("/metadata/generation")
                .and_then(Value::as_i64)
                .unwrap_or(1);
            let mut tags = read_tags(&stream, &ns, &name)?;
            let event = TagEvent {
                created: now.clone(),
                docker_image_reference: reference,
                image: digest,
                generation,
            };
            let changed = add_tag_event(&mut tags, &tag, event.clone());
            if changed {
                update_tracking_tags(&stream, &mut tags, &tag, &event);
            }
            let status = stream.get("status").cloned().unwrap_or(json!({}));
            let repo_changed = status.get("dockerImageRepository").and_then(Value::as_str)
                != Some(repository.as_str());
            if !changed && !repo_changed && rv.is_some() {
                return Ok(());
            }
            stream["status"]["dockerImageRepository"] = repository.into();
            stream["status"]["tags"] = serde_json::to_value(&tags).expect("tag events serialize");
            let key = image_streams().key(&ns, &name);
            match rv {
                None => tx.create(&key, &stream)?,
                Some(rv) => tx.update(&key, &stream, Some(rv))?,
            };
            // Tags that track the pushed one moved with it: the registry serves them too. Only
            // tags now on the pushed image can have moved, so only those are written.
            let moved: Vec<_> = current_images(&stream)
                .into_iter()
                .filter(|(_, d)| *d == pushed)
                .collect();
            tx.put_repository_tags(&repo, &moved)
        }))
    }
}
