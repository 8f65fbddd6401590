//! API objects as the Kubernetes-style API stores them: JSON under (group, resource, namespace,
//! name), each write stamped with a global, strictly increasing resourceVersion, every write
//! recorded in a change log that watches replay.
//!
//! The store does not interpret the JSON: defaulting, validation and `metadata` bookkeeping are
//! the API server's. What the store guarantees:
//! - a write with a stale resourceVersion precondition fails with [`StorageError::Conflict`]
//!   (design invariant 4: two racing writers never lose an update);
//! - the change log holds every write in resourceVersion order until compacted; asking for
//!   changes older than what is kept is [`StorageError::Compacted`] (a watch answers 410 Gone);
//! - writes made through an [`ObjectTxn`] inside a registry transaction commit or roll back
//!   together with it (design invariant 5).

use serde_json::Value;

use crate::Result;

/// Where an API object lives. `namespace` is empty for cluster-scoped resources; `group` is
/// empty for the core group.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    pub group: String,
    pub resource: String,
    pub namespace: String,
    pub name: String,
}

impl ObjectKey {
    pub fn new(group: &str, resource: &str, namespace: &str, name: &str) -> Self {
        ObjectKey {
            group: group.into(),
            resource: resource.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }
}

/// An object as stored: its JSON and the resourceVersion of its last write.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredObject {
    pub key: ObjectKey,
    pub resource_version: u64,
    pub value: Value,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Modified,
    Deleted,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "ADDED",
            ChangeKind::Modified => "MODIFIED",
            ChangeKind::Deleted => "DELETED",
        }
    }
}

/// One entry of the change log. For a deletion, `object` is the last state, stamped with the
/// deletion's resourceVersion.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub kind: ChangeKind,
    pub object: StoredObject,
}

/// Which objects a list or a change query covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selector {
    pub group: String,
    pub resource: String,
    /// `None`: every namespace.
    pub namespace: Option<String>,
}

impl Selector {
    pub fn new(group: &str, resource: &str, namespace: Option<&str>) -> Self {
        Selector {
            group: group.into(),
            resource: resource.into(),
            namespace: namespace.map(str::to_string),
        }
    }
}

/// A page of a list: the items in (namespace, name) order and the store's resourceVersion at
/// the moment of the read.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectList {
    pub items: Vec<StoredObject>,
    pub resource_version: u64,
}

/// Object operations inside one metadata transaction. Synchronous on purpose: it runs inside
/// the backend's transaction, where only plain domain logic may run between the calls.
pub trait ObjectTxn {
    fn get(&mut self, key: &ObjectKey) -> Result<Option<StoredObject>>;
    /// Stores a new object; [`StorageError::AlreadyExists`] if one is there.
    fn create(&mut self, key: &ObjectKey, value: &Value) -> Result<u64>;
    /// Replaces an object; `precondition` is the resourceVersion the caller read, if any.
    fn update(&mut self, key: &ObjectKey, value: &Value, precondition: Option<u64>) -> Result<u64>;
    /// Removes an object; returns its last state with the deletion's resourceVersion.
    fn delete(&mut self, key: &ObjectKey, precondition: Option<u64>) -> Result<StoredObject>;
    /// Makes `repo`'s registry tags exactly `tags`, except tags whose manifest the repository
    /// does not hold (an imported image not stored locally): those are left out. This is how
    /// an API write keeps the registry's view in step with the object it mirrors.
    fn set_repository_tags(
        &mut self,
        repo: &wharf_domain::RepoName,
        tags: &[(wharf_domain::Tag, wharf_domain::Digest)],
    ) -> Result<()>;
    /// Points `tags` of `repo` at their manifests (each only if the repository holds it),
    /// leaving the repository's other tags alone: the cheap form for a push, where tags only
    /// move forward.
    fn put_repository_tags(
        &mut self,
        repo: &wharf_domain::RepoName,
        tags: &[(wharf_domain::Tag, wharf_domain::Digest)],
    ) -> Result<()>;
}

/// Work to do on API objects in the same transaction as a registry write.
pub type Mirror = Box<dyn FnOnce(&mut dyn ObjectTxn) -> Result<()> + Send>;

#[cfg(doc)]
use crate::StorageError;
