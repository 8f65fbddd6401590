//! `imagestreamtags` (spec §1.4): a view of one tag of a stream, computed from the
//! ImageStream and the Image of the tag's current event. Get, list and delete; an istag exists
//! only while its status tag has a current image.

use serde_json::{json, Value};
use wharf_domain::imagestream::{status_tags, TagEvent};
use wharf_storage::StoredObject;

use crate::resources::{find, ResourceType};
use crate::status::{ApiError, Cause};
use crate::{create_object, replace_object, served, write, ApiServer, Result, Write};

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

/// The Image a tag event points at, as served, with `dockerImageReference` the tag's pull
/// spec under its reference policy; `None` if the Image is gone.
async fn event_image(
    api: &ApiServer,
    stream: &Value,
    tag: &str,
    event: &TagEvent,
) -> Result<Option<Value>> {
    let Some(image) = api
        .store
        .get_object(&images().key("", &event.image))
        .await
        .map_err(ApiError::internal)?
    else {
        return Ok(None);
    };
    let mut image = served(image.value, image.resource_version);
    image["dockerImageReference"] =
        resolved_reference(stream, tag, &event.image, &event.docker_image_reference).into();
    Ok(Some(image))
}

/// The istag for `tag` of `stream`, or `None` if the tag has no current image. With
/// `allow_empty` (the answer to a write), a tag without an image is shown with an empty image.
async fn view(
    api: &ApiServer,
    stream: &StoredObject,
    tag: &str,
    allow_empty: bool,
) -> Result<Option<Value>> {
    let s = &stream.value;
    let tags = status_tags(s);
    let status = tags.iter().find(|t| t.tag == tag);
    let current = status
        .and_then(|t| t.items.as_ref())
        .and_then(|i| i.first())
        .filter(|e| !e.image.is_empty());
    if current.is_none() && !allow_empty {
        return Ok(None);
    }
    let spec = spec_tag(s, tag).cloned();
    let annotations = spec
        .as_ref()
        .and_then(|t| t.get("annotations"))
        .filter(|a| a.as_object().is_some_and(|m| !m.is_empty()))
        .cloned();
    let image = match current {
        Some(current) => {
            let mut image = event_image(api, s, tag, current)
                .await?
                .ok_or_else(|| ApiError::not_found(images(), &current.image))?;
            if let Some(Value::Object(extra)) = &annotations {
                let merged = image["metadata"]["annotations"]
                    .as_object()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .chain(extra.clone());
                image["metadata"]["annotations"] = Value::Object(merged.collect());
            }
            image
        }
        None => json!({ "metadata": {} }),
    };
    let mut metadata = json!({
        "name": format!("{}:{tag}", stream.key.name),
        "namespace": stream.key.namespace,
        "uid": s["metadata"]["uid"],
        "resourceVersion": stream.resource_version.to_string(),
        "creationTimestamp": current.map_or_else(|| s["metadata"]["creationTimestamp"].clone(), |c| c.created.clone().into()),
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
        "generation": current.map_or(0, |c| c.generation),
        "lookupPolicy": s.pointer("/spec/lookupPolicy").cloned().unwrap_or(json!({ "local": false })),
        "image": image,
    });
    if let Some(t) = status.filter(|t| !t.conditions.is_empty()) {
        istag["conditions"] = json!(t.conditions);
    }
    Ok(Some(istag))
}

pub(crate) async fn get(api: &ApiServer, ns: &str, name: &str) -> Result<Value> {
    let (stream_name, tag) = split(name)?;
    let not_found = || ApiError::not_found(istags(), name);
    let stream = stream_named(api, ns, stream_name)
        .await?
        .ok_or_else(not_found)?;
    view(api, &stream, tag, false).await?.ok_or_else(not_found)
}

async fn streams_in(api: &ApiServer, ns: Option<&str>) -> Result<wharf_storage::ObjectList> {
    api.store
        .list_objects(&streams().selector(ns), None, None)
        .await
        .map_err(ApiError::internal)
}

