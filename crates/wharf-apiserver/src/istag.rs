//! `imagestreamtags` (spec §1.4): a view of one tag of a stream, computed from the
//! ImageStream and the Image of the tag's current event. Get, list and delete; an istag exists
//! only while its status tag has a current image.

use serde_json::{json, Value};
use wharf_domain::imagestream::{status_tags, NamedTagEventList};
use wharf_storage::StoredObject;

use crate::resources::{find, ResourceType};
use crate::status::ApiError;
use crate::{served, write, ApiServer, Result, Write};

fn streams() -> &'static ResourceType {
    find("image.openshift.io", "v1", "imagestreams").expect("imagestreams is served")
}

fn images() -> &'static ResourceType {
    find("image.openshift.io", "v1", "images").expect("images is served")
}

fn istags() -> &'static ResourceType {
    find("image.openshift.io", "v1", "imagestreamtags").expect("imagestreamtags is served")
}

async fn stream_named(api: &ApiServer, ns: &str, name: &str) -> Result<Option<StoredObject>> {
    api.store
        .get_object(&streams().key(ns, name))
        .await
        .map_err(ApiError::internal)
}

/// `<stream>:<tag>`, or 400 as OpenShift words it.
fn split(name: &str) -> Result<(&str, &str)> {
    match name.split_once(':') {
        Some((s, t))
            if !s.is_empty() && !t.is_empty() && !t.contains(':') && !name.contains('@') =>
        {
            Ok((s, t))
        }
        _ => Err(ApiError::bad_request(
            "ImageStreamTags must be retrieved with <name>:<tag>",
        )),
    }
}

fn spec_tag<'a>(stream: &'a Value, tag: &str) -> Option<&'a Value> {
    stream
        .pointer("/spec/tags")?
        .as_array()?
        .iter()
        .find(|t| t["name"] == tag)
}

/// The pull spec of a tag's current event under its reference policy (spec §2.6).
fn resolved_reference(stream: &Value, tag: &str, image: &str, event_reference: &str) -> String {
    let local = spec_tag(stream, tag)
        .and_then(|t| t.pointer("/referencePolicy/type"))
        .and_then(Value::as_str)
        == Some("Local");
    match stream
        .pointer("/status/dockerImageRepository")
        .and_then(Value::as_str)
    {
        Some(repo) if local && !image.is_empty() && !repo.is_empty() => format!("{repo}@{image}"),
        _ => event_reference.to_string(),
    }
}

/// The istag for `tag` of `stream`, or `None` if the tag has no current image.
async fn view(
    api: &ApiServer,
    stream: &StoredObject,
    tag: &NamedTagEventList,
) -> Result<Option<Value>> {
    let Some(current) = tag
        .items
        .as_ref()
        .and_then(|i| i.first())
        .filter(|e| !e.image.is_empty())
    else {
        return Ok(None);
    };
    let s = &stream.value;
    let image = api
        .store
        .get_object(&images().key("", &current.image))
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found(images(), &current.image))?;
    let mut image = served(image.value, image.resource_version);
    let spec = spec_tag(s, &tag.tag).cloned();
    let annotations = spec
        .as_ref()
        .and_then(|t| t.get("annotations"))
        .filter(|a| a.is_object())
        .cloned();
    if let Some(Value::Object(extra)) = &annotations {
        let merged = image["metadata"]["annotations"]
            .as_object()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .chain(extra.clone());
        image["metadata"]["annotations"] = Value::Object(merged.collect());
    }
    image["dockerImageReference"] =
        resolved_reference(s, &tag.tag, &current.image, &current.docker_image_reference).into();
    let mut metadata = json!({
        "name": format!("{}:{}", stream.key.name, tag.tag),
        "namespace": stream.key.namespace,
        "uid": s["metadata"]["uid"],
        "resourceVersion": stream.resource_version.to_string(),
        "creationTimestamp": current.created,
    });
    if let Some(labels) = s.pointer("/metadata/labels") {
        metadata["labels"] = labels.clone();
    }
    if let Some(a) = annotations {
        metadata["annotations"] = a;
    }
    let mut istag = json!({
        "kind": "ImageStreamTag",
        "apiVersion": "image.openshift.io/v1",
        "metadata": metadata,
        "tag": spec,
        "generation": current.generation,
        "lookupPolicy": s.pointer("/spec/lookupPolicy").cloned().unwrap_or(json!({ "local": false })),
        "image": image,
    });
    if !tag.conditions.is_empty() {
        istag["conditions"] = json!(tag.conditions);
    }
    Ok(Some(istag))
}

pub(crate) async fn get(api: &ApiServer, ns: &str, name: &str) -> Result<Value> {
    let (stream_name, tag) = split(name)?;
    let not_found = || ApiError::not_found(istags(), name);
    let stream = stream_named(api, ns, stream_name)
        .await?
        .ok_or_else(not_found)?;
    let tags = status_tags(&stream.value);
    let t = tags.iter().find(|t| t.tag == tag).ok_or_else(not_found)?;
    view(api, &stream, t).await?.ok_or_else(not_found)
}

/// Every istag of the streams in `ns` (or everywhere), with the list's resourceVersion.
pub(crate) async fn list(api: &ApiServer, ns: Option<&str>) -> Result<(Vec<Value>, u64)> {
    let list = api
        .store
        .list_objects(&streams().selector(ns), None, None)
        .await
        .map_err(ApiError::internal)?;
    let mut out = Vec::new();
    for stream in &list.items {
        for t in status_tags(&stream.value) {
            match view(api, stream, &t).await {
                Ok(Some(v)) => out.push(v),
                Ok(None) => {}
                Err(e) if e.code == 404 => {} // an Image deleted under a tag: not listed
                Err(e) => return Err(e),
            }
        }
    }
    Ok((out, list.resource_version))
}

/// Removes the tag's spec and status history (the Image stays), and with it the registry tag.
pub(crate) async fn delete(api: &ApiServer, ns: &str, name: &str) -> Result<Value> {
    let (stream_name, tag) = split(name)?;
    let not_found = || ApiError::not_found(istags(), name);
    for _ in 0..10 {
        let stream = stream_named(api, ns, stream_name)
            .await?
            .ok_or_else(not_found)?;
        let mut s = stream.value.clone();
        let mut removed = false;
        for path in ["/spec/tags", "/status/tags"] {
            if let Some(Value::Array(list)) = s.pointer_mut(path) {
                let before = list.len();
                let field = if path == "/spec/tags" { "name" } else { "tag" };
                list.retain(|t| t[field] != tag);
                removed |= list.len() != before;
            }
        }
        if !removed {
            return Err(not_found());
        }
        match write(
            api,
            streams(),
            stream.key.clone(),
            Write::Update(s, Some(stream.resource_version)),
        )
        .await
        {
            Ok(_) => {
                return Ok(json!({
                    "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                    "details": { "name": name, "group": "image.openshift.io", "kind": "imagestreamtags" },
                }))
            }
            Err(wharf_storage::StorageError::Conflict { .. }) => continue,
            Err(e) => return Err(ApiError::storage(istags(), name, e)),
        }
    }
    Err(ApiError::conflict(istags(), name))
}
