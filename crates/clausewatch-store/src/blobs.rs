//! Content-addressed blob store: raw snapshot bytes named by their BLAKE3 hash,
//! zstd-compressed, appended to pack files and verified against their hash on every read.
//!
//! Layout of the blob folder:
//! - `packs/<millis>-<pid>-<n>.pack`: append-only pack files. Each starts with [`PACK_MAGIC`],
//!   then records: [`RECORD_MAGIC`], the hash (32 bytes), the raw length and the compressed
//!   length (u64 little-endian), then the compressed bytes. A pack is self-describing: the
//!   index is rebuilt by reading the record headers, so there is nothing else to keep in step.
//! - `<2 hex>/<64 hex>.zst`: loose blobs written by earlier versions (temp file + rename);
//!   still read, never written.
//!
//! Why packs: creating a file costs an inode allocation, which on some filesystems (ext4
//! without a journal, after many deletions) takes a third of a millisecond, more than
//! compressing the page; appending costs microseconds. It also keeps an archive of millions of
//! snapshots from becoming millions of files.
//!
//! Atomicity without rename: each process appends only to packs it created (a new one per
//! process, rolled over at [`PACK_ROLLOVER_BYTES`]), and a record enters the index only once
//! it is completely written, so no reader in the process sees a partial blob. A process killed
//! mid-append leaves a torn record at the end of its own pack: scanning stops there, the rows
//! naming that blob were never committed (the store syncs blobs before committing rows), and
//! the next run appends to a new pack. A failed write is cut back off the pack, which is then
//! abandoned. Other processes (`serve` reading what `track` wrote) rescan on a miss.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use clausewatch_core::ContentHash;

use crate::StoreError;

/// No stored body decompresses beyond this (a corrupt or hostile blob cannot fill memory).
pub const MAX_BLOB_BYTES: u64 = 256 * 1024 * 1024;

/// The first bytes of every pack file.
pub const PACK_MAGIC: &[u8; 8] = b"CWPACK01";
/// The first bytes of every record in a pack.
pub const RECORD_MAGIC: &[u8; 4] = b"CWRB";
const RECORD_HEADER: usize = 4 + 32 + 8 + 8;

/// A process starts a new pack once its current one is this large.
pub const PACK_ROLLOVER_BYTES: u64 = 512 * 1024 * 1024;

/// Where a blob's compressed bytes are.
#[derive(Clone, Copy, Debug)]
struct Location {
    pack: usize,
    offset: u64,
    compressed_len: u64,
}

/// A pack file known to this process: how far its records have been read.
struct KnownPack {
    path: PathBuf,
    /// Kept open for this process's own packs only; others are opened per read, so the
    /// number of open files stays bounded however many packs the folder holds.
    file: Option<Arc<File>>,
    scanned_to: u64,
    /// Why scanning stopped before the end of the file, when it did.
    unreadable: Option<String>,
}

/// What `check` reports of the blob folder.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct PackReport {
    pub packs: usize,
    /// Distinct blobs in packs.
    pub packed_blobs: usize,
    pub packed_bytes: u64,
    pub loose_blobs: usize,
    /// Bytes after the last complete record of a pack: what a process killed mid-write left
    /// (harmless: nothing names them), or a record being written right now.
    pub torn_tail_bytes: u64,
    /// Packs whose scan stopped at something that is not a record (bad magic): records after
    /// that point cannot be read.
    pub unreadable: Vec<String>,
}

#[derive(Default)]
struct Index {
    blobs: HashMap<ContentHash, Location>,
    packs: Vec<KnownPack>,
    by_name: HashMap<std::ffi::OsString, usize>,
}

/// The pack this process appends to.
struct Writer {
    pack: usize,
    file: File,
    end: u64,
    /// A second handle on the pack, so `sync` can flush it without holding the writer lock.
    sync_handle: Arc<File>,
    /// The pack's entry in `packs/` has not been made durable yet (a new pack).
    new_entry: bool,
}

/// Packs that may hold written but unsynced records, waiting for the next `sync`.
#[derive(Default)]
struct Unsynced {
    /// Packs this process stopped appending to (rolled over, or abandoned after a failed append).
    retired: Vec<Arc<File>>,
    /// A pack was created since the last sync: the folder's entries must be made durable.
    new_entry: bool,
}

