//! `imagestreamimages` (spec §1.6, get only) and `imagestreammappings` (spec §1.7, create
//! only): the image of a stream by id, and recording an image into a stream's tag.

use serde_json::{json, Value};
use wharf_domain::image::ANNOTATION_MANAGED;
use wharf_domain::imagestream::{
    add_tag_event, set_status_tags, status_tags, update_tracking_tags, TagEvent,
};
use wharf_storage::{StorageError, StoredObject};

use crate::meta::{prepare_create, Stamp};
use crate::resources::{find, ResourceType};
use crate::status::{ApiError, Cause};
use crate::{now_secs, served, write, ApiServer, Result, Write};

fn rt(plural: &str) -> &'static ResourceType {
    find("image.openshift.io", "v1", plural).expect("served resource")
}

/// Every image id a stream refers to: its history, and the entries of lists in it.
pub(crate) async fn stream_images(api: &ApiServer, stream: &Value) -> Result<Vec<String>> {
    stream_images_where(api, stream, |_| true).await
}

/// The image ids of the stream's history events that `include` accepts, and the entries of
/// lists among them (only those Images are read).
pub(crate) async fn stream_images_where(
    api: &ApiServer,
    stream: &Value,
    include: impl Fn(&TagEvent) -> bool,
) -> Result<Vec<String>> {
    let mut ids: Vec<String> = status_tags(stream)
        .iter()
        .flat_map(|t| t.items.iter().flatten())
        .filter(|e| include(e))
        .map(|e| e.image.clone())
        .filter(|i| !i.is_empty())
        .collect();
    let mut entries = Vec::new();
    for id in &ids {
        if let Some(img) = api
            .store
            .get_object(&rt("images").key("", id))
            .await
            .map_err(ApiError::internal)?
        {
            for m in img.value["dockerImageManifests"]
                .as_array()
                .into_iter()
                .flatten()
            {
                if let Some(d) = m["digest"].as_str() {
                    entries.push(d.to_string());
                }
            }
        }
    }
    ids.extend(entries);
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// `GET imagestreamimages/<is>@<id>`: `<id>` is a prefix of an image name or of its hex.
pub(crate) async fn get_image(api: &ApiServer, ns: &str, name: &str) -> Result<Value> {
    let (stream_name, id) = match name.split_once('@') {
        Some((s, i)) if !s.is_empty() && !i.is_empty() && !i.contains('@') => (s, i),
        _ => {
            return Err(ApiError::bad_request(
                "ImageStreamImages must be retrieved with <name>@<id>",
            ))
        }
    };
    let not_found = || ApiError::not_found(rt("imagestreamimages"), name);
    let stream = api
        .store
        .get_object(&rt("imagestreams").key(ns, stream_name))
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(not_found)?;
    let matches = |i: &String| {
        i.starts_with(id)
            || i.split_once(':')
                .is_some_and(|(_, hex)| hex.starts_with(id))
    };
    let image_id = stream_images(api, &stream.value)
        .await?
        .into_iter()
        .find(matches)
        .ok_or_else(not_found)?;
    let image = api
        .store
        .get_object(&rt("images").key("", &image_id))
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(not_found)?;
    let image = served(image.value, image.resource_version);
    let mut metadata = json!({
        "name": name,
        "namespace": ns,
        "uid": image["metadata"]["uid"],
        "resourceVersion": image["metadata"]["resourceVersion"],
        "creationTimestamp": image["metadata"]["creationTimestamp"],
    });
    if let Some(a) = stream.value.pointer("/metadata/annotations") {
        metadata["annotations"] = a.clone();
    }
    Ok(
        json!({ "kind": "ImageStreamImage", "apiVersion": "image.openshift.io/v1", "metadata": metadata, "image": image }),
    )
}

/// `POST imagestreammappings`: create the Image (an existing one is fine), then add the tag
/// event to the stream (history rules, tracking tags), retrying on conflict.
pub(crate) async fn create_mapping(api: &ApiServer, ns: &str, body: Value) -> Result<Value> {
    let mapping = rt("imagestreammappings");
    let name = body
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let tag = body["tag"].as_str().unwrap_or("").to_string();
    let mut image = body.get("image").cloned().unwrap_or(Value::Null);
    let digest = image
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let mut causes = Vec::new();
    if name.is_empty() {
        causes.push(Cause::required("metadata.name"));
    }
    if tag.is_empty() {
        causes.push(Cause::required("tag"));
    }
    if digest.is_empty() {
        causes.push(Cause::required("image.metadata.name"));
    }
    if !causes.is_empty() {
        return Err(ApiError::invalid(mapping, &name, causes));
    }
    let streams = rt("imagestreams");
    let stream_key = streams.key(ns, &name);
    let stream = api
        .store
        .get_object(&stream_key)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found(streams, &name))?;
    let repository = stream
        .value
        .pointer("/status/dockerImageRepository")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if image["dockerImageReference"]
        .as_str()
        .unwrap_or("")
        .is_empty()
    {
        image["dockerImageReference"] = format!("{repository}@{digest}").into();
    }
    if let Some(o) = image.as_object_mut() {
        o.remove("signatures");
    }
    let images = rt("images");
    let now = wharf_domain::time::rfc3339(now_secs());
    let existing = api
        .store
        .get_object(&images.key("", &digest))
        .await
        .map_err(ApiError::internal)?;
    let reference = match &existing {
        Some(e)
            if e.value
                .pointer(&format!(
                    "/metadata/annotations/{}",
                    ANNOTATION_MANAGED.replace('/', "~1")
                ))
                .and_then(Value::as_str)
                == Some("true") =>
        {
            format!("{repository}@{digest}")
        }
        Some(e) => e.value["dockerImageReference"]
            .as_str()
            .unwrap_or("")
            .to_string(),
        None => {
            create_image(api, image.clone()).await?;
            image["dockerImageReference"]
                .as_str()
                .unwrap_or("")
                .to_string()
        }
    };
    for _ in 0..10 {
        let current = api
            .store
            .get_object(&stream_key)
            .await
            .map_err(ApiError::internal)?
            .ok_or_else(|| ApiError::not_found(streams, &name))?;
        let mut s = current.value;
        let generation = s
            .pointer("/metadata/generation")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        let event = TagEvent {
            created: now.clone(),
            docker_image_reference: reference.clone(),
            image: digest.clone(),
            generation,
        };
        let mut tags = status_tags(&s);
        if add_tag_event(&mut tags, &tag, event.clone()) {
            update_tracking_tags(&s, &mut tags, &tag, &event);
            set_status_tags(&mut s, &tags);
            match write(
                api,
                streams,
                stream_key.clone(),
                Write::Update(s, Some(current.resource_version)),
            )
            .await
            {
                Ok(_) => {}
                Err(StorageError::Conflict { .. }) => continue,
                Err(e) => return Err(ApiError::storage(streams, &name, e)),
            }
        }
        return Ok(
            json!({ "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201 }),
        );
    }
    Err(ApiError::conflict(streams, &name))
}

/// Creates an Image; one of that name already there is fine (Images are named by digest, so it
/// is the same image). Returns the Image as stored.
pub(crate) async fn create_image(api: &ApiServer, mut image: Value) -> Result<Value> {
    let images = rt("images");
    let name = image
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    prepare_create(
        images,
        "",
        &mut image,
        &Stamp {
            uid: uuid::Uuid::new_v4().to_string(),
            now: wharf_domain::time::rfc3339(now_secs()),
        },
        "",
    )?;
    let key = images.key("", &name);
    match api.store.create_object(&key, image.clone()).await {
        Ok(rv) => Ok(served(image, rv)),
        Err(StorageError::AlreadyExists) => match api.store.get_object(&key).await {
            Ok(Some(o)) => Ok(served(o.value, o.resource_version)),
            Ok(None) => Err(ApiError::conflict(images, &name)),
            Err(e) => Err(ApiError::storage(images, &name, e)),
        },
        Err(e) => Err(ApiError::storage(images, &name, e)),
    }
}

async fn stream_or_not_found(api: &ApiServer, ns: &str, name: &str) -> Result<StoredObject> {
    let streams = rt("imagestreams");
    api.store
        .get_object(&streams.key(ns, name))
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found(streams, name))
}

/// `imagestreams/<name>/layers` (spec §1.9): every image the stream's history references,
/// list entries included, with its layers, config and child manifests, and every blob's size
/// and media type (manifests are listed as blobs too).
pub(crate) async fn stream_layers(api: &ApiServer, ns: &str, name: &str) -> Result<Value> {
    let stream = stream_or_not_found(api, ns, name).await?;
    let mut blobs = serde_json::Map::new();
    let mut images = serde_json::Map::new();
    for id in stream_images(api, &stream.value).await? {
        let Some(image) = api
            .store
            .get_object(&rt("images").key("", &id))
            .await
            .map_err(ApiError::internal)?
        else {
            images.insert(id, json!({ "imageMissing": true }));
            continue;
        };
        let image = image.value;
        let manifest_type = image["dockerImageManifestMediaType"].as_str().unwrap_or("");
        blobs.insert(id.clone(), json!({ "mediaType": manifest_type }));
        let mut entry = json!({ "layers": [] });
        let mut layers = Vec::new();
        for l in image["dockerImageLayers"].as_array().into_iter().flatten() {
            if let Some(digest) = l["name"].as_str() {
                layers.push(json!(digest));
                blobs.insert(
                    digest.to_string(),
                    json!({ "size": l["size"], "mediaType": l["mediaType"] }),
                );
            }
        }
        entry["layers"] = layers.into();
        let manifests: Vec<Value> = image["dockerImageManifests"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| m["digest"].clone())
            .collect();
        if manifests.is_empty() {
            if let Some(config) = image
                .pointer("/dockerImageMetadata/Id")
                .and_then(Value::as_str)
                .filter(|c| c.contains(':') && *c != id)
            {
                let config_type = if manifest_type.starts_with("application/vnd.docker") {
                    "application/vnd.docker.container.image.v1+json"
                } else {
                    "application/vnd.oci.image.config.v1+json"
                };
                blobs.insert(config.to_string(), json!({ "mediaType": config_type }));
                entry["config"] = config.into();
            }
        } else {
            entry["manifests"] = manifests.into();
        }
        images.insert(id, entry);
    }
    let s = &stream.value;
    Ok(json!({
        "kind": "ImageStreamLayers",
        "apiVersion": "image.openshift.io/v1",
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": s["metadata"]["uid"],
            "resourceVersion": stream.resource_version.to_string(),
            "creationTimestamp": s["metadata"]["creationTimestamp"],
        },
        "blobs": blobs,
        "images": images,
    }))
}

