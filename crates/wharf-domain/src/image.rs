//! The `Image` API object the integrated registry records for a pushed manifest (spec §1.2 and
//! §4): named by the manifest digest, with metadata read from the manifest and its config.
//! The manifest and config themselves stay in registry storage
//! (`image.openshift.io/manifestBlobStored`), so they are not copied into the object.

use serde_json::{json, Map, Value};

use crate::digest::Digest;
use crate::manifest::{ManifestError, DOCKER_MANIFEST_LIST, OCI_INDEX};

pub const ANNOTATION_MANAGED: &str = "openshift.io/image.managed";
pub const ANNOTATION_BLOB_STORED: &str = "image.openshift.io/manifestBlobStored";
pub const ANNOTATION_LAYERS_ORDER: &str = "image.openshift.io/dockerLayersOrder";

/// What the registry knows about a pushed manifest.
pub struct PushedManifest<'a> {
    pub digest: &'a Digest,
    pub media_type: &'a str,
    pub manifest: &'a [u8],
    /// The config blob of an image manifest (absent for indexes).
    pub config: Option<&'a [u8]>,
    /// `<registry>/<ns>/<name>@<digest>`.
    pub reference: &'a str,
    /// RFC 3339 now, for objects without a creation time of their own (indexes).
    pub now: &'a str,
}

fn invalid(e: impl std::fmt::Display) -> ManifestError {
    ManifestError::Invalid(e.to_string())
}

/// Copies the listed keys of a Docker/OCI image config's `config` section, under the
/// capitalised names `DockerImage` metadata uses.
fn docker_config(cfg: &Value) -> Value {
    let mut out = Map::new();
    for key in [
        "User",
        "ExposedPorts",
        "Env",
        "Cmd",
        "Entrypoint",
        "Volumes",
        "WorkingDir",
        "Labels",
        "StopSignal",
    ] {
        if let Some(v) = cfg.get(key).filter(|v| !v.is_null()) {
            out.insert(key.into(), v.clone());
        }
    }
    Value::Object(out)
}

