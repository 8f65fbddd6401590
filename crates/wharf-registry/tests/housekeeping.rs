//! Abandoned uploads are purged after the expiry; live ones are kept.

mod common;

use std::time::{Duration, SystemTime};

use axum::http::Method;
use common::Harness;
use wharf_registry::housekeeping::{purge_abandoned_uploads, Purged};

#[tokio::test]
async fn idle_uploads_are_purged_after_the_expiry_and_fresh_ones_kept() {
    let h = Harness::new();
    let loc = h.start_upload("r").await;
    h.send(Method::PATCH, &loc, &[], b"partial".to_vec())
        .await
        .expect(202, None);
    let day = Duration::from_secs(24 * 3600);
    let now = SystemTime::now();
    assert_eq!(
        purge_abandoned_uploads(&h.registry, day, now)
            .await
            .unwrap(),
        Purged::default()
    );
    h.get(&loc).await.expect(204, None);
    let later = now + day + Duration::from_secs(5);
    assert_eq!(
        purge_abandoned_uploads(&h.registry, day, later)
            .await
            .unwrap()
            .uploads,
        1
    );
    h.get(&loc).await.expect(404, Some("BLOB_UPLOAD_UNKNOWN"));
}

#[tokio::test]
async fn upload_files_without_a_record_are_swept() {
    let h = Harness::new();
    h.registry
        .blobs
        .create_upload("orphan-from-a-crash")
        .await
        .unwrap();
    let later = SystemTime::now() + Duration::from_secs(3600);
    let p = purge_abandoned_uploads(&h.registry, Duration::from_secs(60), later)
        .await
        .unwrap();
    assert_eq!(p.uploads, 1);
    assert_eq!(
        h.registry
            .blobs
            .upload_size("orphan-from-a-crash")
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn records_without_bytes_are_dropped_once_old() {
    let h = Harness::new();
    let repo = "r".parse().unwrap();
    let started = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    h.registry
        .meta
        .create_upload("record-only", &repo, started)
        .await
        .unwrap();
    let hour = Duration::from_secs(3600);
    let p = purge_abandoned_uploads(&h.registry, hour, SystemTime::now())
        .await
        .unwrap();
    assert_eq!(p, Purged::default(), "young records are kept");
    let p = purge_abandoned_uploads(&h.registry, hour, SystemTime::now() + 2 * hour)
        .await
        .unwrap();
    assert_eq!(p.dangling_records, 1);
    assert_eq!(h.registry.meta.upload("record-only").await.unwrap(), None);
}
