//! The storage conformance suite against the embedded backends: files and SQLite.

use std::sync::Arc;

use wharf_storage::fs::FsBlobStore;
use wharf_storage::sqlite::SqliteMetaStore;

async fn fs_store() -> (Arc<FsBlobStore>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (Arc::new(FsBlobStore::open(dir.path()).unwrap()), dir)
}

async fn sqlite_store() -> (Arc<SqliteMetaStore>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (
        Arc::new(SqliteMetaStore::open(&dir.path().join("meta.db")).unwrap()),
        dir,
    )
}

mod fs_blob_store {
    use super::*;
    wharf_storage::blob_store_conformance_tests!(fs_store());
}

mod sqlite_meta_store {
    use super::*;
    wharf_storage::meta_store_conformance_tests!(sqlite_store());
}
