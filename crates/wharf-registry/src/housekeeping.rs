//! Purging abandoned uploads: sessions idle for longer than the expiry lose their bytes and
//! their record. Blob-store uploads without a record (a crash between the two creates) are
//! swept by the same age rule.

use std::time::{Duration, SystemTime};

use crate::Registry;

/// What one purge removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub uploads: usize,
    pub orphans: usize,
}

/// Removes uploads idle since before `now - expiry`.
pub async fn purge_abandoned_uploads(
    reg: &Registry,
    expiry: Duration,
    now: SystemTime,
) -> wharf_storage::Result<Purged> {
    let cutoff = now.checked_sub(expiry).unwrap_or(SystemTime::UNIX_EPOCH);
    let cutoff_secs = cutoff
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let mut purged = Purged::default();
    for id in reg.meta.idle_uploads(cutoff_secs).await? {
        reg.blobs.cancel_upload(&id).await?;
        reg.meta.finish_upload(&id, None).await?;
        purged.uploads += 1;
    }
    for (id, modified) in reg.blobs.uploads().await? {
        if modified < cutoff && reg.meta.upload(&id).await?.is_none() {
            reg.blobs.cancel_upload(&id).await?;
            purged.orphans += 1;
        }
    }
    Ok(purged)
}

/// Runs [`purge_abandoned_uploads`] every `every` until the task is dropped.
pub async fn run_upload_purger(reg: Registry, expiry: Duration, every: Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        match purge_abandoned_uploads(&reg, expiry, SystemTime::now()).await {
            Ok(p) if p != Purged::default() => {
                tracing::info!(
                    uploads = p.uploads,
                    orphans = p.orphans,
                    "purged abandoned uploads"
                )
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "purging abandoned uploads failed"),
        }
    }
}
