//! `imagestreamimages` (spec §1.6, get only) and `imagestreammappings` (spec §1.7, create
//! only): the image of a stream by id, and recording an image into a stream's tag.

use serde_json::{json, Value};
use wharf_domain::image::ANNOTATION_MANAGED;
use wharf_domain::imagestream::{
    add_tag_event, set_status_tags, status_tags, update_tracking_tags, TagEvent,
};
use wharf_storage::StorageError;

use crate::meta::{prepare_create, Stamp};
use crate::resources::{find, ResourceType};
use crate::status::{ApiError, Cause};
use crate::{now_secs, served, write, ApiServer, Result, Write};

fn rt(plural: &str) -> &'static ResourceType {
    find("image.openshift.io", "v1", plural).expect("served resource")
}

/// Every image id a stream refers to: its history, and the entries of lists in it.
async fn stream_images(api: &ApiServer, stream: &Value) -> Result<Vec<String>> {
    let mut ids: Vec<String> = status_tags(stream)
        .iter()
        .flat_map(|t| t.items.iter().flatten())
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
            let mut new = image.clone();
            prepare_create(
                images,
                "",
                &mut new,
                &Stamp {
                    uid: uuid::Uuid::new_v4().to_string(),
                    now: now.clone(),
                },
                "",
            )?;
            match api.store.create_object(&images.key("", &digest), new).await {
                Ok(_) | Err(StorageError::AlreadyExists) => {}
                Err(e) => return Err(ApiError::storage(images, &digest, e)),
            }
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