#[derive(Clone)]
pub struct BlobStore {
    root: PathBuf,
    index: Arc<Mutex<Index>>,
    writer: Arc<Mutex<Option<Writer>>>,
    unsynced: Arc<Mutex<Unsynced>>,
    /// Set when a blob was written since the last `sync`.
    dirty: Arc<std::sync::atomic::AtomicBool>,
    /// Whether the folder holds loose blobs of earlier versions (seen at the last scan): a new
    /// store never looks for them, so storing a blob costs no extra `stat`.
    has_loose: Arc<std::sync::atomic::AtomicBool>,
}

impl std::fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobStore").field("root", &self.root).finish_non_exhaustive()
    }
}

/// Bytes with their BLAKE3 hash, computed once: a caller that checks whether bytes are stored
/// and then stores them hashes them once. Built only from the bytes, so the hash is theirs.
#[derive(Debug)]
pub struct HashedBytes {
    hash: ContentHash,
    bytes: Vec<u8>,
}

impl HashedBytes {
    pub fn new(bytes: Vec<u8>) -> HashedBytes {
        HashedBytes { hash: ContentHash::of(&bytes), bytes }
    }

    pub fn hash(&self) -> ContentHash {
        self.hash
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

static PACK_COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn corrupt(what: impl Into<String>, reason: impl Into<String>) -> StoreError {
    StoreError::Corrupt { what: what.into(), reason: reason.into() }
}

impl BlobStore {
    /// Open (creating if needed) the blob folder and index the packs in it.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let root = root.into();
        let packs = root.join("packs");
        std::fs::create_dir_all(&packs).map_err(|e| StoreError::io(&packs, e))?;
        let store = BlobStore {
            root,
            index: Default::default(),
            writer: Default::default(),
            unsynced: Default::default(),
            dirty: Default::default(),
            has_loose: Default::default(),
        };
        store.rescan()?;
        Ok(store)
    }

    fn lock_index(&self) -> std::sync::MutexGuard<'_, Index> {
        // A panic while holding the lock cannot leave the index half-updated (each insert is
        // one map operation), so a poisoned lock is still usable.
        self.index.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn loose_path(&self, hash: &ContentHash) -> PathBuf {
        let hex = hash.to_hex();
        self.root.join(&hex[..2]).join(format!("{hex}.zst"))
    }

    /// Whether the blob is stored loose (the layout of earlier versions).
    fn is_loose(&self, hash: &ContentHash) -> bool {
        self.has_loose.load(std::sync::atomic::Ordering::Relaxed) && self.loose_path(hash).exists()
    }

    /// The shard folders of loose blobs (`<2 hex>/`).
    fn loose_shards(&self) -> Result<Vec<PathBuf>, StoreError> {
        Ok(std::fs::read_dir(&self.root)
            .map_err(|e| StoreError::io(&self.root, e))?
            .flatten()
            .filter(|e| e.file_name().len() == 2 && e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.path())
            .collect())
    }

    fn loose_count(&self) -> Result<usize, StoreError> {
        Ok(self.loose_shards()?.iter().map(|d| std::fs::read_dir(d).map(|d| d.count()).unwrap_or(0)).sum())
    }

    /// Read the records that appeared in pack files since the last scan (new packs, and packs
    /// other processes appended to).
    fn rescan(&self) -> Result<(), StoreError> {
        self.has_loose.store(!self.loose_shards()?.is_empty(), std::sync::atomic::Ordering::Relaxed);
        let dir = self.root.join("packs");
        let mut names: Vec<std::ffi::OsString> = std::fs::read_dir(&dir)
            .map_err(|e| StoreError::io(&dir, e))?
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .filter(|n| n.to_string_lossy().ends_with(".pack"))
            .collect();
        names.sort();
        let mut index = self.lock_index();
        for name in names {
            let i = match index.by_name.get(&name) {
                Some(&i) => i,
                None => {
                    let i = index.packs.len();
                    index.packs.push(KnownPack { path: dir.join(&name), file: None, scanned_to: 0, unreadable: None });
                    index.by_name.insert(name, i);
                    i
                }
            };
            scan_pack(&mut index, i)?;
        }
        Ok(())
    }

    fn location(&self, hash: &ContentHash) -> Option<Location> {
        self.lock_index().blobs.get(hash).copied()
    }

    /// Whether a blob is stored (in a pack, or loose from an earlier version).
    pub fn contains(&self, hash: &ContentHash) -> bool {
        if self.location(hash).is_some() || self.is_loose(hash) {
            return true;
        }
        // Perhaps another process wrote it since this one last looked.
        self.rescan().is_ok() && (self.location(hash).is_some() || self.is_loose(hash))
    }

    /// Whether a blob is stored as this process knows the folder (no rescan): the cheap check
    /// for a capture whose bytes equal an earlier one.
    pub fn is_stored(&self, hash: &ContentHash) -> bool {
        self.location(hash).is_some() || self.is_loose(hash)
    }

    /// Number of blobs stored (packed and loose).
    pub fn len(&self) -> Result<usize, StoreError> {
        self.rescan()?;
        let packed = self.lock_index().blobs.len();
        Ok(packed + self.loose_count()?)
    }

    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.len()? == 0)
    }

    /// Packs, records and loose blobs in the folder, torn tails and unreadable packs (read from
    /// disk now, as another process would see them).
    pub fn pack_report(&self) -> Result<PackReport, StoreError> {
        let fresh = BlobStore::open(&self.root)?;
        let loose_blobs = fresh.loose_count()?;
        let index = fresh.lock_index();
        let mut report =
            PackReport { packs: index.packs.len(), packed_blobs: index.blobs.len(), loose_blobs, ..Default::default() };
        for pack in &index.packs {
            let len = std::fs::metadata(&pack.path).map_err(|e| StoreError::io(&pack.path, e))?.len();
            report.packed_bytes += len;
            match &pack.unreadable {
                Some(why) => report.unreadable.push(why.clone()),
                None => report.torn_tail_bytes += len.saturating_sub(pack.scanned_to.max(PACK_MAGIC.len() as u64)),
            }
        }
        Ok(report)
    }

    /// Store bytes under their hash; storing the same bytes twice writes once. The blob is
    /// complete and readable on return; it is durable after the next [`BlobStore::sync`],
    /// which the store calls before committing any row that names it.
    pub fn put(&self, bytes: &[u8]) -> Result<ContentHash, StoreError> {
        self.put_with_hash(ContentHash::of(bytes), bytes)
    }

    /// `put` for bytes already hashed (by [`HashedBytes::new`], so the hash is theirs).
    pub fn put_hashed(&self, bytes: &HashedBytes) -> Result<ContentHash, StoreError> {
        self.put_with_hash(bytes.hash, &bytes.bytes)
    }

    fn put_with_hash(&self, hash: ContentHash, bytes: &[u8]) -> Result<ContentHash, StoreError> {
        if self.is_stored(&hash) {
            return Ok(hash);
        }
        // Compress outside the writer lock: it is most of the work and runs on every core.
        let compressed = crate::compress(bytes).map_err(|e| StoreError::io(&self.root, e))?;
        let mut writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        // Another thread may have stored the same bytes while this one compressed.
        if self.location(&hash).is_some() {
            return Ok(hash);
        }
        if writer.as_ref().is_none_or(|w| w.end >= PACK_ROLLOVER_BYTES) {
            let fresh = self.new_pack()?;
            self.retire(writer.replace(fresh));
        }
        let w = writer.as_mut().expect("writer just opened");
        let mut record = Vec::with_capacity(RECORD_HEADER + compressed.len());
        record.extend_from_slice(RECORD_MAGIC);
        record.extend_from_slice(hash.as_bytes());
        record.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        record.extend_from_slice(&(compressed.len() as u64).to_le_bytes());
        record.extend_from_slice(&compressed);
        let start = w.end;
        if let Err(e) = w.file.write_all(&record) {
            // Cut the partial record off and abandon the pack: appending after a torn record
            // would hide every later one from the scan.
            let _ = w.file.set_len(start);
            let path = self.lock_index().packs[w.pack].path.clone();
            self.retire(writer.take());
            return Err(StoreError::io(&path, e));
        }
        w.end += record.len() as u64;
        let location =
            Location { pack: w.pack, offset: start + RECORD_HEADER as u64, compressed_len: compressed.len() as u64 };
        {
            let mut index = self.lock_index();
            index.blobs.insert(hash, location);
            let pack = &mut index.packs[w.pack];
            pack.scanned_to = pack.scanned_to.max(w.end);
        }
        self.dirty.store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(hash)
    }

    /// Create this process's next pack file.
    fn new_pack(&self) -> Result<Writer, StoreError> {
        let dir = self.root.join("packs");
        let millis =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
        loop {
            let n = PACK_COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let name = format!("{millis:015}-{}-{n}.pack", std::process::id());
            let path = dir.join(&name);
            let mut file = match File::options().create_new(true).read(true).append(true).open(&path) {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(StoreError::io(&path, e)),
            };
            file.write_all(PACK_MAGIC).map_err(|e| StoreError::io(&path, e))?;
            let reader = file.try_clone().map_err(|e| StoreError::io(&path, e))?;
            let sync_handle = Arc::new(file.try_clone().map_err(|e| StoreError::io(&path, e))?);
            let mut index = self.lock_index();
            let pack = index.packs.len();
            index.packs.push(KnownPack {
                path,
                file: Some(Arc::new(reader)),
                scanned_to: PACK_MAGIC.len() as u64,
                unreadable: None,
            });
            index.by_name.insert(name.into(), pack);
            return Ok(Writer { pack, file, end: PACK_MAGIC.len() as u64, sync_handle, new_entry: true });
        }
    }

    /// A pack this process no longer appends to keeps its unsynced records for the next `sync`.
    fn retire(&self, old: Option<Writer>) {
        if let Some(w) = old {
            let mut unsynced = self.unsynced.lock().unwrap_or_else(|p| p.into_inner());
            unsynced.retired.push(w.sync_handle);
            unsynced.new_entry |= w.new_entry;
        }
    }

    /// Make every blob written so far durable: an `fdatasync` of each pack this process wrote
    /// since the last sync (the current one, and any it rolled over or abandoned), and an
    /// `fsync` of the `packs` folder when a pack was created. Only our own files are flushed,
    /// not the whole filesystem. Runs without the writer lock, so appends go on meanwhile.
    pub fn sync(&self) -> Result<(), StoreError> {
        if !self.dirty.swap(false, std::sync::atomic::Ordering::SeqCst) {
            return Ok(());
        }
        let (mut files, mut new_entry) = {
            let mut unsynced = self.unsynced.lock().unwrap_or_else(|p| p.into_inner());
            (std::mem::take(&mut unsynced.retired), std::mem::take(&mut unsynced.new_entry))
        };
        if let Some(w) = self.writer.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
            files.push(w.sync_handle.clone());
            new_entry |= std::mem::take(&mut w.new_entry);
        }
        let packs = self.root.join("packs");
        let mut result = files.iter().try_for_each(|f| f.sync_data()).map_err(|e| StoreError::io(&packs, e));
        // The new pack's entry in `packs/`, and `packs/` itself in the store folder (folders
        // are synced this way on Unix; elsewhere a folder cannot be opened as a file).
        if result.is_ok() && new_entry && cfg!(unix) {
            for dir in [&packs, &self.root] {
                if result.is_ok() {
                    result = File::open(dir).and_then(|d| d.sync_all()).map_err(|e| StoreError::io(dir, e));
                }
            }
        }
        if result.is_err() {
            // Everything is flushed again next time (the current pack is always included).
            // Lock order as in `put`: the writer first, released before `unsynced`.
            let current = self.writer.lock().unwrap_or_else(|p| p.into_inner()).as_ref().map(|w| w.sync_handle.clone());
            let mut unsynced = self.unsynced.lock().unwrap_or_else(|p| p.into_inner());
            unsynced.retired.extend(files.into_iter().filter(|f| current.as_ref().is_none_or(|c| !Arc::ptr_eq(c, f))));
            unsynced.new_entry |= new_entry;
            self.dirty.store(true, std::sync::atomic::Ordering::SeqCst);
        }
        result
    }

    /// Read and verify a blob.
    pub fn get(&self, hash: &ContentHash) -> Result<Vec<u8>, StoreError> {
        let location = match self.location(hash) {
            Some(l) => Some(l),
            None if self.is_loose(hash) => None,
            // Perhaps another process wrote it since; if not, reading it loose fails with
            // "not found".
            None => {
                self.rescan()?;
                self.location(hash)
            }
        };
        let bytes = match location {
            Some(l) => self.read_packed(hash, l)?,
            None => self.read_loose(hash)?,
        };
        let actual = ContentHash::of(&bytes);
        if actual != *hash {
            return Err(corrupt(format!("blob {hash}"), format!("content hashes to {actual}")));
        }
        Ok(bytes)
    }

    fn read_packed(&self, hash: &ContentHash, l: Location) -> Result<Vec<u8>, StoreError> {
        let (file, path) = {
            let index = self.lock_index();
            let pack = &index.packs[l.pack];
            (pack.file.clone(), pack.path.clone())
        };
        let file = match file {
            Some(f) => f,
            None => Arc::new(File::open(&path).map_err(|e| StoreError::io(&path, e))?),
        };
        let mut compressed = vec![0u8; l.compressed_len as usize];
        file.read_exact_at(&mut compressed, l.offset).map_err(|e| StoreError::io(&path, e))?;
        decompress_bounded(&compressed[..])
            .map_err(|reason| corrupt(format!("blob {hash} in {}", path.display()), reason))
    }

    fn read_loose(&self, hash: &ContentHash) -> Result<Vec<u8>, StoreError> {
        let path = self.loose_path(hash);
        let file = File::open(&path).map_err(|e| StoreError::io(&path, e))?;
        decompress_bounded(file).map_err(|reason| corrupt(format!("blob {hash}"), reason))
    }
}