/// `imagestreams/<name>/secrets` (spec §1.9): the namespace's registry credentials an import
/// may use: dockercfg and dockerconfigjson secrets not annotated
/// `openshift.io/image.excludeSecret: "true"`.
pub(crate) async fn stream_secrets(api: &ApiServer, ns: &str, name: &str) -> Result<Value> {
    stream_or_not_found(api, ns, name).await?;
    let (items, resource_version) = registry_secrets(api, ns).await?;
    Ok(json!({
        "kind": "SecretList",
        "apiVersion": "v1",
        "metadata": { "resourceVersion": resource_version.to_string() },
        "items": items,
    }))
}

/// The secrets of `ns` an import may use (as served), and the list's resourceVersion.
pub(crate) async fn registry_secrets(api: &ApiServer, ns: &str) -> Result<(Vec<Value>, u64)> {
    let secrets = crate::resources::find("", "v1", "secrets").expect("secrets are served");
    let list = api
        .store
        .list_objects(&secrets.selector(Some(ns)), None, None)
        .await
        .map_err(ApiError::internal)?;
    let items: Vec<Value> = list
        .items
        .into_iter()
        .filter(|s| {
            matches!(
                s.value["type"].as_str(),
                Some("kubernetes.io/dockercfg" | "kubernetes.io/dockerconfigjson")
            ) && s
                .value
                .pointer("/metadata/annotations/openshift.io~1image.excludeSecret")
                .and_then(Value::as_str)
                != Some("true")
        })
        .map(|s| served(s.value, s.resource_version))
        .collect();
    Ok((items, list.resource_version))
}
