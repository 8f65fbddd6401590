//! Where Wharf keeps its state, behind two narrow traits.
//!
//! - [`BlobStore`]: content-addressed bytes (layers, configs), shared by every repository, and
//!   the upload sessions that produce them. The store itself verifies the digest on commit, so
//!   bytes can only ever become visible under their true digest (design invariant 2).
//! - [`MetaStore`]: everything else, transactional: which repository may read which blob,
//!   manifests, tags, referrers, upload sessions.
//!
//! Backends live side by side: [`fs::FsBlobStore`] and [`sqlite::SqliteMetaStore`] make the
//! embedded default. [`conformance`] is one test suite that every backend must pass; a new
//! backend (S3, PostgreSQL) runs it by invoking [`blob_store_conformance_tests!`] /
//! [`meta_store_conformance_tests!`] in a test file.

pub mod conformance;
pub mod fs;
pub mod objects;
pub mod sqlite;

use std::io;
use std::ops::Range;
use std::pin::Pin;
use std::time::SystemTime;

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::Stream;
use wharf_domain::{Digest, Reference, RepoName, Tag};

pub use objects::{
    Change, ChangeKind, Mirror, ObjectKey, ObjectList, ObjectTxn, Selector, StoredObject,
};

/// A body of bytes, streamed.
pub type ByteStream = Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>;

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("blob upload unknown")]
    UploadUnknown,
    #[error("upload offset mismatch: the upload holds {current} bytes")]
    OffsetMismatch { current: u64 },
    #[error("digest mismatch: the uploaded content hashes to {actual}")]
    DigestMismatch { actual: Digest },
    #[error("manifest references content missing from the repository: {}", list(.0))]
    MissingReferences(Vec<Digest>),
    #[error("object already exists")]
    AlreadyExists,
    #[error("object not found")]
    NotFound,
    #[error("the object has been modified: its resourceVersion is now {current}")]
    Conflict { current: u64 },
    #[error("changes up to resourceVersion {oldest} have been compacted")]
    Compacted { oldest: u64 },
    #[error("the request body broke off: {0}")]
    BodyInterrupted(io::Error),
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
    #[error("metadata store error: {0}")]
    Backend(String),
}

fn list(d: &[Digest]) -> String {
    d.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Content-addressed blob storage with resumable uploads.
///
/// Upload ids are chosen by the caller (UUIDs); a store rejects anything that is not a plain
/// `[A-Za-z0-9-]` token as [`StorageError::UploadUnknown`].
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// The size of a committed blob, or `None` if absent.
    async fn stat(&self, digest: &Digest) -> Result<Option<u64>>;
    /// Streams bytes `range` (end exclusive, within the blob's size) of a committed blob.
    async fn read(&self, digest: &Digest, range: Range<u64>) -> Result<ByteStream>;
    /// Removes a committed blob; `false` if it was not there.
    async fn delete(&self, digest: &Digest) -> Result<bool>;

    /// Starts an empty upload.
    async fn create_upload(&self, id: &str) -> Result<()>;
    /// How many bytes an upload holds, or `None` if it does not exist.
    async fn upload_size(&self, id: &str) -> Result<Option<u64>>;
    /// Appends `body` to an upload that holds exactly `offset` bytes
    /// ([`StorageError::OffsetMismatch`] otherwise). Returns the new size. Bytes received before
    /// a broken body are kept, so the client can resume from the size it reads back.
    async fn append_upload(&self, id: &str, offset: u64, body: ByteStream) -> Result<u64>;
    /// Verifies the upload hashes to `digest`, makes it durable and visible under that digest,
    /// and ends the upload. On [`StorageError::DigestMismatch`] the upload is discarded.
    async fn commit_upload(&self, id: &str, digest: &Digest) -> Result<u64>;
    /// Discards an upload; a no-op if it does not exist.
    async fn cancel_upload(&self, id: &str) -> Result<()>;
    /// Every upload with the time it last changed (for purging abandoned ones).
    async fn uploads(&self) -> Result<Vec<(String, SystemTime)>>;
}

/// A manifest being stored, with what it references (from `wharf_domain::manifest::parse`).
#[derive(Clone, Debug)]
pub struct NewManifest<'a> {
    pub digest: &'a Digest,
    pub media_type: &'a str,
    pub content: &'a [u8],
    pub blobs: &'a [Digest],
    pub manifests: &'a [Digest],
    pub subject: Option<&'a Digest>,
    pub artifact_type: Option<&'a str>,
    pub annotations: &'a std::collections::BTreeMap<String, String>,
}

/// A stored manifest, exactly as pushed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredManifest {
    pub digest: Digest,
    pub media_type: String,
    pub content: Bytes,
}

/// One entry of the referrers index for a subject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Referrer {
    pub digest: Digest,
    pub media_type: String,
    pub size: u64,
    pub artifact_type: Option<String>,
    pub annotations: std::collections::BTreeMap<String, String>,
}