/// Every istag of the streams in `ns` (or everywhere), with the list's resourceVersion.
pub(crate) async fn list(api: &ApiServer, ns: Option<&str>) -> Result<(Vec<Value>, u64)> {
    let list = streams_in(api, ns).await?;
    let mut out = Vec::new();
    for stream in &list.items {
        for t in status_tags(&stream.value) {
            match view(api, stream, &t.tag, false).await {
                Ok(Some(v)) => out.push(v),
                Ok(None) => {}
                Err(e) if e.code == 404 => {} // an Image deleted under a tag: not listed
                Err(e) => return Err(e),
            }
        }
    }
    Ok((out, list.resource_version))
}

/// Removes the tag's spec and status history (the Image stays), and with it the registry tag;
/// DELETE of an imagestreamtag or an imagetag.
pub(crate) async fn delete(
    api: &ApiServer,
    rt: &'static ResourceType,
    ns: &str,
    name: &str,
) -> Result<Value> {
    let (stream_name, tag) = if rt.plural == "imagetags" {
        split_itag(name)?
    } else {
        split(name)?
    };
    let not_found = || ApiError::not_found(rt, name);
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
                    "details": { "name": name, "group": "image.openshift.io", "kind": rt.plural },
                }))
            }
            Err(wharf_storage::StorageError::Conflict { .. }) => continue,
            Err(e) => return Err(ApiError::storage(rt, name, e)),
        }
    }
    Err(ApiError::conflict(rt, name))
}

/// The stream an istag write changes: the stored one, or a new empty one (both create and
/// update make the stream when it is missing, as OpenShift does).
fn stream_or_new(stored: Option<&StoredObject>, ns: &str, name: &str) -> Value {
    stored.map_or_else(
        || json!({ "apiVersion": "image.openshift.io/v1", "kind": "ImageStream", "metadata": { "name": name, "namespace": ns }, "spec": {} }),
        |s| s.value.clone(),
    )
}

/// Puts `tag_ref` in the stream's spec, replacing a spec tag of the same name.
fn set_spec_tag(stream: &mut Value, tag_ref: Value) {
    if !stream["spec"].is_object() {
        stream["spec"] = json!({});
    }
    if !stream["spec"]["tags"].is_array() {
        stream["spec"]["tags"] = json!([]);
    }
    if let Some(list) = stream["spec"]["tags"].as_array_mut() {
        match list.iter_mut().find(|t| t["name"] == tag_ref["name"]) {
            Some(existing) => *existing = tag_ref,
            None => list.push(tag_ref),
        }
    }
}

/// Writes the changed stream (creating it if it was missing) with every imagestream rule.
async fn save_stream(
    api: &ApiServer,
    ns: &str,
    stored: Option<&StoredObject>,
    stream: Value,
    dry_run: bool,
) -> Result<StoredObject> {
    let saved = match stored {
        Some(old) => replace_object(api, streams(), old, stream, false, None, dry_run).await?,
        None => create_object(api, streams(), ns, stream, dry_run).await?,
    };
    let rv = saved["metadata"]["resourceVersion"]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let name = saved["metadata"]["name"].as_str().unwrap_or("").to_string();
    Ok(StoredObject {
        key: streams().key(ns, &name),
        resource_version: rv,
        value: saved,
    })
}

/// A write lost to a concurrent one: worth retrying when the client set no precondition.
fn lost_race(e: &ApiError) -> bool {
    matches!(e.reason, "Conflict" | "AlreadyExists")
}

