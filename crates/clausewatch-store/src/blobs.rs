//! Content-addressed blob folder: `blobs/<2 hex>/<64 hex>.zst`, zstd-compressed, written
//! atomically (temp file, fsync, rename) and verified against its hash on every read.

use std::io::{Read, Write};
use std::path::PathBuf;

use clausewatch_core::ContentHash;

use crate::StoreError;

/// No stored body decompresses beyond this (a corrupt or hostile blob cannot fill memory).
pub const MAX_BLOB_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Clone, Debug)]
pub struct BlobStore {
    root: PathBuf,
    /// Set when a blob was written since the last `sync`.
    dirty: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

static TMP_COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl BlobStore {
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let root = root.into();
        std::fs::create_dir_all(root.join("tmp")).map_err(|e| StoreError::io(&root, e))?;
        Ok(BlobStore { root, dirty: Default::default() })
    }

    fn path(&self, hash: &ContentHash) -> PathBuf {
        let hex = hash.to_hex();
        self.root.join(&hex[..2]).join(format!("{hex}.zst"))
    }

    pub fn contains(&self, hash: &ContentHash) -> bool {
        self.path(hash).exists()
    }

    /// Store bytes under their hash; storing the same bytes twice writes once. The blob is
    /// complete and visible on return; it is durable after the next [`BlobStore::sync`], which
    /// the store calls before committing any row that names it.
    pub fn put(&self, bytes: &[u8]) -> Result<ContentHash, StoreError> {
        let hash = ContentHash::of(bytes);
        let path = self.path(&hash);
        if path.exists() {
            return Ok(hash);
        }
        let dir = path.parent().expect("blob path has a parent");
        std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
        let compressed = crate::compress(bytes).map_err(|e| StoreError::io(&path, e))?;
        // Unique per process and call: two threads storing the same bytes never share a file.
        let n = TMP_COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = self.root.join("tmp").join(format!("{}.{}.{n}.tmp", hash.to_hex(), std::process::id()));
        {
            let mut f = std::fs::File::create(&tmp).map_err(|e| StoreError::io(&tmp, e))?;
            f.write_all(&compressed).map_err(|e| StoreError::io(&tmp, e))?;
            if !cfg!(target_os = "linux") {
                f.sync_all().map_err(|e| StoreError::io(&tmp, e))?;
            }
        }
        std::fs::rename(&tmp, &path).map_err(|e| StoreError::io(&path, e))?;
        self.dirty.store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(hash)
    }

    /// Make every blob written so far durable, with one `syncfs` for all of them instead of
    /// an `fsync` per file (elsewhere than Linux, `put` syncs each file itself).
    pub fn sync(&self) -> Result<(), StoreError> {
        if !self.dirty.swap(false, std::sync::atomic::Ordering::SeqCst) {
            return Ok(());
        }
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let dir = std::fs::File::open(&self.root).map_err(|e| StoreError::io(&self.root, e))?;
            // SAFETY: syncfs takes a valid open descriptor, which `dir` holds for the call.
            if unsafe { libc::syncfs(dir.as_raw_fd()) } != 0 {
                self.dirty.store(true, std::sync::atomic::Ordering::SeqCst);
                return Err(StoreError::io(&self.root, std::io::Error::last_os_error()));
            }
        }
        Ok(())
    }

    /// Read and verify a blob.
    pub fn get(&self, hash: &ContentHash) -> Result<Vec<u8>, StoreError> {
        let path = self.path(hash);
        let file = std::fs::File::open(&path).map_err(|e| StoreError::io(&path, e))?;
        let decoder = zstd::stream::read::Decoder::new(file).map_err(|e| StoreError::io(&path, e))?;
        let mut bytes = Vec::new();
        decoder.take(MAX_BLOB_BYTES + 1).read_to_end(&mut bytes).map_err(|e| StoreError::Corrupt {
            what: format!("blob {hash}"),
            reason: format!("cannot decompress: {e}"),
        })?;
        if bytes.len() as u64 > MAX_BLOB_BYTES {
            return Err(StoreError::Corrupt {
                what: format!("blob {hash}"),
                reason: "larger than the blob limit".into(),
            });
        }
        let actual = ContentHash::of(&bytes);
        if actual != *hash {
            return Err(StoreError::Corrupt {
                what: format!("blob {hash}"),
                reason: format!("content hashes to {actual}"),
            });
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_get_dedupe_and_verify() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::open(dir.path()).unwrap();
        let h1 = blobs.put(b"<html>terms</html>").unwrap();
        let h2 = blobs.put(b"<html>terms</html>").unwrap();
        assert_eq!(h1, h2);
        assert_eq!(blobs.get(&h1).unwrap(), b"<html>terms</html>");
        // Corrupt it: reading must fail loudly, not return other bytes.
        let path = blobs.path(&h1);
        std::fs::write(&path, zstd::bulk::compress(b"tampered", 3).unwrap()).unwrap();
        assert!(matches!(blobs.get(&h1), Err(StoreError::Corrupt { .. })));
    }
}
