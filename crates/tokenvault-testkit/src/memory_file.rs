//! A redb storage backend over shared bytes, for vaults that live in memory across reopens.

use std::ops::Bound;
use std::sync::{Arc, RwLock};

/// A redb storage backend over a byte vector that outlives the database using it: drop the
/// vault, open the same bytes again (a reopen without touching disk), or start from bytes of a
/// vault file.
#[derive(Clone, Default)]
pub struct MemoryFile(Arc<RwLock<Vec<u8>>>);

impl std::fmt::Debug for MemoryFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MemoryFile({} bytes)", self.bytes().len())
    }
}

impl MemoryFile {
    /// A file holding `bytes`.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        MemoryFile(Arc::new(RwLock::new(bytes)))
    }

    /// A copy of the current contents.
    pub fn bytes(&self) -> Vec<u8> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

fn out_of_range() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "past the end")
}

impl redb::StorageBackend for MemoryFile {
    fn len(&self) -> Result<u64, std::io::Error> {
        Ok(self.0.read().unwrap_or_else(|e| e.into_inner()).len() as u64)
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), std::io::Error> {
        let data = self.0.read().unwrap_or_else(|e| e.into_inner());
        let start = usize::try_from(offset).map_err(|_| out_of_range())?;
        let end = start.checked_add(out.len()).ok_or_else(out_of_range)?;
        out.copy_from_slice(data.get(start..end).ok_or_else(out_of_range)?);
        Ok(())
    }

    fn set_len(&self, len: u64) -> Result<(), std::io::Error> {
        // A corrupted file may ask redb to grow it hugely; a real file would hit the disk quota.
        const LIMIT: u64 = 256 << 20;
        if len > LIMIT {
            return Err(std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                "in-memory file limit",
            ));
        }
        let mut data = self.0.write().unwrap_or_else(|e| e.into_inner());
        data.resize(len as usize, 0);
        Ok(())
    }

    fn sync_data(&self) -> Result<(), std::io::Error> {
        Ok(())
    }

    fn write(&self, offset: u64, bytes: &[u8]) -> Result<(), std::io::Error> {
        let mut data = self.0.write().unwrap_or_else(|e| e.into_inner());
        let start = usize::try_from(offset).map_err(|_| out_of_range())?;
        let end = start.checked_add(bytes.len()).ok_or_else(out_of_range)?;
        data.get_mut(start..end)
            .ok_or_else(out_of_range)?
            .copy_from_slice(bytes);
        Ok(())
    }

    // Locks: only one database uses a `MemoryFile` at a time (a reopen drops the old handle
    // first), so every lock is granted and nothing is held elsewhere. Granting them keeps the
    // vault in the multi-process mode it uses on real files.
    fn try_lock_range(&self, _: Bound<u64>, _: Bound<u64>) -> Result<bool, redb::BackendError> {
        Ok(true)
    }

    fn try_lock_shared_range(
        &self,
        _: Bound<u64>,
        _: Bound<u64>,
    ) -> Result<bool, redb::BackendError> {
        Ok(true)
    }

    fn lock_range(&self, _: Bound<u64>, _: Bound<u64>) -> Result<(), redb::BackendError> {
        Ok(())
    }

    fn lock_shared_range(&self, _: Bound<u64>, _: Bound<u64>) -> Result<(), redb::BackendError> {
        Ok(())
    }

    fn unlock_range(&self, _: Bound<u64>, _: Bound<u64>) -> Result<(), redb::BackendError> {
        Ok(())
    }

    fn query_lock_range(&self, _: Bound<u64>, _: Bound<u64>) -> Result<bool, redb::BackendError> {
        Ok(false)
    }
}
