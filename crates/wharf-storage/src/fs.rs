//! The embedded blob store: one file per blob under a data directory.
//!
//! Layout:
//! ```text
//! <root>/blobs/<algorithm>/<first two hex>/<hex>   committed, immutable, content-addressed
//! <root>/uploads/<id>                              an upload in progress
//! ```
//! Appends stream the request body to the upload file on a blocking thread while hashing it
//! with sha256, so a commit by sha256 digest needs no second read; the hash state is a cache
//! (lost on restart, then the file is re-hashed). A commit fsyncs the file, renames it into
//! place and fsyncs the directory, so a blob is either absent or whole and verified after any
//! crash (design invariants 2 and 8).

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use tokio::sync::Mutex as AsyncMutex;
use wharf_domain::{Algorithm, Digest, Digester};

use crate::{valid_upload_id, BlobStore, ByteStream, Result, StorageError};

/// Bytes handed from the network to the writer thread at a time.
const WRITE_BATCH: usize = 1 << 20;
/// Bytes per chunk when streaming a blob out.
const READ_CHUNK: usize = 1 << 20;
/// Start write-back every this many bytes, so the fsync at commit has little left to do.
const WRITEBACK_EVERY: u64 = 8 << 20;

#[derive(Default)]
struct UploadState {
    /// sha256 of the first `.1` bytes of the upload file.
    hashed: Option<(Digester, u64)>,
}

pub struct FsBlobStore {
    root: PathBuf,
    uploads: Mutex<HashMap<String, Arc<AsyncMutex<UploadState>>>>,
}

impl FsBlobStore {
    /// Opens (creating if needed) a blob store rooted at `root`.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        fs::create_dir_all(root.join("blobs"))?;
        fs::create_dir_all(root.join("uploads"))?;
        Ok(FsBlobStore {
            root,
            uploads: Mutex::new(HashMap::new()),
        })
    }

    fn blob_path(&self, d: &Digest) -> PathBuf {
        self.root
            .join("blobs")
            .join(d.algorithm().as_str())
            .join(&d.hex()[..2])
            .join(d.hex())
    }

    fn upload_path(&self, id: &str) -> Result<PathBuf> {
        if !valid_upload_id(id) {
            return Err(StorageError::UploadUnknown);
        }
        Ok(self.root.join("uploads").join(id))
    }

    fn state(&self, id: &str) -> Arc<AsyncMutex<UploadState>> {
        self.uploads
            .lock()
            .expect("upload map poisoned")
            .entry(id.to_string())
            .or_default()
            .clone()
    }

    fn forget(&self, id: &str) {
        self.uploads.lock().expect("upload map poisoned").remove(id);
    }
}

fn not_found_as_none<T>(r: io::Result<T>) -> io::Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> Result<T> {
    Ok(tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| io::Error::other(format!("blocking task failed: {e}")))??)
}