/// The istag's own annotations are the spec tag's; `tag.annotations`, if sent, must agree
/// (spec §1.4).
fn tag_annotations(istag: &Value) -> Result<Value> {
    let meta = istag
        .pointer("/metadata/annotations")
        .filter(|a| a.as_object().is_some_and(|m| !m.is_empty()))
        .cloned()
        .unwrap_or(Value::Null);
    match istag.pointer("/tag/annotations") {
        Some(a) if !a.is_null() && a.as_object().is_none_or(|m| !m.is_empty()) && *a != meta => {
            let name = istag["metadata"]["name"].as_str().unwrap_or("");
            Err(ApiError::invalid(
                istags(),
                name,
                vec![Cause::invalid(
                    "tag.annotations",
                    &go_map(a),
                    "tag annotations must not be provided or must be equal to the object meta annotations",
                )],
            ))
        }
        _ => Ok(meta),
    }
}

/// A string map as Go's `%v` prints it: `map[a:b c:d]`, keys sorted.
fn go_map(v: &Value) -> String {
    let mut pairs: Vec<String> = v
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}:{}", v.as_str().unwrap_or_default()))
        .collect();
    pairs.sort();
    format!("map[{}]", pairs.join(" "))
}

/// POST imagestreamtags: adds a spec tag (creating the stream if needed); an existing spec
/// tag of that name is `AlreadyExists`.
pub(crate) async fn create(api: &ApiServer, ns: &str, body: Value, dry_run: bool) -> Result<Value> {
    let name = body
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    // OpenShift answers this with a bare error (a 500); it is the client's mistake, so 400.
    let (stream_name, tag) = split(&name).map_err(|_| {
        ApiError::bad_request(format!(
            "\"{name}\" must be of the form <stream_name>:<tag>"
        ))
    })?;
    let annotations = tag_annotations(&body)?;
    for _ in 0..10 {
        let stored = stream_named(api, ns, stream_name).await?;
        let mut stream = stream_or_new(stored.as_ref(), ns, stream_name);
        if spec_tag(&stream, tag).is_some() {
            return Err(ApiError::already_exists(istags(), &name));
        }
        if let Some(t) = body.get("tag").filter(|t| t.is_object()) {
            let mut tag_ref = t.clone();
            tag_ref["name"] = tag.into();
            tag_ref["annotations"] = annotations.clone();
            set_spec_tag(&mut stream, tag_ref);
        }
        match save_stream(api, ns, stored.as_ref(), stream, dry_run).await {
            Ok(saved) => return Ok(view(api, &saved, tag, true).await?.unwrap_or(Value::Null)),
            Err(e) if lost_race(&e) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(ApiError::conflict(istags(), &name))
}

/// PUT imagestreamtags/IS:TAG: replaces the spec tag (or, with `tag: null`, only its
/// annotations), creating the stream if needed; returns the istag and whether it was created.
pub(crate) async fn update(
    api: &ApiServer,
    ns: &str,
    name: &str,
    body: Value,
    dry_run: bool,
) -> Result<(Value, bool)> {
    let (stream_name, tag) = split(name)?;
    let precondition = crate::meta::resource_version_of(&body)?;
    let annotations = tag_annotations(&body)?;
    for _ in 0..10 {
        let stored = stream_named(api, ns, stream_name).await?;
        match (&stored, precondition) {
            (None, Some(_)) => return Err(ApiError::not_found(istags(), name)),
            (Some(s), Some(p)) if s.resource_version != p => {
                return Err(ApiError::conflict_because(
                    istags(),
                    name,
                    &format!(
                        "another caller has updated the resource version to {}",
                        s.resource_version
                    ),
                ))
            }
            _ => {}
        }
        let mut stream = stream_or_new(stored.as_ref(), ns, stream_name);
        let labels = body
            .pointer("/metadata/labels")
            .filter(|l| l.as_object().is_some_and(|m| !m.is_empty()));
        if labels.is_some_and(|l| Some(l) != stream.pointer("/metadata/labels")) {
            return Err(ApiError::invalid(
                istags(),
                name,
                vec![Cause::invalid(
                    "metadata",
                    "",
                    "may not update fields other than metadata.annotations",
                )],
            ));
        }
        let existing = spec_tag(&stream, tag).cloned();
        let mut tag_ref = match (body.get("tag").filter(|t| t.is_object()), existing.clone()) {
            (Some(t), _) => t.clone(),
            (None, Some(e)) => e,
            (None, None) => {
                return Err(ApiError::bad_request(format!(
                    "imagestreamtag {tag} is not a spec tag in imagestream {ns}/{stream_name}, cannot be updated"
                )))
            }
        };
        tag_ref["name"] = tag.into();
        tag_ref["annotations"] = annotations.clone();
        set_spec_tag(&mut stream, tag_ref);
        match save_stream(api, ns, stored.as_ref(), stream, dry_run).await {
            Ok(saved) => {
                let v = view(api, &saved, tag, true).await?.unwrap_or(Value::Null);
                return Ok((v, existing.is_none()));
            }
            Err(e) if precondition.is_none() && lost_race(&e) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(ApiError::conflict(istags(), name))
}

// ---------------------------------------------------------------------------------------
// ImageTag (spec §1.5): the same tag seen as {spec, status, image}; it exists while the tag
// has a spec or a status.

fn itags() -> &'static ResourceType {
    find("image.openshift.io", "v1", "imagetags").expect("imagetags is served")
}

/// The ImageTag for `tag` of `stream`, `None` if the tag has neither spec nor status. The
/// Image is read only when `with_image` (a GET; LIST leaves it null, as OpenShift does).
async fn itag_view(
    api: &ApiServer,
    stream: &StoredObject,
    tag: &str,
    with_image: bool,
) -> Result<Option<Value>> {
    let s = &stream.value;
    let spec = spec_tag(s, tag).cloned();
    let status = status_tags(s).into_iter().find(|t| t.tag == tag);
    if spec.is_none() && status.is_none() {
        return Ok(None);
    }
    let current = status
        .as_ref()
        .and_then(|t| t.items.as_ref())
        .and_then(|i| i.first())
        .filter(|e| !e.image.is_empty());
    let image = match current {
        Some(c) if with_image => event_image(api, s, tag, c).await?,
        _ => None,
    };
    Ok(Some(json!({
        "kind": "ImageTag",
        "apiVersion": "image.openshift.io/v1",
        "metadata": {
            "name": format!("{}:{tag}", stream.key.name),
            "namespace": stream.key.namespace,
            "uid": s["metadata"]["uid"],
            "resourceVersion": stream.resource_version.to_string(),
            "creationTimestamp": s["metadata"]["creationTimestamp"],
        },
        "spec": spec,
        "status": status,
        "image": image,
    })))
}

fn tag_names(stream: &Value) -> Vec<String> {
    let mut names: Vec<String> = status_tags(stream).into_iter().map(|t| t.tag).collect();
    for t in stream
        .pointer("/spec/tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(n) = t["name"].as_str() {
            names.push(n.to_string());
        }
    }
    names.sort();
    names.dedup();
    names
}

pub(crate) async fn get_itag(api: &ApiServer, ns: &str, name: &str) -> Result<Value> {
    let (stream_name, tag) = split_itag(name)?;
    let not_found = || ApiError::not_found(itags(), name);
    let stream = stream_named(api, ns, stream_name)
        .await?
        .ok_or_else(not_found)?;
    itag_view(api, &stream, tag, true)
        .await?
        .ok_or_else(not_found)
}

/// Every ImageTag in `ns` (or everywhere), sorted by stream then tag.
pub(crate) async fn list_itags(api: &ApiServer, ns: Option<&str>) -> Result<(Vec<Value>, u64)> {
    let list = streams_in(api, ns).await?;
    let mut out = Vec::new();
    for stream in &list.items {
        for tag in tag_names(&stream.value) {
            out.extend(itag_view(api, stream, &tag, false).await?);
        }
    }
    Ok((out, list.resource_version))
}

fn split_itag(name: &str) -> Result<(&str, &str)> {
    split(name).map_err(|_| ApiError::bad_request("ImageTags must be retrieved with <name>:<tag>"))
}

/// POST imagetags: a new spec tag (`spec` required, its name the tag's).
pub(crate) async fn create_itag(
    api: &ApiServer,
    ns: &str,
    body: Value,
    dry_run: bool,
) -> Result<Value> {
    let name = body
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let (stream_name, tag) = split_itag(&name)?;
    let spec = checked_itag_spec(&body, &name, tag, true)?;
    for _ in 0..10 {
        let stored = stream_named(api, ns, stream_name).await?;
        let mut stream = stream_or_new(stored.as_ref(), ns, stream_name);
        if spec_tag(&stream, tag).is_some() {
            return Err(ApiError::already_exists(itags(), &name));
        }
        set_spec_tag(&mut stream, spec.clone());
        match save_stream(api, ns, stored.as_ref(), stream, dry_run).await {
            Ok(saved) => {
                return Ok(itag_view(api, &saved, tag, true)
                    .await?
                    .unwrap_or(Value::Null))
            }
            Err(e) if lost_race(&e) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(ApiError::conflict(itags(), &name))
}

/// `spec` as written, checked: required on create, and named like the tag.
fn checked_itag_spec(body: &Value, name: &str, tag: &str, required: bool) -> Result<Value> {
    let spec = body.get("spec").cloned().unwrap_or(Value::Null);
    let invalid = |c: Cause| ApiError::invalid(itags(), name, vec![c]);
    if spec.is_null() {
        if required {
            let mut c = Cause::required("spec");
            c.message = "Required value: spec is a required field during creation".into();
            return Err(invalid(c));
        }
        return Ok(spec);
    }
    if !spec.is_object() {
        return Err(invalid(Cause::invalid("spec", "", "must be an object")));
    }
    let mut spec = spec;
    match spec["name"].as_str() {
        None | Some("") => spec["name"] = tag.into(),
        Some(n) if n != tag => {
            return Err(invalid(Cause::invalid(
                "spec.name",
                n,
                "must match image tag name",
            )))
        }
        Some(_) => {}
    }
    Ok(spec)
}

/// PUT imagetags/IS:TAG: sets the spec tag, or removes it with `spec: null` (the status stays).
pub(crate) async fn update_itag(
    api: &ApiServer,
    ns: &str,
    name: &str,
    body: Value,
    dry_run: bool,
) -> Result<(Value, bool)> {
    let (stream_name, tag) = split_itag(name)?;
    let precondition = crate::meta::resource_version_of(&body)?;
    let spec = checked_itag_spec(&body, name, tag, false)?;
    for _ in 0..10 {
        let stored = stream_named(api, ns, stream_name).await?;
        if let (Some(s), Some(p)) = (&stored, precondition) {
            if s.resource_version != p {
                return Err(ApiError::conflict(itags(), name));
            }
        }
        let mut stream = stream_or_new(stored.as_ref(), ns, stream_name);
        let existed =
            spec_tag(&stream, tag).is_some() || status_tags(&stream).iter().any(|t| t.tag == tag);
        if let Some(status) = body.get("status").filter(|s| !s.is_null()) {
            let current = status_tags(&stream).into_iter().find(|t| t.tag == tag);
            if Some(status) != current.map(|c| json!(c)).as_ref() {
                return Err(ApiError::invalid(
                    itags(),
                    name,
                    vec![Cause::invalid(
                        "status",
                        "",
                        "may not update fields other than spec",
                    )],
                ));
            }
        }
        if spec.is_null() {
            if let Some(Value::Array(list)) = stream.pointer_mut("/spec/tags") {
                list.retain(|t| t["name"] != tag);
            }
        } else {
            set_spec_tag(&mut stream, spec.clone());
        }
        match save_stream(api, ns, stored.as_ref(), stream, dry_run).await {
            Ok(saved) => {
                let v = itag_view(api, &saved, tag, true).await?;
                return v
                    .map(|v| (v, !existed))
                    .ok_or_else(|| ApiError::not_found(itags(), name));
            }
            Err(e) if precondition.is_none() && lost_race(&e) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(ApiError::conflict(itags(), name))
}