/// The Image object for a pushed manifest.
pub fn image_object(p: &PushedManifest) -> Result<Value, ManifestError> {
    let m: Value = serde_json::from_slice(p.manifest).map_err(invalid)?;
    let name = p.digest.to_string();
    let mut image = json!({
        "kind": "Image",
        "apiVersion": "image.openshift.io/v1",
        "metadata": {
            "name": name,
            "annotations": {
                ANNOTATION_MANAGED: "true",
                ANNOTATION_BLOB_STORED: "true",
                ANNOTATION_LAYERS_ORDER: "ascending",
            },
        },
        "dockerImageReference": p.reference,
        "dockerImageMetadataVersion": "1.0",
        "dockerImageManifestMediaType": p.media_type,
    });
    if matches!(p.media_type, OCI_INDEX | DOCKER_MANIFEST_LIST) {
        let entries: Vec<Value> = m["manifests"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| {
                let platform = &d["platform"];
                json!({
                    "digest": d["digest"],
                    "mediaType": d["mediaType"],
                    "manifestSize": d["size"],
                    "architecture": platform["architecture"].as_str().unwrap_or(""),
                    "os": platform["os"].as_str().unwrap_or(""),
                    "variant": platform["variant"].as_str().unwrap_or(""),
                })
            })
            .collect();
        image["dockerImageManifests"] = entries.into();
        image["dockerImageMetadata"] =
            json!({ "kind": "DockerImage", "apiVersion": "1.0", "Id": name, "Created": p.now });
        return Ok(image);
    }
    let layers: Vec<Value> = m["layers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| json!({ "name": l["digest"], "size": l["size"].as_u64().unwrap_or(0), "mediaType": l["mediaType"] }))
        .collect();
    // Artifacts may carry any config; only a JSON image config yields metadata.
    let config: Value = p
        .config
        .and_then(|bytes| serde_json::from_slice(bytes).ok())
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    // Size: the config plus each distinct layer once.
    let mut seen = std::collections::BTreeSet::new();
    let layer_bytes: u64 = layers
        .iter()
        .filter(|l| seen.insert(l["name"].as_str().unwrap_or("").to_string()))
        .map(|l| l["size"].as_u64().unwrap_or(0))
        .sum();
    let size = p.config.map_or(0, |c| c.len() as u64) + layer_bytes;
    let mut metadata = json!({
        "kind": "DockerImage",
        "apiVersion": "1.0",
        "Id": m["config"]["digest"],
        "Created": config["created"].as_str().unwrap_or(p.now),
        "Architecture": config["architecture"].as_str().unwrap_or(""),
        "Size": size,
    });
    for (from, to) in [
        ("author", "Author"),
        ("docker_version", "DockerVersion"),
        ("os", "Os"),
    ] {
        if let Some(v) = config[from].as_str() {
            metadata[to] = v.into();
        }
    }
    if let Some(cfg) = config.get("config").filter(|c| c.is_object()) {
        metadata["Config"] = docker_config(cfg);
    }
    image["dockerImageMetadata"] = metadata;
    image["dockerImageLayers"] = layers.into();
    Ok(image)
}

/// The Image object of an imported manifest: what [`image_object`] records, but not managed by
/// the integrated registry — the manifest and config are kept in the object itself
/// (`dockerImageManifest`, `dockerImageConfig`), so the registry can serve an imported tag by
/// pull-through without asking the source for the manifest again.
pub fn imported_image_object(p: &PushedManifest) -> Result<Value, ManifestError> {
    let mut image = image_object(p)?;
    if let Some(a) = image
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
    {
        a.remove(ANNOTATION_MANAGED);
        a.remove(ANNOTATION_BLOB_STORED);
    }
    image["dockerImageManifest"] = String::from_utf8_lossy(p.manifest).into_owned().into();
    if let Some(config) = p.config {
        image["dockerImageConfig"] = String::from_utf8_lossy(config).into_owned().into();
    }
    Ok(image)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::OCI_MANIFEST;

    #[test]
    fn an_image_manifest_yields_layers_metadata_and_size() {
        let config = br#"{"architecture":"arm64","os":"linux","created":"2026-01-02T03:04:05Z","config":{"Env":["A=1"],"Entrypoint":["/app"],"ExposedPorts":{"8080/tcp":{}},"Labels":{"x":"y"}}}"#;
        let d = |c: char| format!("sha256:{}", c.to_string().repeat(64));
        let manifest = format!(
            r#"{{"schemaVersion":2,"config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}","size":{}}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{}","size":100}},{{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{}","size":50}},{{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{}","size":100}}]}}"#,
            d('c'),
            config.len(),
            d('a'),
            d('b'),
            d('a')
        );
        let digest = Digest::sha256_of(manifest.as_bytes());
        let img = image_object(&PushedManifest {
            digest: &digest,
            media_type: OCI_MANIFEST,
            manifest: manifest.as_bytes(),
            config: Some(config),
            reference: "reg:5000/demo/app@sha256:x",
            now: "2026-11-23T00:00:00Z",
        })
        .unwrap();
        assert_eq!(img["metadata"]["name"], digest.to_string());
        assert_eq!(img["metadata"]["annotations"][ANNOTATION_MANAGED], "true");
        assert_eq!(
            img["metadata"]["annotations"][ANNOTATION_BLOB_STORED],
            "true"
        );
        assert_eq!(
            img["metadata"]["annotations"][ANNOTATION_LAYERS_ORDER],
            "ascending"
        );
        assert_eq!(img["dockerImageReference"], "reg:5000/demo/app@sha256:x");
        assert_eq!(
            img["dockerImageLayers"].as_array().unwrap().len(),
            3,
            "layers base-first, as listed"
        );
        let md = &img["dockerImageMetadata"];
        assert_eq!(md["Id"], d('c'));
        assert_eq!(md["Architecture"], "arm64");
        assert_eq!(md["Created"], "2026-01-02T03:04:05Z");
        assert_eq!(
            md["Size"],
            config.len() as u64 + 150,
            "config plus distinct layers"
        );
        assert_eq!(md["Config"]["Entrypoint"], json!(["/app"]));
        assert_eq!(md["Config"]["ExposedPorts"], json!({"8080/tcp": {}}));
        assert!(img.get("dockerImageManifests").is_none());
    }

    #[test]
    fn an_index_yields_its_manifests_and_no_layers() {
        let manifest = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","size":500,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}}]}"#;
        let digest = Digest::sha256_of(manifest);
        let img = image_object(&PushedManifest {
            digest: &digest,
            media_type: OCI_INDEX,
            manifest,
            config: None,
            reference: "r",
            now: "now",
        })
        .unwrap();
        let entries = img["dockerImageManifests"].as_array().unwrap();
        assert_eq!(entries[0]["architecture"], "arm64");
        assert_eq!(entries[0]["variant"], "v8");
        assert_eq!(entries[0]["manifestSize"], 500);
        assert!(img.get("dockerImageLayers").is_none());
        assert_eq!(img["dockerImageMetadata"]["Id"], digest.to_string());
        assert_eq!(img["dockerImageMetadata"]["Created"], "now");
    }
}
