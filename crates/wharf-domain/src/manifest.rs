//! What a pushed manifest is, and what it references.
//!
//! The registry stores manifests byte for byte and never converts them; this module only reads
//! them, to learn (a) which media type they are served with, (b) which blobs and child manifests
//! must exist before they may become visible (design invariant 1), and (c) the `subject` and
//! `artifactType` the referrers API indexes. Typed parsing is done with `oci-spec`, whose image
//! manifest and index types also read Docker schema2 manifests and manifest lists (same shape).

use std::collections::BTreeMap;

use oci_spec::image::{Descriptor, ImageIndex, ImageManifest};
use serde_json::Value;

use crate::digest::Digest;

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const DOCKER_SCHEMA1: &str = "application/vnd.docker.distribution.manifest.v1+json";
pub const DOCKER_SCHEMA1_SIGNED: &str = "application/vnd.docker.distribution.manifest.v1+prettyjws";

/// Media types a client may ask for in `Accept` and the registry serves.
pub const SERVED_MEDIA_TYPES: [&str; 4] = [
    OCI_MANIFEST,
    OCI_INDEX,
    DOCKER_MANIFEST,
    DOCKER_MANIFEST_LIST,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ManifestKind {
    /// An image (or artifact) manifest: a config and layers.
    Image,
    /// An index or manifest list: child manifests.
    Index,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ManifestError {
    #[error("manifest invalid: {0}")]
    Invalid(String),
    #[error("{0}")]
    Unsupported(String),
}

/// A manifest as the registry understands it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedManifest {
    pub kind: ManifestKind,
    /// The media type it is stored and served with.
    pub media_type: String,
    /// Blobs that must be present in the repository: the config and every layer, except
    /// non-distributable layers that carry `urls` (they live elsewhere by design).
    pub blobs: Vec<Digest>,
    /// Child manifests of an index that must be present in the repository.
    pub manifests: Vec<Digest>,
    /// The manifest this one refers to (OCI 1.1 `subject`).
    pub subject: Option<Digest>,
    /// `artifactType`, or for an image manifest without one the config's media type, as the
    /// referrers API reports it.
    pub artifact_type: Option<String>,
    pub annotations: BTreeMap<String, String>,
}

/// `Content-Type` values that say nothing about which manifest this is.
fn is_generic_content_type(ct: &str) -> bool {
    matches!(
        ct,
        "" | "application/json" | "application/octet-stream" | "*/*"
    )
}

fn strip_params(ct: &str) -> &str {
    ct.split(';').next().unwrap_or("").trim()
}

fn digest_of(d: &Descriptor) -> Result<Digest, ManifestError> {
    d.digest()
        .to_string()
        .parse()
        .map_err(|e| ManifestError::Invalid(format!("descriptor digest: {e}")))
}

fn annotations(a: &Option<std::collections::HashMap<String, String>>) -> BTreeMap<String, String> {
    a.iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Reads a pushed manifest. `content_type` is the request's `Content-Type` header, if any.
pub fn parse(bytes: &[u8], content_type: Option<&str>) -> Result<ParsedManifest, ManifestError> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| ManifestError::Invalid(format!("not valid JSON: {e}")))?;
    let Value::Object(obj) = &value else {
        return Err(ManifestError::Invalid(
            "a manifest must be a JSON object".into(),
        ));
    };
    match obj.get("schemaVersion").and_then(Value::as_i64) {
        Some(2) => {}
        Some(1) => {
            return Err(ManifestError::Unsupported(
                "Docker schema1 manifests are not supported: push schema2 or OCI (e.g. skopeo copy --format v2s2)".into(),
            ))
        }
        _ => return Err(ManifestError::Invalid("schemaVersion must be 2".into())),
    }
    let body_type = match obj.get("mediaType") {
        None => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => return Err(ManifestError::Invalid("mediaType must be a string".into())),
    };
    let header_type = content_type
        .map(strip_params)
        .filter(|ct| !is_generic_content_type(ct));
    if let (Some(b), Some(h)) = (body_type, header_type) {
        if b != h {
            return Err(ManifestError::Invalid(format!(
                "Content-Type {h:?} does not match the manifest's mediaType {b:?}"
            )));
        }
    }
    let media_type = match body_type.or(header_type) {
        Some(t) => t.to_string(),
        // No type anywhere: tell an index from an image manifest by its shape.
        None if obj.contains_key("manifests") => OCI_INDEX.to_string(),
        None if obj.contains_key("config") => OCI_MANIFEST.to_string(),
        None => {
            return Err(ManifestError::Invalid(
                "no media type: set mediaType in the manifest or the Content-Type header".into(),
            ))
        }
    };
    match media_type.as_str() {
        OCI_MANIFEST | DOCKER_MANIFEST => parse_image(bytes, media_type),
        OCI_INDEX | DOCKER_MANIFEST_LIST => parse_index(bytes, media_type),
        DOCKER_SCHEMA1 | DOCKER_SCHEMA1_SIGNED => Err(ManifestError::Unsupported(
            "Docker schema1 manifests are not supported: push schema2 or OCI".into(),
        )),
        other => Err(ManifestError::Invalid(format!(
            "unknown manifest media type {other:?}: expected one of {}",
            SERVED_MEDIA_TYPES.join(", ")
        ))),
    }
}