/// Decompress at most [`MAX_BLOB_BYTES`].
fn decompress_bounded(source: impl Read) -> Result<Vec<u8>, String> {
    let decoder = zstd::stream::read::Decoder::new(source).map_err(|e| format!("cannot decompress: {e}"))?;
    let mut bytes = Vec::new();
    decoder.take(MAX_BLOB_BYTES + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot decompress: {e}"))?;
    if bytes.len() as u64 > MAX_BLOB_BYTES {
        return Err("larger than the blob limit".into());
    }
    Ok(bytes)
}

/// Read the record headers of pack `i` from where the last scan stopped, adding complete
/// records to the index. A torn record (the writer died, or is writing it now) ends the scan
/// without error: the next scan starts there again.
fn scan_pack(index: &mut Index, i: usize) -> Result<(), StoreError> {
    let path = index.packs[i].path.clone();
    if index.packs[i].scanned_to == u64::MAX {
        return Ok(()); // found unreadable earlier
    }
    let file = match &index.packs[i].file {
        Some(f) => f.clone(),
        None => Arc::new(File::open(&path).map_err(|e| StoreError::io(&path, e))?),
    };
    let len = file.metadata().map_err(|e| StoreError::io(&path, e))?.len();
    let mut pos = index.packs[i].scanned_to;
    if pos == 0 {
        let mut magic = [0u8; 8];
        if len < 8 {
            return Ok(()); // Being created, or empty: nothing to index yet.
        }
        file.read_exact_at(&mut magic, 0).map_err(|e| StoreError::io(&path, e))?;
        if &magic != PACK_MAGIC {
            tracing::warn!("{}: not a pack file (bad magic); ignored", path.display());
            index.packs[i].scanned_to = u64::MAX;
            index.packs[i].unreadable = Some(format!("{}: not a pack file (bad magic)", path.display()));
            return Ok(());
        }
        pos = 8;
    }
    let mut header = [0u8; RECORD_HEADER];
    while pos < len && len - pos >= RECORD_HEADER as u64 {
        file.read_exact_at(&mut header, pos).map_err(|e| StoreError::io(&path, e))?;
        if &header[..4] != RECORD_MAGIC {
            tracing::warn!("{}: bad record at byte {pos}; later records ignored", path.display());
            index.packs[i].scanned_to = u64::MAX;
            index.packs[i].unreadable =
                Some(format!("{}: bad record at byte {pos}; {} bytes after it unreadable", path.display(), len - pos));
            return Ok(());
        }
        let hash = ContentHash::from_bytes(header[4..36].try_into().expect("32 bytes"));
        let compressed_len = u64::from_le_bytes(header[44..52].try_into().expect("8 bytes"));
        let data = pos + RECORD_HEADER as u64;
        if compressed_len > MAX_BLOB_BYTES || data.saturating_add(compressed_len) > len {
            break; // torn (or still being written)
        }
        index.blobs.entry(hash).or_insert(Location { pack: i, offset: data, compressed_len });
        pos = data + compressed_len;
    }
    index.packs[i].scanned_to = pos;
    Ok(())
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
        assert_eq!(blobs.len().unwrap(), 1);

        // Corrupt the stored bytes: reading must fail loudly, not return other bytes.
        let l = blobs.location(&h1).unwrap();
        let path = blobs.lock_index().packs[l.pack].path.clone();
        let mut raw = std::fs::read(&path).unwrap();
        let tampered = zstd::bulk::compress(b"<html>TERMS</html>", 1).unwrap();
        assert_eq!(tampered.len() as u64, l.compressed_len, "same length, other bytes");
        raw[l.offset as usize..(l.offset + l.compressed_len) as usize].copy_from_slice(&tampered);
        std::fs::write(&path, raw).unwrap();
        let reopened = BlobStore::open(dir.path()).unwrap();
        assert!(matches!(reopened.get(&h1), Err(StoreError::Corrupt { .. })));
    }

    #[test]
    fn another_process_sees_new_blobs_and_a_torn_tail_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let writer = BlobStore::open(dir.path()).unwrap();
        let reader = BlobStore::open(dir.path()).unwrap();
        let a = writer.put(b"first page").unwrap();
        // The reader opened before the write: it finds the blob by rescanning.
        assert!(reader.contains(&a));
        assert_eq!(reader.get(&a).unwrap(), b"first page");

        // A writer killed mid-record: half a record at the end of its pack.
        let b = writer.put(b"second page").unwrap();
        let pack = writer.location(&b).unwrap().pack;
        let path = writer.lock_index().packs[pack].path.clone();
        let len = std::fs::metadata(&path).unwrap().len();
        std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(len - 3).unwrap();
        let after_crash = BlobStore::open(dir.path()).unwrap();
        let report = after_crash.pack_report().unwrap();
        assert_eq!((report.packs, report.packed_blobs, report.loose_blobs), (1, 1, 0));
        assert!(report.torn_tail_bytes > 0 && report.unreadable.is_empty(), "{report:?}");
        assert_eq!(after_crash.get(&a).unwrap(), b"first page", "complete records survive");
        assert!(!after_crash.contains(&b), "the torn record is not a blob");
        // The next process stores it again, in a pack of its own.
        assert_eq!(after_crash.put(b"second page").unwrap(), b);
        assert_eq!(BlobStore::open(dir.path()).unwrap().get(&b).unwrap(), b"second page");
    }

    #[test]
    fn loose_blobs_of_earlier_versions_are_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::open(dir.path()).unwrap();
        let bytes = b"stored by version 0.1";
        let hash = ContentHash::of(bytes);
        let path = blobs.loose_path(&hash);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, zstd::bulk::compress(bytes, 3).unwrap()).unwrap();
        assert!(blobs.contains(&hash));
        assert_eq!(blobs.get(&hash).unwrap(), bytes);
        assert_eq!(blobs.put(bytes).unwrap(), hash, "not stored twice");
        assert_eq!(blobs.len().unwrap(), 1);
    }

    #[test]
    fn a_missing_blob_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::open(dir.path()).unwrap();
        let missing = ContentHash::of(b"never stored");
        assert!(!blobs.contains(&missing));
        assert!(matches!(blobs.get(&missing), Err(StoreError::Io { .. })));
        // A pack with a hostile header (a huge length) indexes nothing and breaks nothing.
        let mut hostile = PACK_MAGIC.to_vec();
        hostile.extend_from_slice(RECORD_MAGIC);
        hostile.extend_from_slice(missing.as_bytes());
        hostile.extend_from_slice(&u64::MAX.to_le_bytes());
        hostile.extend_from_slice(&u64::MAX.to_le_bytes());
        std::fs::write(dir.path().join("packs/0-hostile.pack"), hostile).unwrap();
        std::fs::write(dir.path().join("packs/1-garbage.pack"), b"not a pack at all").unwrap();
        let reopened = BlobStore::open(dir.path()).unwrap();
        assert!(!reopened.contains(&missing));
        let report = reopened.pack_report().unwrap();
        assert_eq!(report.unreadable.len(), 1, "{report:?}");
        assert!(report.unreadable[0].contains("1-garbage.pack: not a pack file"), "{report:?}");
        let h = reopened.put(b"still works").unwrap();
        assert_eq!(reopened.get(&h).unwrap(), b"still works");
    }
}
