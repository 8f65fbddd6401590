//! `POST imagestreamimports` (spec §1.8, §3.2): fetch what the request names from external
//! registries (wharf-import), create the Images, and record the results in the stream
//! (wharf-domain's `import::apply`), creating the stream if it is missing.

use serde_json::{json, Value};
use wharf_domain::import::credentials::credentials_from_secret;
use wharf_domain::import::platform::Platform;
use wharf_domain::import::{
    self as domain, image_status, ImportFailure, ImportMode, ImportedImage, TagImport,
    ANNOTATION_REPOSITORY_CHECK,
};
use wharf_domain::reference;
use wharf_import::{ImageJob, ImageRequest, Imported, RepositoryJob};
use wharf_storage::StorageError;

use crate::mapping::{create_image, registry_secrets};
use crate::meta::{check_type, prepare_create, served, Stamp};
use crate::resources::{find, ResourceType};
use crate::status::{ApiError, Cause};
use crate::{now_secs, require_namespace, write, ApiServer, Result, Write};

fn rt(plural: &str) -> &'static ResourceType {
    find("image.openshift.io", "v1", plural).expect("served resource")
}

fn spec_tag<'a>(stream: Option<&'a Value>, tag: &str) -> Option<&'a Value> {
    stream?
        .pointer("/spec/tags")?
        .as_array()?
        .iter()
        .find(|t| t["name"].as_str() == Some(tag))
}

/// The Image as a status entry shows it: without manifest and config unless asked for.
fn shown(mut image: Value, include_manifest: bool) -> Value {
    if !include_manifest {
        if let Some(o) = image.as_object_mut() {
            o.remove("dockerImageManifest");
            o.remove("dockerImageConfig");
        }
    }
    image
}

/// Creates the Images of a successful import; returns them as stored.
async fn create_images(api: &ApiServer, imported: &Imported) -> Result<(Value, Vec<Value>)> {
    let mut manifests = Vec::new();
    for m in &imported.manifests {
        manifests.push(create_image(api, m.clone()).await?);
    }
    Ok((create_image(api, imported.image.clone()).await?, manifests))
}

fn imported_image(i: &Imported) -> ImportedImage {
    ImportedImage {
        name: i.image["metadata"]["name"]
            .as_str()
            .unwrap_or("")
            .to_string(),
        reference: i.image["dockerImageReference"]
            .as_str()
            .unwrap_or("")
            .to_string(),
    }
}

/// What one result does to stream tag `tag`, with the policies of its request `spec`.
fn tag_import(
    spec: &Value,
    tag: String,
    from: String,
    outcome: Result<Imported, ImportFailure>,
) -> TagImport {
    let policy = |k: &str| spec.get(k).cloned().unwrap_or_else(|| json!({}));
    TagImport {
        tag,
        from,
        import_policy: policy("importPolicy"),
        reference_policy: policy("referencePolicy"),
        outcome: outcome.map(|i| imported_image(&i)),
    }
}

/// One status entry (`status.images[]` or `status.repository.images[]`).
struct Entry {
    tag: Option<String>,
    outcome: Result<Imported, ImportFailure>,
    include_manifest: bool,
}

impl Entry {
    async fn status(&self, api: &ApiServer, import: bool) -> Result<Value> {
        let mut v = json!({ "status": image_status(&self.outcome.as_ref().map(imported_image).map_err(Clone::clone)) });
        if let Some(tag) = &self.tag {
            v["tag"] = tag.clone().into();
        }
        if let Ok(imported) = &self.outcome {
            let (image, manifests) = if import {
                create_images(api, imported).await?
            } else {
                (imported.image.clone(), imported.manifests.clone())
            };
            v["image"] = shown(image, self.include_manifest);
            if !manifests.is_empty() {
                v["manifests"] = manifests
                    .into_iter()
                    .map(|m| shown(m, self.include_manifest))
                    .collect::<Vec<_>>()
                    .into();
            }
        }
        Ok(v)
    }
}

