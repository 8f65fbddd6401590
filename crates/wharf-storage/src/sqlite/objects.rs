//! API objects in SQLite: `objects` holds the current state, `changes` every write. The
//! change's `rv` (an AUTOINCREMENT key, never reused even after compaction) is the object's
//! resourceVersion, so the global order of writes is the order of the log.

use std::ops::Deref;

use rusqlite::{params, OptionalExtension, Transaction};
use serde_json::Value;

use super::backend;
use crate::objects::{Change, ChangeKind, ObjectKey, ObjectTxn, Selector, StoredObject};
use crate::{Result, StorageError};

pub(super) const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS objects (
    grp TEXT NOT NULL,
    resource TEXT NOT NULL,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    rv INTEGER NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (grp, resource, namespace, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS changes (
    rv INTEGER PRIMARY KEY AUTOINCREMENT,
    grp TEXT NOT NULL,
    resource TEXT NOT NULL,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS changes_by_resource ON changes (grp, resource, rv);
CREATE TABLE IF NOT EXISTS store_state (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
"#;

/// A write transaction, with the resourceVersion of its last object write (to announce after
/// commit). Derefs to the SQLite transaction for the registry's own tables.
pub(crate) struct SqliteTxn<'a> {
    tx: &'a Transaction<'a>,
    pub(super) last_rv: Option<u64>,
}

impl<'a> SqliteTxn<'a> {
    pub(super) fn new(tx: &'a Transaction<'a>) -> Self {
        SqliteTxn { tx, last_rv: None }
    }

    fn record(&mut self, key: &ObjectKey, kind: ChangeKind, value: &str) -> Result<u64> {
        self.tx
            .prepare_cached(
                "INSERT INTO changes (grp, resource, namespace, name, kind, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .and_then(|mut s| s.execute(params![key.group, key.resource, key.namespace, key.name, kind.as_str(), value]))
            .map_err(backend)?;
        let rv = self.tx.last_insert_rowid() as u64;
        self.last_rv = Some(rv);
        Ok(rv)
    }

    fn current(&mut self, key: &ObjectKey, precondition: Option<u64>) -> Result<StoredObject> {
        let cur = self.get(key)?.ok_or(StorageError::NotFound)?;
        match precondition {
            Some(p) if p != cur.resource_version => Err(StorageError::Conflict {
                current: cur.resource_version,
            }),
            _ => Ok(cur),
        }
    }
}

impl<'a> Deref for SqliteTxn<'a> {
    type Target = Transaction<'a>;
    fn deref(&self) -> &Transaction<'a> {
        self.tx
    }
}

fn to_text(v: &Value) -> String {
    serde_json::to_string(v).expect("a JSON value serializes")
}

fn from_text(s: &str) -> rusqlite::Result<Value> {
    serde_json::from_str(s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

pub(super) fn get(
    c: &rusqlite::Connection,
    key: &ObjectKey,
) -> rusqlite::Result<Option<StoredObject>> {
    c.prepare_cached("SELECT rv, value FROM objects WHERE grp = ?1 AND resource = ?2 AND namespace = ?3 AND name = ?4")?
        .query_row(params![key.group, key.resource, key.namespace, key.name], |r| {
            Ok(StoredObject {
                key: key.clone(),
                resource_version: r.get::<_, i64>(0)? as u64,
                value: from_text(&r.get::<_, String>(1)?)?,
            })
        })
        .optional()
}

impl ObjectTxn for SqliteTxn<'_> {
    fn get(&mut self, key: &ObjectKey) -> Result<Option<StoredObject>> {
        get(self.tx, key).map_err(backend)
    }

    fn create(&mut self, key: &ObjectKey, value: &Value) -> Result<u64> {
        if self.get(key)?.is_some() {
            return Err(StorageError::AlreadyExists);
        }
        let text = to_text(value);
        let rv = self.record(key, ChangeKind::Added, &text)?;
        self.tx
            .execute(
                "INSERT INTO objects (grp, resource, namespace, name, rv, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![key.group, key.resource, key.namespace, key.name, rv as i64, text],
            )
            .map_err(backend)?;
        Ok(rv)
    }

    fn update(&mut self, key: &ObjectKey, value: &Value, precondition: Option<u64>) -> Result<u64> {
        self.current(key, precondition)?;
        let text = to_text(value);
        let rv = self.record(key, ChangeKind::Modified, &text)?;
        self.tx
            .execute(
                "UPDATE objects SET rv = ?5, value = ?6 WHERE grp = ?1 AND resource = ?2 AND namespace = ?3 AND name = ?4",
                params![key.group, key.resource, key.namespace, key.name, rv as i64, text],
            )
            .map_err(backend)?;
        Ok(rv)
    }

    fn delete(&mut self, key: &ObjectKey, precondition: Option<u64>) -> Result<StoredObject> {
        let cur = self.current(key, precondition)?;
        let rv = self.record(key, ChangeKind::Deleted, &to_text(&cur.value))?;
        self.tx
            .execute(
                "DELETE FROM objects WHERE grp = ?1 AND resource = ?2 AND namespace = ?3 AND name = ?4",
                params![key.group, key.resource, key.namespace, key.name],
            )
            .map_err(backend)?;
        Ok(StoredObject {
            resource_version: rv,
            ..cur
        })
    }

    fn put_repository_tags(
        &mut self,
        repo: &wharf_domain::RepoName,
        tags: &[(wharf_domain::Tag, wharf_domain::Digest)],
    ) -> Result<()> {
        let repo = repo.as_str();
        let mut upsert = self
            .tx
            .prepare_cached(
                "INSERT INTO tags (repo, tag, digest)
                 SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM manifest_links WHERE repo = ?1 AND digest = ?3)
                 ON CONFLICT (repo, tag) DO UPDATE SET digest = excluded.digest",
            )
            .map_err(backend)?;
        for (tag, digest) in tags {
            upsert
                .execute(params![repo, tag.as_str(), digest.to_string()])
                .map_err(backend)?;
        }
        Ok(())
    }

    fn set_repository_tags(
        &mut self,
        repo: &wharf_domain::RepoName,
        tags: &[(wharf_domain::Tag, wharf_domain::Digest)],
    ) -> Result<()> {
        let repo = repo.as_str();
        self.tx
            .execute("DELETE FROM tags WHERE repo = ?1", [repo])
            .map_err(backend)?;
        let mut insert = self
            .tx
            .prepare_cached(
                "INSERT INTO tags (repo, tag, digest)
                 SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM manifest_links WHERE repo = ?1 AND digest = ?3)",
            )
            .map_err(backend)?;
        for (tag, digest) in tags {
            insert
                .execute(params![repo, tag.as_str(), digest.to_string()])
                .map_err(backend)?;
        }
        Ok(())
    }
}

/// The newest resourceVersion ever assigned (0 before the first write).
pub(super) fn current_revision(c: &rusqlite::Connection) -> rusqlite::Result<u64> {
    Ok(
        c.prepare_cached("SELECT seq FROM sqlite_sequence WHERE name = 'changes'")?
            .query_row([], |r| r.get::<_, i64>(0))
            .optional()?
            .unwrap_or(0) as u64,
    )
}

/// The resourceVersion up to which the change log has been dropped (0: nothing dropped).
pub(super) fn compacted_through(c: &rusqlite::Connection) -> rusqlite::Result<u64> {
    Ok(
        c.prepare_cached("SELECT value FROM store_state WHERE key = 'compacted_through'")?
            .query_row([], |r| r.get::<_, i64>(0))
            .optional()?
            .unwrap_or(0) as u64,
    )
}

fn kind_of(s: &str) -> ChangeKind {
    match s {
        "ADDED" => ChangeKind::Added,
        "DELETED" => ChangeKind::Deleted,
        _ => ChangeKind::Modified,
    }
}

pub(super) fn list(
    c: &rusqlite::Connection,
    sel: &Selector,
    after: Option<(&str, &str)>,
    limit: i64,
) -> rusqlite::Result<Vec<StoredObject>> {
    let (after_ns, after_name) = after.unwrap_or(("", ""));
    let mut q = c.prepare_cached(
        "SELECT namespace, name, rv, value FROM objects
         WHERE grp = ?1 AND resource = ?2 AND (?3 IS NULL OR namespace = ?3)
           AND (namespace, name) > (?4, ?5)
         ORDER BY namespace, name LIMIT ?6",
    )?;
    let rows = q.query_map(
        params![
            sel.group,
            sel.resource,
            sel.namespace,
            after_ns,
            after_name,
            limit
        ],
        |r| {
            Ok(StoredObject {
                key: ObjectKey::new(
                    &sel.group,
                    &sel.resource,
                    &r.get::<_, String>(0)?,
                    &r.get::<_, String>(1)?,
                ),
                resource_version: r.get::<_, i64>(2)? as u64,
                value: from_text(&r.get::<_, String>(3)?)?,
            })
        },
    )?;
    rows.collect()
}

pub(super) fn changes(
    c: &rusqlite::Connection,
    sel: &Selector,
    after: u64,
    limit: i64,
) -> rusqlite::Result<Vec<Change>> {
    let mut q = c.prepare_cached(
        "SELECT rv, kind, namespace, name, value FROM changes
         WHERE grp = ?1 AND resource = ?2 AND (?3 IS NULL OR namespace = ?3) AND rv > ?4
         ORDER BY rv LIMIT ?5",
    )?;
    let rows = q.query_map(
        params![sel.group, sel.resource, sel.namespace, after as i64, limit],
        |r| {
            Ok(Change {
                kind: kind_of(&r.get::<_, String>(1)?),
                object: StoredObject {
                    key: ObjectKey::new(
                        &sel.group,
                        &sel.resource,
                        &r.get::<_, String>(2)?,
                        &r.get::<_, String>(3)?,
                    ),
                    resource_version: r.get::<_, i64>(0)? as u64,
                    value: from_text(&r.get::<_, String>(4)?)?,
                },
            })
        },
    )?;
    rows.collect()
}

/// Drops all but the newest `keep` changes; records how far the log now starts.
pub(super) fn compact(tx: &Transaction, keep: u64) -> rusqlite::Result<u64> {
    let through = current_revision(tx)?.saturating_sub(keep);
    if through <= compacted_through(tx)? {
        return Ok(0);
    }
    let n = tx.execute("DELETE FROM changes WHERE rv <= ?1", [through as i64])?;
    tx.execute(
        "INSERT INTO store_state (key, value) VALUES ('compacted_through', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [through as i64],
    )?;
    Ok(n as u64)
}
