//! Purging abandoned uploads. An upload is abandoned when its bytes have not changed for the
//! expiry (the blob store knows when they last changed); it loses its bytes and its record.
//! A record whose bytes are already gone (a crash between the two creates or deletes) is
//! dropped once it is older than the expiry.

use std::time::{Duration, SystemTime};

use crate::Registry;

/// What one purge removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Purged {
    /// Uploads whose bytes sat idle past the expiry.
    pub uploads: usize,
    /// Records of uploads that had no bytes any more.
    pub dangling_records: usize,
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
    for (id, last_change) in reg.blobs.uploads().await? {
        if last_change < cutoff {
            reg.blobs.cancel_upload(&id).await?;
            reg.meta.finish_upload(&id, None).await?;
            purged.uploads += 1;
        }
    }
    for id in reg.meta.uploads_started_before(cutoff_secs).await? {
        if reg.blobs.upload_size(&id).await?.is_none() {
            reg.meta.finish_upload(&id, None).await?;
            purged.dangling_records += 1;
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
            Ok(p) if p != Purged::default() => tracing::info!(
                uploads = p.uploads,
                dangling_records = p.dangling_records,
                "purged abandoned uploads"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "purging abandoned uploads failed"),
        }
    }
}