/// `POST namespaces/<ns>/imagestreamimports`; the controllers call it in-process.
pub async fn create_import(api: &ApiServer, ns: &str, mut isi: Value) -> Result<Value> {
    let imports = rt("imagestreamimports");
    let streams = rt("imagestreams");
    check_type(imports, &mut isi)?;
    if isi["metadata"].is_object() {
        isi["metadata"]["namespace"] = ns.into();
    }
    let name = isi
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let errors = domain::validate(&isi);
    if !errors.is_empty() {
        return Err(ApiError::invalid(
            imports,
            &name,
            errors.into_iter().map(Cause::from).collect(),
        ));
    }
    require_namespace(api, imports, ns).await?;
    let sent_rv = isi
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let sent_uid = isi
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let existing = api
        .store
        .get_object(&streams.key(ns, &name))
        .await
        .map_err(ApiError::internal)?;
    match &existing {
        None if !sent_rv.is_empty() || !sent_uid.is_empty() => {
            return Err(ApiError::not_found(streams, &name));
        }
        Some(s) if !sent_rv.is_empty() && sent_rv != s.resource_version.to_string() => {
            return Err(ApiError::conflict_because(
                streams,
                &name,
                &format!(
                    "the image stream was updated from \"{sent_rv}\" to \"{}\"",
                    s.resource_version
                ),
            ));
        }
        Some(s)
            if !sent_uid.is_empty()
                && s.value["metadata"]["uid"].as_str() != Some(sent_uid.as_str()) =>
        {
            return Err(ApiError::not_found(streams, &name));
        }
        _ => {}
    }
    let stream_value = existing.as_ref().map(|s| &s.value);
    let (secrets, _) = registry_secrets(api, ns).await?;
    let credentials: Vec<_> = secrets.iter().flat_map(credentials_from_secret).collect();
    let now = wharf_domain::time::rfc3339(now_secs());
    let own = &api.importer.own_platform;

    // Fetch.
    let specs: Vec<Value> = isi
        .pointer("/spec/images")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let jobs: Vec<ImageJob> = specs
        .iter()
        .map(|spec| {
            let from = spec
                .pointer("/from/name")
                .and_then(Value::as_str)
                .unwrap_or("");
            let to = spec.pointer("/to/name").and_then(Value::as_str);
            ImageJob {
                request: ImageRequest {
                    from: reference::parse(from).unwrap_or_default(),
                    mode: ImportMode::of_policy(&spec["importPolicy"]),
                    preferred: to
                        .and_then(|t| Platform::preferred_by(spec_tag(stream_value, t), own)),
                },
                insecure: spec.pointer("/importPolicy/insecure") == Some(&json!(true)),
            }
        })
        .collect();
    let results = api.importer.import_images(&jobs, &credentials, &now).await;
    let repository_spec = isi
        .pointer("/spec/repository")
        .filter(|r| r.is_object())
        .cloned();
    let repository = match &repository_spec {
        Some(spec) => {
            let from = spec
                .pointer("/from/name")
                .and_then(Value::as_str)
                .unwrap_or("");
            let job = RepositoryJob {
                from: reference::parse(from).unwrap_or_default(),
                insecure: spec.pointer("/importPolicy/insecure") == Some(&json!(true)),
                mode: ImportMode::of_policy(&spec["importPolicy"]),
                max_images: api.importer.max_images_per_repository,
            };
            Some(
                api.importer
                    .import_repository(&job, &credentials, &now)
                    .await,
            )
        }
        None => None,
    };

    // Report (and with `import`, create the Images).
    let import = isi.pointer("/spec/import") == Some(&json!(true));
    let mut tag_imports = Vec::new();
    let mut image_statuses = Vec::new();
    for (spec, outcome) in specs.iter().zip(results) {
        let to = spec
            .pointer("/to/name")
            .and_then(Value::as_str)
            .map(str::to_string);
        let entry = Entry {
            tag: to.clone(),
            outcome,
            include_manifest: spec["includeManifest"].as_bool().unwrap_or(false),
        };
        image_statuses.push(entry.status(api, import).await?);
        if let Some(tag) = to {
            let from = spec
                .pointer("/from/name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            tag_imports.push(tag_import(spec, tag, from, entry.outcome));
        }
    }
    let mut status = json!({ "images": image_statuses });
    if let (Some(spec), Some(outcome)) = (&repository_spec, repository) {
        let include_manifest = spec["includeManifest"].as_bool().unwrap_or(false);
        let repo_from = spec
            .pointer("/from/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        let mut images = Vec::new();
        let mut failed = 0;
        for (tag, outcome) in outcome.images {
            failed += usize::from(outcome.is_err());
            let entry = Entry {
                tag: Some(tag.clone()),
                outcome,
                include_manifest,
            };
            images.push(entry.status(api, import).await?);
            let from = format!("{repo_from}:{tag}");
            tag_imports.push(tag_import(spec, tag, from, entry.outcome));
        }
        let repo_status = match (outcome.failure, failed) {
            (Some(f), _) => image_status(&Err(f)),
            (None, 0) => json!({ "metadata": {}, "status": "Success" }),
            (None, n) => {
                let message = if n == 1 {
                    "one of the images from this repository failed to import".to_string()
                } else {
                    format!("{n} of the images from this repository failed to import")
                };
                image_status(&Err(ImportFailure::new("ImportFailed", message)))
            }
        };
        status["repository"] = json!({
            "status": repo_status,
            "images": images,
            "additionalTags": outcome.additional_tags,
        });
    }
    isi["status"] = status;
    if !import {
        return Ok(isi);
    }

    // Record.
    let stored = record(api, ns, &name, existing, &tag_imports, &now).await?;
    isi["status"]["import"] = stored;
    Ok(isi)
}

/// Applies the results to the stream (creating it if missing) and writes it, unless it was
/// imported before and nothing changed. Returns the stream as served.
async fn record(
    api: &ApiServer,
    ns: &str,
    name: &str,
    existing: Option<wharf_storage::StoredObject>,
    results: &[TagImport],
    now: &str,
) -> Result<Value> {
    let streams = rt("imagestreams");
    let key = streams.key(ns, name);
    match existing {
        None => {
            let mut stream = json!({
                "kind": "ImageStream",
                "apiVersion": "image.openshift.io/v1",
                "metadata": { "name": name, "annotations": { ANNOTATION_REPOSITORY_CHECK: now } },
                "spec": {},
            });
            let stamp = Stamp {
                uid: uuid::Uuid::new_v4().to_string(),
                now: now.to_string(),
            };
            domain::apply(&mut stream, results, 1, now);
            // The create rules (names, spec tags as a map, generation 1) clear the status a
            // client may not set; here the server made it, so it is put back.
            let status = stream["status"].take();
            prepare_create(streams, ns, &mut stream, &stamp, "")?;
            stream["status"] = status;
            stream["status"]["dockerImageRepository"] =
                format!("{}/{ns}/{name}", api.registry_hostname).into();
            let stored = write(api, streams, key, Write::Create(stream))
                .await
                .map_err(|e| ApiError::storage(streams, name, e))?;
            Ok(served(stored.value, stored.resource_version))
        }
        Some(old) => {
            let generation = old
                .value
                .pointer("/metadata/generation")
                .and_then(Value::as_i64)
                .unwrap_or(1);
            let mut stream = old.value.clone();
            domain::apply(&mut stream, results, generation + 1, now);
            wharf_domain::stream_spec::normalize_tags(&mut stream);
            let checked = old
                .value
                .pointer("/metadata/annotations")
                .and_then(|a| a.get(ANNOTATION_REPOSITORY_CHECK))
                .is_some();
            if checked && stream == old.value {
                return Ok(served(old.value, old.resource_version));
            }
            wharf_domain::stream_spec::generations_on_update(&old.value, &mut stream, ns);
            if !stream["metadata"]["annotations"].is_object() {
                stream["metadata"]["annotations"] = json!({});
            }
            stream["metadata"]["annotations"][ANNOTATION_REPOSITORY_CHECK] = now.into();
            match write(
                api,
                streams,
                key,
                Write::Update(stream, Some(old.resource_version)),
            )
            .await
            {
                Ok(stored) => Ok(served(stored.value, stored.resource_version)),
                Err(StorageError::Conflict { .. }) => Err(ApiError::conflict(streams, name)),
                Err(e) => Err(ApiError::storage(streams, name, e)),
            }
        }
    }
}