fn parse_image(bytes: &[u8], media_type: String) -> Result<ParsedManifest, ManifestError> {
    let m: ImageManifest = serde_json::from_slice(bytes)
        .map_err(|e| ManifestError::Invalid(format!("image manifest: {e}")))?;
    let mut blobs = vec![digest_of(m.config())?];
    for layer in m.layers() {
        let foreign = layer.urls().as_ref().is_some_and(|u| !u.is_empty());
        if !foreign {
            blobs.push(digest_of(layer)?);
        }
    }
    let artifact_type = m
        .artifact_type()
        .as_ref()
        .map(|t| t.to_string())
        .or_else(|| Some(m.config().media_type().to_string()));
    Ok(ParsedManifest {
        kind: ManifestKind::Image,
        media_type,
        blobs,
        manifests: Vec::new(),
        subject: m.subject().as_ref().map(digest_of).transpose()?,
        artifact_type,
        annotations: annotations(m.annotations()),
    })
}

fn parse_index(bytes: &[u8], media_type: String) -> Result<ParsedManifest, ManifestError> {
    let ix: ImageIndex = serde_json::from_slice(bytes)
        .map_err(|e| ManifestError::Invalid(format!("image index: {e}")))?;
    let manifests = ix
        .manifests()
        .iter()
        .map(digest_of)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ParsedManifest {
        kind: ManifestKind::Index,
        media_type,
        blobs: Vec::new(),
        manifests,
        subject: ix.subject().as_ref().map(digest_of).transpose()?,
        artifact_type: ix.artifact_type().as_ref().map(|t| t.to_string()),
        annotations: annotations(ix.annotations()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(c: char) -> String {
        format!("sha256:{}", c.to_string().repeat(64))
    }

    fn image(media_type: Option<&str>, extra: &str) -> Vec<u8> {
        let mt = media_type
            .map(|m| format!(r#""mediaType":"{m}","#))
            .unwrap_or_default();
        format!(
            r#"{{"schemaVersion":2,{mt}"config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}","size":2}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{}","size":3}}]{extra}}}"#,
            d('a'),
            d('b')
        )
        .into_bytes()
    }

    #[test]
    fn image_manifest_references_config_and_layers() {
        let p = parse(&image(Some(OCI_MANIFEST), ""), Some(OCI_MANIFEST)).unwrap();
        assert_eq!(p.kind, ManifestKind::Image);
        assert_eq!(
            p.blobs.iter().map(|x| x.to_string()).collect::<Vec<_>>(),
            [d('a'), d('b')]
        );
        assert_eq!(
            p.artifact_type.as_deref(),
            Some("application/vnd.oci.image.config.v1+json")
        );
    }

    #[test]
    fn media_type_comes_from_the_header_when_the_body_has_none() {
        let p = parse(&image(None, ""), Some(DOCKER_MANIFEST)).unwrap();
        assert_eq!(p.media_type, DOCKER_MANIFEST);
        let p = parse(&image(None, ""), Some("application/json")).unwrap();
        assert_eq!(p.media_type, OCI_MANIFEST);
    }

    #[test]
    fn header_and_body_media_types_must_agree() {
        let err = parse(&image(Some(OCI_MANIFEST), ""), Some(DOCKER_MANIFEST)).unwrap_err();
        assert!(matches!(err, ManifestError::Invalid(m) if m.contains("does not match")));
    }

    #[test]
    fn subject_and_artifact_type_are_read() {
        let extra = format!(
            r#","artifactType":"application/x-sig","subject":{{"mediaType":"{OCI_MANIFEST}","digest":"{}","size":9}}"#,
            d('c')
        );
        let p = parse(&image(Some(OCI_MANIFEST), &extra), None).unwrap();
        assert_eq!(p.subject.unwrap().to_string(), d('c'));
        assert_eq!(p.artifact_type.as_deref(), Some("application/x-sig"));
    }

    #[test]
    fn index_lists_its_children() {
        let body = format!(
            r#"{{"schemaVersion":2,"mediaType":"{DOCKER_MANIFEST_LIST}","manifests":[{{"mediaType":"{DOCKER_MANIFEST}","digest":"{}","size":5,"platform":{{"architecture":"amd64","os":"linux","features":["sse4"]}}}}]}}"#,
            d('e')
        );
        let p = parse(body.as_bytes(), Some(DOCKER_MANIFEST_LIST)).unwrap();
        assert_eq!(p.kind, ManifestKind::Index);
        assert_eq!(p.manifests.len(), 1);
        assert!(p.blobs.is_empty());
    }

    #[test]
    fn foreign_layers_with_urls_are_not_required() {
        let body = format!(
            r#"{{"schemaVersion":2,"config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}","size":2}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.nondistributable.v1.tar","digest":"{}","size":3,"urls":["https://example.com/l"]}}]}}"#,
            d('a'),
            d('f')
        );
        assert_eq!(parse(body.as_bytes(), None).unwrap().blobs.len(), 1);
    }

    #[test]
    fn garbage_schema1_and_unknown_types_are_refused() {
        assert!(matches!(
            parse(b"not json", None),
            Err(ManifestError::Invalid(_))
        ));
        assert!(matches!(parse(b"[]", None), Err(ManifestError::Invalid(_))));
        assert!(matches!(
            parse(br#"{"schemaVersion":1}"#, None),
            Err(ManifestError::Unsupported(_))
        ));
        assert!(matches!(
            parse(br#"{"schemaVersion":2,"mediaType":"text/plain"}"#, None),
            Err(ManifestError::Invalid(_))
        ));
        assert!(matches!(
            parse(br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{}}"#, None),
            Err(ManifestError::Invalid(_))
        ));
    }
}