/// An upload session's bookkeeping. How recently its bytes changed is the blob store's to
/// say ([`BlobStore::uploads`]): recording every append here would cost a durable write each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadRecord {
    pub repo: RepoName,
    /// Unix seconds when the upload was started.
    pub started: i64,
}

/// The outcome of removing something a manifest may still need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Removal {
    Removed,
    NotFound,
    /// A manifest in the same repository still references it.
    ReferencedBy(Digest),
}

/// Transactional metadata: repository links, manifests, tags, referrers, uploads.
#[async_trait]
pub trait MetaStore: Send + Sync + 'static {
    /// Makes `digest` readable from `repo` (creating the repository if new).
    async fn link_blob(&self, repo: &RepoName, digest: &Digest, size: u64) -> Result<()>;
    /// The size of `digest` if `repo` may read it.
    async fn blob_link(&self, repo: &RepoName, digest: &Digest) -> Result<Option<u64>>;
    /// Removes a blob from a repository unless a manifest there references it.
    async fn unlink_blob(&self, repo: &RepoName, digest: &Digest) -> Result<Removal>;

    /// In one transaction: checks that every blob and child manifest `m` references is present
    /// in `repo` ([`StorageError::MissingReferences`] otherwise), stores the manifest, points
    /// `tag` at it, and runs `mirror` (the API objects the push changes). If `mirror` fails,
    /// nothing is stored.
    async fn put_manifest(
        &self,
        repo: &RepoName,
        m: NewManifest<'_>,
        tag: Option<&Tag>,
        mirror: Option<Mirror>,
    ) -> Result<()>;
    async fn manifest(
        &self,
        repo: &RepoName,
        reference: &Reference,
    ) -> Result<Option<StoredManifest>>;
    /// Removes a manifest and every tag pointing at it, unless an index in `repo` lists it.
    /// Both deletes run `mirror` in their transaction when they removed something.
    async fn delete_manifest(
        &self,
        repo: &RepoName,
        digest: &Digest,
        mirror: Option<Mirror>,
    ) -> Result<Removal>;
    async fn delete_tag(&self, repo: &RepoName, tag: &Tag, mirror: Option<Mirror>) -> Result<bool>;
    /// Tags in byte order, after `after`, at most `limit`; `None` if the repository is unknown.
    async fn tags(
        &self,
        repo: &RepoName,
        after: Option<&str>,
        limit: Option<usize>,
    ) -> Result<Option<Vec<String>>>;
    /// Repository names in byte order, after `after`, at most `limit`.
    async fn repositories(&self, after: Option<&str>, limit: Option<usize>) -> Result<Vec<String>>;
    /// Manifests in `repo` whose `subject` is `subject`, ordered by digest.
    async fn referrers(&self, repo: &RepoName, subject: &Digest) -> Result<Vec<Referrer>>;

    async fn create_upload(&self, id: &str, repo: &RepoName, now: i64) -> Result<()>;
    async fn upload(&self, id: &str) -> Result<Option<UploadRecord>>;
    /// Ends an upload: removes its record and, if `blob` is given, links it to the upload's
    /// repository in the same transaction.
    async fn finish_upload(&self, id: &str, blob: Option<(&Digest, u64)>) -> Result<()>;
    /// Uploads started before `before` (unix seconds).
    async fn uploads_started_before(&self, before: i64) -> Result<Vec<String>>;

    // ---- API objects (see [`objects`]) ----

    async fn get_object(&self, key: &ObjectKey) -> Result<Option<StoredObject>>;
    async fn create_object(&self, key: &ObjectKey, value: serde_json::Value) -> Result<u64>;
    async fn update_object(
        &self,
        key: &ObjectKey,
        value: serde_json::Value,
        precondition: Option<u64>,
    ) -> Result<u64>;
    async fn delete_object(
        &self,
        key: &ObjectKey,
        precondition: Option<u64>,
    ) -> Result<StoredObject>;
    /// Objects of `selector` in (namespace, name) order, after `after` (namespace, name), at
    /// most `limit`, read in one snapshot with the store's resourceVersion at that moment.
    async fn list_objects(
        &self,
        selector: &Selector,
        after: Option<(&str, &str)>,
        limit: Option<usize>,
    ) -> Result<ObjectList>;
    /// Changes to `selector`'s objects with a resourceVersion above `after`, oldest first, at
    /// most `limit`. [`StorageError::Compacted`] if changes after `after` are no longer kept.
    async fn changes_since(
        &self,
        selector: &Selector,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Change>>;
    /// Drops change-log entries except the newest `keep`; returns how many were dropped.
    async fn compact_changes(&self, keep: u64) -> Result<u64>;
    /// The latest committed resourceVersion, updated after every commit that wrote objects
    /// (watchers wait on it, then read [`MetaStore::changes_since`]).
    fn revisions(&self) -> tokio::sync::watch::Receiver<u64>;
    /// Runs `work` in one transaction (read-modify-write of several objects).
    async fn transact(&self, work: Mirror) -> Result<()>;
}

/// Upload ids are path components on some backends: allow only a safe alphabet.
pub(crate) fn valid_upload_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}
