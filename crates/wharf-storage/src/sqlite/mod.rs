//! The embedded metadata store: SQLite in WAL mode, `synchronous=FULL`.
//!
//! One writer connection (every write is one `BEGIN IMMEDIATE` transaction) and a small pool of
//! reader connections, which WAL lets run beside the writer. Calls run on tokio's blocking pool.
//! Manifests are stored once per digest and linked into repositories; their references to blobs
//! and child manifests are indexed (`manifest_refs`) so that deletes can refuse to orphan them.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::Bytes;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use wharf_domain::{Digest, Reference, RepoName, Tag};

mod objects;

use self::objects::SqliteTxn;
use crate::{
    Change, MetaStore, Mirror, NewManifest, ObjectKey, ObjectList, ObjectTxn, Referrer, Removal,
    Result, Selector, StorageError, StoredManifest, StoredObject, UploadRecord,
};

const READERS: usize = 4;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS repositories (
    name TEXT PRIMARY KEY
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blob_links (
    repo TEXT NOT NULL,
    digest TEXT NOT NULL,
    size INTEGER NOT NULL,
    PRIMARY KEY (repo, digest)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS manifests (
    digest TEXT PRIMARY KEY,
    media_type TEXT NOT NULL,
    content BLOB NOT NULL,
    subject TEXT,
    artifact_type TEXT,
    annotations TEXT
);
CREATE INDEX IF NOT EXISTS manifests_by_subject ON manifests (subject) WHERE subject IS NOT NULL;
CREATE TABLE IF NOT EXISTS manifest_links (
    repo TEXT NOT NULL,
    digest TEXT NOT NULL,
    PRIMARY KEY (repo, digest)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS manifest_refs (
    digest TEXT NOT NULL,
    target TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('blob', 'manifest')),
    PRIMARY KEY (digest, kind, target)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS manifest_refs_by_target ON manifest_refs (target, kind);
CREATE TABLE IF NOT EXISTS tags (
    repo TEXT NOT NULL,
    tag TEXT NOT NULL,
    digest TEXT NOT NULL,
    PRIMARY KEY (repo, tag)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tags_by_digest ON tags (repo, digest);
CREATE TABLE IF NOT EXISTS uploads (
    id TEXT PRIMARY KEY,
    repo TEXT NOT NULL,
    started INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS uploads_by_age ON uploads (started);
"#;

pub struct SqliteMetaStore {
    writer: Arc<Mutex<Connection>>,
    readers: Arc<Vec<Mutex<Connection>>>,
    next_reader: AtomicUsize,
    revisions: Arc<tokio::sync::watch::Sender<u64>>,
}

fn backend(e: rusqlite::Error) -> StorageError {
    StorageError::Backend(e.to_string())
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(())
}

fn parse_digest(s: String) -> rusqlite::Result<Digest> {
    s.parse().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

impl SqliteMetaStore {
    /// Opens (creating and migrating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Self> {
        let writer = Connection::open(path).map_err(backend)?;
        configure(&writer).map_err(backend)?;
        writer.execute_batch(SCHEMA).map_err(backend)?;
        writer.execute_batch(objects::SCHEMA).map_err(backend)?;
        let revision = objects::current_revision(&writer).map_err(backend)?;
        let readers = (0..READERS)
            .map(|_| {
                let c = Connection::open(path)?;
                configure(&c)?;
                Ok(Mutex::new(c))
            })
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(backend)?;
        Ok(SqliteMetaStore {
            writer: Arc::new(Mutex::new(writer)),
            readers: Arc::new(readers),
            next_reader: AtomicUsize::new(0),
            revisions: Arc::new(tokio::sync::watch::channel(revision).0),
        })
    }

    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T> {
        let readers = self.readers.clone();
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % readers.len();
        tokio::task::spawn_blocking(move || {
            let conn = readers[i].lock().unwrap_or_else(|p| p.into_inner());
            f(&conn).map_err(backend)
        })
        .await
        .map_err(|e| StorageError::Backend(format!("blocking task failed: {e}")))?
    }

    /// Runs `f` in one immediate transaction; commits if it returns `Ok`, then announces the
    /// new resourceVersion if `f` wrote API objects.
    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut SqliteTxn) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let writer = self.writer.clone();
        let revisions = self.revisions.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = writer.lock().unwrap_or_else(|p| p.into_inner());
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(backend)?;
            let mut txn = SqliteTxn::new(&tx);
            let out = f(&mut txn)?;
            let written = txn.last_rv;
            tx.commit().map_err(backend)?;
            if let Some(rv) = written {
                revisions.send_replace(rv);
            }
            Ok(out)
        })
        .await
        .map_err(|e| StorageError::Backend(format!("blocking task failed: {e}")))?
    }
}

fn ensure_repo(tx: &rusqlite::Transaction, repo: &str) -> Result<()> {
    tx.execute(
        "INSERT OR IGNORE INTO repositories (name) VALUES (?1)",
        [repo],
    )
    .map_err(backend)?;
    Ok(())
}

/// SQLite's "no limit".
fn sql_limit(limit: Option<usize>) -> i64 {
    limit.map_or(-1, |l| l.min(i64::MAX as usize) as i64)
}

#[async_trait]
impl MetaStore for SqliteMetaStore {
    async fn link_blob(&self, repo: &RepoName, digest: &Digest, size: u64) -> Result<()> {
        let (repo, digest) = (repo.to_string(), digest.to_string());
        self.write(move |tx| {
            ensure_repo(tx, &repo)?;
            tx.execute(
                "INSERT OR IGNORE INTO blob_links (repo, digest, size) VALUES (?1, ?2, ?3)",
                params![repo, digest, size as i64],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn blob_link(&self, repo: &RepoName, digest: &Digest) -> Result<Option<u64>> {
        let (repo, digest) = (repo.to_string(), digest.to_string());
        self.read(move |c| {
            c.prepare_cached("SELECT size FROM blob_links WHERE repo = ?1 AND digest = ?2")?
                .query_row([repo, digest], |r| r.get::<_, i64>(0))
                .optional()
                .map(|s| s.map(|s| s as u64))
        })
        .await
    }

    async fn unlink_blob(&self, repo: &RepoName, digest: &Digest) -> Result<Removal> {
        let (repo, digest) = (repo.to_string(), digest.to_string());
        self.write(move |tx| {
            let user: Option<String> = tx
                .query_row(
                    "SELECT r.digest FROM manifest_refs r
                     JOIN manifest_links l ON l.digest = r.digest AND l.repo = ?1
                     WHERE r.target = ?2 AND r.kind = 'blob' LIMIT 1",
                    [&repo, &digest],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?;
            if let Some(user) = user {
                return Ok(Removal::ReferencedBy(parse_digest(user).map_err(backend)?));
            }
            let n = tx
                .execute(
                    "DELETE FROM blob_links WHERE repo = ?1 AND digest = ?2",
                    [&repo, &digest],
                )
                .map_err(backend)?;
            Ok(if n > 0 {
                Removal::Removed
            } else {
                Removal::NotFound
            })
        })
        .await
    }

    async fn put_manifest(
        &self,
        repo: &RepoName,
        m: NewManifest<'_>,
        tag: Option<&Tag>,
        mirror: Option<Mirror>,
    ) -> Result<()> {
        let repo = repo.to_string();
        let digest = m.digest.to_string();
        let media_type = m.media_type.to_string();
        let content = m.content.to_vec();
        let blobs: Vec<Digest> = m.blobs.to_vec();
        let children: Vec<Digest> = m.manifests.to_vec();
        let subject = m.subject.map(ToString::to_string);
        let artifact_type = m.artifact_type.map(str::to_string);
        let annotations = (!m.annotations.is_empty())
            .then(|| serde_json::to_string(m.annotations).expect("string map serializes"));
        let tag = tag.map(|t| t.to_string());
        self.write(move |tx| {
            // Invariant 1: everything referenced must already be present in this repository.
            let mut missing = Vec::new();
            {
                let mut blob_q = tx
                    .prepare_cached("SELECT 1 FROM blob_links WHERE repo = ?1 AND digest = ?2")
                    .map_err(backend)?;
                for b in &blobs {
                    if !blob_q.exists([&repo, &b.to_string()]).map_err(backend)? {
                        missing.push(b.clone());
                    }
                }
                let mut man_q = tx
                    .prepare_cached("SELECT 1 FROM manifest_links WHERE repo = ?1 AND digest = ?2")
                    .map_err(backend)?;
                for c in &children {
                    if !man_q.exists([&repo, &c.to_string()]).map_err(backend)? {
                        missing.push(c.clone());
                    }
                }
            }
            if !missing.is_empty() {
                missing.dedup();
                return Err(StorageError::MissingReferences(missing));
            }
            ensure_repo(tx, &repo)?;
            let inserted = tx
                .execute(
                    "INSERT OR IGNORE INTO manifests (digest, media_type, content, subject, artifact_type, annotations)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![digest, media_type, content, subject, artifact_type, annotations],
                )
                .map_err(backend)?;
            if inserted > 0 {
                let mut r = tx
                    .prepare_cached("INSERT OR IGNORE INTO manifest_refs (digest, target, kind) VALUES (?1, ?2, ?3)")
                    .map_err(backend)?;
                for b in &blobs {
                    r.execute(params![digest, b.to_string(), "blob"]).map_err(backend)?;
                }
                for c in &children {
                    r.execute(params![digest, c.to_string(), "manifest"]).map_err(backend)?;
                }
            }
            tx.execute(
                "INSERT OR IGNORE INTO manifest_links (repo, digest) VALUES (?1, ?2)",
                [&repo, &digest],
            )
            .map_err(backend)?;
            if let Some(tag) = tag {
                tx.execute(
                    "INSERT INTO tags (repo, tag, digest) VALUES (?1, ?2, ?3)
                     ON CONFLICT (repo, tag) DO UPDATE SET digest = excluded.digest",
                    [&repo, &tag, &digest],
                )
                .map_err(backend)?;
            }
            if let Some(mirror) = mirror {
                mirror(tx)?;
            }
            Ok(())
        })
        .await
    }

    async fn manifest(
        &self,
        repo: &RepoName,
        reference: &Reference,
    ) -> Result<Option<StoredManifest>> {
        let repo = repo.to_string();
        let reference = reference.clone();
        self.read(move |c| {
            let row = |r: &rusqlite::Row| -> rusqlite::Result<(String, String, Vec<u8>)> {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            };
            let found = match &reference {
                Reference::Tag(t) => c
                    .prepare_cached(
                        "SELECT m.digest, m.media_type, m.content FROM tags t
                         JOIN manifests m ON m.digest = t.digest
                         WHERE t.repo = ?1 AND t.tag = ?2",
                    )?
                    .query_row([&repo, t.as_str()], row)
                    .optional()?,
                Reference::Digest(d) => c
                    .prepare_cached(
                        "SELECT m.digest, m.media_type, m.content FROM manifest_links l
                         JOIN manifests m ON m.digest = l.digest
                         WHERE l.repo = ?1 AND l.digest = ?2",
                    )?
                    .query_row([&repo, &d.to_string()], row)
                    .optional()?,
            };
            found
                .map(|(d, media_type, content)| {
                    Ok(StoredManifest {
                        digest: parse_digest(d)?,
                        media_type,
                        content: Bytes::from(content),
                    })
                })
                .transpose()
        })
        .await
    }

    async fn delete_manifest(
        &self,
        repo: &RepoName,
        digest: &Digest,
        mirror: Option<Mirror>,
    ) -> Result<Removal> {
        let (repo, digest) = (repo.to_string(), digest.to_string());
        self.write(move |tx| {
            let linked = tx
                .query_row(
                    "SELECT 1 FROM manifest_links WHERE repo = ?1 AND digest = ?2",
                    [&repo, &digest],
                    |_| Ok(()),
                )
                .optional()
                .map_err(backend)?;
            if linked.is_none() {
                return Ok(Removal::NotFound);
            }
            let parent: Option<String> = tx
                .query_row(
                    "SELECT r.digest FROM manifest_refs r
                     JOIN manifest_links l ON l.digest = r.digest AND l.repo = ?1
                     WHERE r.target = ?2 AND r.kind = 'manifest' AND r.digest != ?2 LIMIT 1",
                    [&repo, &digest],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?;
            if let Some(parent) = parent {
                return Ok(Removal::ReferencedBy(
                    parse_digest(parent).map_err(backend)?,
                ));
            }
            tx.execute(
                "DELETE FROM tags WHERE repo = ?1 AND digest = ?2",
                [&repo, &digest],
            )
            .map_err(backend)?;
            tx.execute(
                "DELETE FROM manifest_links WHERE repo = ?1 AND digest = ?2",
                [&repo, &digest],
            )
            .map_err(backend)?;
            // The content row goes when no repository links it any more.
            let still_linked = tx
                .query_row(
                    "SELECT 1 FROM manifest_links WHERE digest = ?1 LIMIT 1",
                    [&digest],
                    |_| Ok(()),
                )
                .optional()
                .map_err(backend)?;
            if still_linked.is_none() {
                tx.execute("DELETE FROM manifest_refs WHERE digest = ?1", [&digest])
                    .map_err(backend)?;
                tx.execute("DELETE FROM manifests WHERE digest = ?1", [&digest])
                    .map_err(backend)?;
            }
            if let Some(mirror) = mirror {
                mirror(tx)?;
            }
            Ok(Removal::Removed)
        })
        .await
    }

    async fn delete_tag(&self, repo: &RepoName, tag: &Tag, mirror: Option<Mirror>) -> Result<bool> {
        let (repo, tag) = (repo.to_string(), tag.to_string());
        self.write(move |tx| {
            let n = tx
                .execute(
                    "DELETE FROM tags WHERE repo = ?1 AND tag = ?2",
                    [&repo, &tag],
                )
                .map_err(backend)?;
            if let (true, Some(mirror)) = (n > 0, mirror) {
                mirror(tx)?;
            }
            Ok(n > 0)
        })
        .await
    }

    async fn tags(
        &self,
        repo: &RepoName,
        after: Option<&str>,
        limit: Option<usize>,
    ) -> Result<Option<Vec<String>>> {
        let repo = repo.to_string();
        let after = after.unwrap_or("").to_string();
        let limit = sql_limit(limit);
        self.read(move |c| {
            let known = c
                .prepare_cached("SELECT 1 FROM repositories WHERE name = ?1")?
                .exists([&repo])?;
            if !known {
                return Ok(None);
            }
            let tags = c
                .prepare_cached(
                    "SELECT tag FROM tags WHERE repo = ?1 AND tag > ?2 ORDER BY tag LIMIT ?3",
                )?
                .query_map(params![repo, after, limit], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?;
            Ok(Some(tags))
        })
        .await
    }

    async fn repositories(&self, after: Option<&str>, limit: Option<usize>) -> Result<Vec<String>> {
        let after = after.unwrap_or("").to_string();
        let limit = sql_limit(limit);
        self.read(move |c| {
            c.prepare_cached(
                "SELECT name FROM repositories WHERE name > ?1 ORDER BY name LIMIT ?2",
            )?
            .query_map(params![after, limit], |r| r.get(0))?
            .collect()
        })
        .await
    }

    async fn referrers(&self, repo: &RepoName, subject: &Digest) -> Result<Vec<Referrer>> {
        let (repo, subject) = (repo.to_string(), subject.to_string());
        self.read(move |c| {
            c.prepare_cached(
                "SELECT m.digest, m.media_type, length(m.content), m.artifact_type, m.annotations
                 FROM manifests m JOIN manifest_links l ON l.digest = m.digest AND l.repo = ?1
                 WHERE m.subject = ?2 ORDER BY m.digest",
            )?
            .query_map([&repo, &subject], |r| {
                let annotations: Option<String> = r.get(4)?;
                Ok(Referrer {
                    digest: parse_digest(r.get(0)?)?,
                    media_type: r.get(1)?,
                    size: r.get::<_, i64>(2)? as u64,
                    artifact_type: r.get(3)?,
                    annotations: annotations
                        .and_then(|a| serde_json::from_str::<BTreeMap<String, String>>(&a).ok())
                        .unwrap_or_default(),
                })
            })?
            .collect()
        })
        .await
    }

    async fn create_upload(&self, id: &str, repo: &RepoName, now: i64) -> Result<()> {
        let (id, repo) = (id.to_string(), repo.to_string());
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO uploads (id, repo, started) VALUES (?1, ?2, ?3)",
                params![id, repo, now],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn upload(&self, id: &str) -> Result<Option<UploadRecord>> {
        let id = id.to_string();
        self.read(move |c| {
            c.prepare_cached("SELECT repo, started FROM uploads WHERE id = ?1")?
                .query_row([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
                .optional()
        })
        .await?
        .map(|(repo, started)| {
            Ok(UploadRecord {
                repo: repo
                    .parse()
                    .map_err(|e| StorageError::Backend(format!("stored repository name: {e}")))?,
                started,
            })
        })
        .transpose()
    }

    async fn finish_upload(&self, id: &str, blob: Option<(&Digest, u64)>) -> Result<()> {
        let id = id.to_string();
        let blob = blob.map(|(d, s)| (d.to_string(), s));
        self.write(move |tx| {
            let repo: Option<String> = tx
                .query_row(
                    "DELETE FROM uploads WHERE id = ?1 RETURNING repo",
                    [&id],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?;
            if let (Some(repo), Some((digest, size))) = (repo, blob) {
                ensure_repo(tx, &repo)?;
                tx.execute(
                    "INSERT OR IGNORE INTO blob_links (repo, digest, size) VALUES (?1, ?2, ?3)",
                    params![repo, digest, size as i64],
                )
                .map_err(backend)?;
            }
            Ok(())
        })
        .await
    }

    async fn uploads_started_before(&self, before: i64) -> Result<Vec<String>> {
        self.read(move |c| {
            c.prepare_cached("SELECT id FROM uploads WHERE started < ?1 ORDER BY started")?
                .query_map([before], |r| r.get(0))?
                .collect()
        })
        .await
    }

    async fn get_object(&self, key: &ObjectKey) -> Result<Option<StoredObject>> {
        let key = key.clone();
        self.read(move |c| objects::get(c, &key)).await
    }

    async fn create_object(&self, key: &ObjectKey, value: serde_json::Value) -> Result<u64> {
        let key = key.clone();
        self.write(move |tx| tx.create(&key, &value)).await
    }

    async fn update_object(
        &self,
        key: &ObjectKey,
        value: serde_json::Value,
        precondition: Option<u64>,
    ) -> Result<u64> {
        let key = key.clone();
        self.write(move |tx| tx.update(&key, &value, precondition))
            .await
    }

    async fn delete_object(
        &self,
        key: &ObjectKey,
        precondition: Option<u64>,
    ) -> Result<StoredObject> {
        let key = key.clone();
        self.write(move |tx| tx.delete(&key, precondition)).await
    }

    async fn list_objects(
        &self,
        selector: &Selector,
        after: Option<(&str, &str)>,
        limit: Option<usize>,
    ) -> Result<ObjectList> {
        let selector = selector.clone();
        let after = after.map(|(ns, n)| (ns.to_string(), n.to_string()));
        let limit = sql_limit(limit);
        self.read(move |c| {
            // One snapshot for the items and the revision they are as of.
            let tx = c.unchecked_transaction()?;
            let items = objects::list(
                &tx,
                &selector,
                after.as_ref().map(|(a, b)| (a.as_str(), b.as_str())),
                limit,
            )?;
            let resource_version = objects::current_revision(&tx)?;
            tx.finish()?;
            Ok(ObjectList {
                items,
                resource_version,
            })
        })
        .await
    }

    async fn changes_since(
        &self,
        selector: &Selector,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Change>> {
        let selector = selector.clone();
        let (compacted, changes) = self
            .read(move |c| {
                let tx = c.unchecked_transaction()?;
                let compacted = objects::compacted_through(&tx)?;
                let changes = objects::changes(&tx, &selector, after, sql_limit(Some(limit)))?;
                tx.finish()?;
                Ok((compacted, changes))
            })
            .await?;
        if after < compacted {
            return Err(StorageError::Compacted { oldest: compacted });
        }
        Ok(changes)
    }

    async fn compact_changes(&self, keep: u64) -> Result<u64> {
        self.write(move |tx| objects::compact(tx, keep).map_err(backend))
            .await
    }

    fn revisions(&self) -> tokio::sync::watch::Receiver<u64> {
        self.revisions.subscribe()
    }

    async fn transact(&self, work: Mirror) -> Result<()> {
        self.write(move |tx| work(tx)).await
    }
}
