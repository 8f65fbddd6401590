//! Wharf's domain: the plain logic every other crate relies on, with no I/O.
//!
//! - [`digest`]: content digests (`sha256:…`, `sha512:…`) and streaming digesters;
//! - [`name`]: repository names, tags and manifest references as the distribution spec defines them;
//! - [`manifest`]: what a pushed manifest is and what it references (blobs, child manifests, subject).
//!
//! Nothing here touches the network, the disk or the clock, so every rule is unit-tested directly.

pub mod digest;
pub mod gofmt;
pub mod image;
pub mod imagestream;
pub mod import;
pub mod manifest;
pub mod name;
pub mod rbac;
pub mod reference;
pub mod stream_spec;
pub mod tag_resolution;
pub mod template;
pub mod time;

pub use digest::{Algorithm, Digest, DigestError, Digester};
pub use manifest::{ManifestError, ManifestKind, ParsedManifest};
pub use name::{NameError, Reference, RepoName, Tag};