/// Asks the kernel to start writing `len` bytes at `offset` back to disk, without waiting.
#[cfg(target_os = "linux")]
fn start_writeback(file: &File, offset: u64, len: u64) {
    use std::os::fd::AsRawFd;
    // SAFETY: sync_file_range only reads its integer arguments; an invalid range is an error return.
    unsafe {
        libc::sync_file_range(
            file.as_raw_fd(),
            offset as libc::off64_t,
            len as libc::off64_t,
            libc::SYNC_FILE_RANGE_WRITE,
        );
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_file: &File, _offset: u64, _len: u64) {}

fn fsync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

fn hash_file(path: &Path, algorithm: Algorithm) -> io::Result<Digest> {
    let mut f = File::open(path)?;
    let mut d = Digester::new(algorithm);
    let mut buf = vec![0u8; READ_CHUNK];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok(d.finish());
        }
        d.update(&buf[..n]);
    }
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn stat(&self, digest: &Digest) -> Result<Option<u64>> {
        let path = self.blob_path(digest);
        Ok(not_found_as_none(tokio::fs::metadata(path).await)?.map(|m| m.len()))
    }

    async fn read(&self, digest: &Digest, range: Range<u64>) -> Result<ByteStream> {
        let path = self.blob_path(digest);
        let (tx, rx) = tokio::sync::mpsc::channel::<io::Result<Bytes>>(4);
        let mut file = blocking(move || {
            let mut f = File::open(path)?;
            f.seek(SeekFrom::Start(range.start))?;
            Ok(f)
        })
        .await?;
        // One blocking thread reads ahead while the network drains the channel. Each chunk is
        // read into fresh, uninitialised capacity (`read_to_end` on a `take`), so no chunk is
        // zero-filled first.
        tokio::task::spawn_blocking(move || {
            let mut left = range.end - range.start;
            while left > 0 {
                let want = left.min(READ_CHUNK as u64);
                let mut buf = Vec::with_capacity(want as usize);
                let r = (&mut file).take(want).read_to_end(&mut buf).and_then(|n| {
                    if n == 0 {
                        Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "blob shorter than expected",
                        ))
                    } else {
                        Ok(n)
                    }
                });
                match r {
                    Ok(n) => {
                        left -= n as u64;
                        if tx.blocking_send(Ok(Bytes::from(buf))).is_err() {
                            return; // the client went away
                        }
                    }
                    Err(e) => {
                        let _ = tx.blocking_send(Err(e));
                        return;
                    }
                }
            }
        });
        Ok(Box::pin(tokio_stream_from(rx)))
    }

    async fn delete(&self, digest: &Digest) -> Result<bool> {
        let path = self.blob_path(digest);
        Ok(not_found_as_none(tokio::fs::remove_file(path).await)?.is_some())
    }

    async fn create_upload(&self, id: &str) -> Result<()> {
        let path = self.upload_path(id)?;
        blocking(move || {
            OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
                .map(drop)
        })
        .await
    }

    async fn upload_size(&self, id: &str) -> Result<Option<u64>> {
        let Ok(path) = self.upload_path(id) else {
            return Ok(None);
        };
        Ok(not_found_as_none(tokio::fs::metadata(path).await)?.map(|m| m.len()))
    }

    async fn append_upload(&self, id: &str, offset: u64, mut body: ByteStream) -> Result<u64> {
        let path = self.upload_path(id)?;
        let state = self.state(id);
        let mut st = state.lock().await;
        let open = {
            let path = path.clone();
            blocking(move || not_found_as_none(OpenOptions::new().append(true).open(path)))
        };
        let Some(file) = open.await? else {
            drop(st);
            self.forget(id);
            return Err(StorageError::UploadUnknown);
        };
        let size = blocking({
            let path = path.clone();
            move || fs::metadata(path).map(|m| m.len())
        })
        .await?;
        if size != offset {
            return Err(StorageError::OffsetMismatch { current: size });
        }
        let hasher = match st.hashed.take() {
            Some((h, n)) if n == size => Some(h),
            None if size == 0 => Some(Digester::new(Algorithm::Sha256)),
            _ => None, // stale or lost (restart): the commit re-hashes the file
        };
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(4);
        let writer = tokio::task::spawn_blocking(move || {
            let mut file = file;
            let mut hasher = hasher;
            let mut written = 0u64;
            let mut since_writeback = 0u64;
            while let Some(chunk) = rx.blocking_recv() {
                if let Err(e) = file.write_all(&chunk) {
                    // Some bytes of this chunk may be on disk: the hash no longer matches.
                    return (None, Err(StorageError::Io(e)));
                }
                if let Some(h) = hasher.as_mut() {
                    h.update(&chunk);
                }
                written += chunk.len() as u64;
                since_writeback += chunk.len() as u64;
                if since_writeback >= WRITEBACK_EVERY {
                    start_writeback(&file, size + written - since_writeback, since_writeback);
                    since_writeback = 0;
                }
            }
            (
                hasher.map(|h| (h, size + written)),
                Ok::<u64, StorageError>(written),
            )
        });
        let mut batch = BytesMut::new();
        let mut body_error = None;
        while let Some(item) = body.next().await {
            match item {
                Ok(chunk) => {
                    batch.extend_from_slice(&chunk);
                    if batch.len() >= WRITE_BATCH && tx.send(batch.split().freeze()).await.is_err()
                    {
                        break; // the writer failed; its error is reported below
                    }
                }
                Err(e) => {
                    body_error = Some(e);
                    break;
                }
            }
        }
        if !batch.is_empty() {
            let _ = tx.send(batch.freeze()).await;
        }
        drop(tx);
        let (hashed, written) = writer
            .await
            .map_err(|e| io::Error::other(format!("upload writer failed: {e}")))?;
        st.hashed = hashed;
        let written = written?;
        if let Some(e) = body_error {
            return Err(StorageError::BodyInterrupted(e));
        }
        Ok(size + written)
    }

    async fn commit_upload(&self, id: &str, digest: &Digest) -> Result<u64> {
        let path = self.upload_path(id)?;
        let state = self.state(id);
        let mut st = state.lock().await;
        let Some(size) = not_found_as_none(tokio::fs::metadata(&path).await)?.map(|m| m.len())
        else {
            drop(st);
            self.forget(id);
            return Err(StorageError::UploadUnknown);
        };
        let cached = match st.hashed.take() {
            Some((h, n)) if n == size && h.algorithm() == digest.algorithm() => Some(h.finish()),
            None if size == 0 => Some(Digest::of(digest.algorithm(), b"")),
            _ => None,
        };
        let actual = match cached {
            Some(d) => d,
            None => {
                let (p, alg) = (path.clone(), digest.algorithm());
                blocking(move || hash_file(&p, alg)).await?
            }
        };
        if &actual != digest {
            let _ = tokio::fs::remove_file(&path).await;
            drop(st);
            self.forget(id);
            return Err(StorageError::DigestMismatch { actual });
        }
        let target = self.blob_path(digest);
        blocking(move || {
            let dir = target.parent().expect("blob path has a parent");
            if target.exists() {
                // Same content is already durable under this digest.
                return fs::remove_file(&path);
            }
            File::open(&path)?.sync_all()?;
            fs::create_dir_all(dir)?;
            fs::rename(&path, &target)?;
            fsync_dir(dir)?;
            fsync_dir(dir.parent().expect("algorithm dir"))
        })
        .await?;
        drop(st);
        self.forget(id);
        Ok(size)
    }

    async fn cancel_upload(&self, id: &str) -> Result<()> {
        let path = self.upload_path(id)?;
        let state = self.state(id);
        let _guard = state.lock().await;
        not_found_as_none(tokio::fs::remove_file(path).await)?;
        self.forget(id);
        Ok(())
    }

    async fn uploads(&self) -> Result<Vec<(String, SystemTime)>> {
        let dir = self.root.join("uploads");
        blocking(move || {
            let mut out = Vec::new();
            for entry in fs::read_dir(dir)? {
                let entry = entry?;
                if let (Some(name), Ok(meta)) = (entry.file_name().to_str(), entry.metadata()) {
                    out.push((name.to_string(), meta.modified()?));
                }
            }
            Ok(out)
        })
        .await
    }
}

/// Adapts a channel receiver to a `Stream` (tokio-stream's wrapper, without the extra crate).
fn tokio_stream_from<T: Send + 'static>(
    rx: tokio::sync::mpsc::Receiver<T>,
) -> impl futures_util::Stream<Item = T> + Send {
    futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|v| (v, rx)) })
}
