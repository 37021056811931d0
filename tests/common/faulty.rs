//! A storage backend that wraps redb's `FileBackend` and injects faults: the n-th write,
//! `set_len` or `sync_data` fails (EIO), the disk fills up (ENOSPC from the n-th write or
//! `set_len` on), or the power fails at the n-th I/O operation.
//!
//! It wraps the file backend rather than replacing it: the lock methods are the file backend's,
//! so the vault keeps its file locks, as in production.
//!
//! Power loss is modelled honestly: from the moment the plan is armed for it, writes and
//! `set_len` are held in memory (reads see them, as the page cache would) and reach the file only
//! when `sync_data` is called. When the power fails, the held operations are dropped — or, in the
//! harsher model, a random subset of their 4 KiB pieces reaches the file, in any order — and
//! every later operation fails, so nothing the process does afterwards reaches the disk.

use std::fs::File;
use std::io;
use std::ops::Bound;
use std::sync::{Arc, Mutex, MutexGuard};

use redb::backends::FileBackend;
use redb::{BackendError, StorageBackend};

use super::rng::Rng;

const EIO: i32 = 5;
const ENOSPC: i32 = 28;
/// The granularity at which an unsynced write can be torn by a power loss.
const PIECE: u64 = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IoOp {
    Write,
    SetLen,
    Sync,
}

/// What survives a power loss of the writes not yet synced.
#[derive(Clone, Copy, Debug)]
pub enum Unsynced {
    /// None of them.
    Lost,
    /// A random subset of their 4 KiB pieces, chosen with this seed.
    Torn(u64),
}

#[derive(Clone, Copy, Debug)]
pub enum Fault {
    /// The `nth` operation of kind `op` fails with EIO (and does nothing); later ones succeed.
    Once { op: IoOp, nth: u64 },
    /// From the `nth` write or `set_len` on, every one fails with ENOSPC; syncs still work.
    DiskFull { nth: u64 },
    /// The power fails at the `nth` write, `set_len` or sync, which fails with every later one.
    PowerLoss { nth: u64, unsynced: Unsynced },
}

/// How many of each operation the backend has seen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub writes: u64,
    pub set_lens: u64,
    pub syncs: u64,
}

impl Counts {
    pub fn of(&self, op: IoOp) -> u64 {
        match op {
            IoOp::Write => self.writes,
            IoOp::SetLen => self.set_lens,
            IoOp::Sync => self.syncs,
        }
    }

    pub fn total(&self) -> u64 {
        self.writes + self.set_lens + self.syncs
    }
}

enum Held {
    Write(u64, Vec<u8>),
    SetLen(u64),
}

#[derive(Default)]
struct State {
    fault: Option<Fault>,
    counts: Counts,
    injected: u64,
    powered_off: bool,
    held: Vec<Held>,
}

/// The test's handle on a backend it gave away to redb: arms faults, reads counts.
#[derive(Clone, Default)]
pub struct Plan(Arc<Mutex<State>>);

impl std::fmt::Debug for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Plan")
    }
}

impl Plan {
    fn state(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Arms `fault`; counting restarts from zero.
    pub fn arm(&self, fault: Fault) {
        let mut s = self.state();
        s.fault = Some(fault);
        s.counts = Counts::default();
    }

    pub fn counts(&self) -> Counts {
        self.state().counts
    }

    /// How many operations were failed on purpose.
    pub fn injected(&self) -> u64 {
        self.state().injected
    }

    pub fn powered_off(&self) -> bool {
        self.state().powered_off
    }
}

#[derive(Debug)]
pub struct FaultyBackend {
    inner: FileBackend,
    plan: Plan,
}

impl FaultyBackend {
    pub fn open(file: File, plan: Plan) -> FaultyBackend {
        FaultyBackend {
            inner: FileBackend::new(file).expect("file backend"),
            plan,
        }
    }

    fn buffering(s: &State) -> bool {
        matches!(s.fault, Some(Fault::PowerLoss { .. }))
    }

    /// Counts `op` and decides whether it fails.
    fn gate(&self, s: &mut State, op: IoOp) -> io::Result<()> {
        if s.powered_off {
            return Err(io::Error::from_raw_os_error(EIO));
        }
        match op {
            IoOp::Write => s.counts.writes += 1,
            IoOp::SetLen => s.counts.set_lens += 1,
            IoOp::Sync => s.counts.syncs += 1,
        }
        let fail = match s.fault {
            Some(Fault::Once { op: o, nth }) if o == op && s.counts.of(op) == nth => Some(EIO),
            Some(Fault::DiskFull { nth })
                if op != IoOp::Sync && s.counts.writes + s.counts.set_lens >= nth =>
            {
                Some(ENOSPC)
            }
            Some(Fault::PowerLoss { nth, unsynced }) if s.counts.total() == nth => {
                self.lose_power(s, unsynced)?;
                Some(EIO)
            }
            _ => None,
        };
        match fail {
            Some(code) => {
                s.injected += 1;
                Err(io::Error::from_raw_os_error(code))
            }
            None => Ok(()),
        }
    }

    fn lose_power(&self, s: &mut State, unsynced: Unsynced) -> io::Result<()> {
        s.powered_off = true;
        let held = std::mem::take(&mut s.held);
        if let Unsynced::Torn(seed) = unsynced {
            let mut rng = Rng::new(seed);
            let mut pieces: Vec<Held> = Vec::new();
            for op in held {
                match op {
                    Held::SetLen(len) => pieces.push(Held::SetLen(len)),
                    Held::Write(offset, data) => {
                        let mut at = 0u64;
                        while at < data.len() as u64 {
                            let end = ((offset + at) / PIECE + 1) * PIECE - offset;
                            let end = end.min(data.len() as u64);
                            pieces.push(Held::Write(
                                offset + at,
                                data[at as usize..end as usize].to_vec(),
                            ));
                            at = end;
                        }
                    }
                }
            }
            // Any subset, in any order.
            for i in (1..pieces.len()).rev() {
                pieces.swap(i, rng.below(i as u64 + 1) as usize);
            }
            for piece in pieces {
                if rng.percent(50) {
                    self.apply(&piece)?;
                }
            }
        }
        Ok(())
    }

    fn apply(&self, op: &Held) -> io::Result<()> {
        match op {
            Held::Write(offset, data) => self.inner.write(*offset, data),
            Held::SetLen(len) => self.inner.set_len(*len),
        }
    }

    /// The length with the held operations applied.
    fn held_len(&self, s: &State) -> io::Result<u64> {
        let mut len = self.inner.len()?;
        for op in &s.held {
            match op {
                Held::Write(offset, data) => len = len.max(offset + data.len() as u64),
                Held::SetLen(l) => len = *l,
            }
        }
        Ok(len)
    }
}

impl StorageBackend for FaultyBackend {
    fn len(&self) -> io::Result<u64> {
        let s = self.plan.state();
        if s.powered_off {
            return Err(io::Error::from_raw_os_error(EIO));
        }
        self.held_len(&s)
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> io::Result<()> {
        let s = self.plan.state();
        if s.powered_off {
            return Err(io::Error::from_raw_os_error(EIO));
        }
        if s.held.is_empty() {
            return self.inner.read(offset, out);
        }
        let end = offset + out.len() as u64;
        if end > self.held_len(&s)? {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "read past the end",
            ));
        }
        // What the file has, then each held operation in order, as the page cache would show it.
        out.fill(0);
        let file_len = self.inner.len()?;
        if offset < file_len {
            let n = (file_len - offset).min(out.len() as u64) as usize;
            self.inner.read(offset, &mut out[..n])?;
        }
        for op in &s.held {
            match op {
                Held::Write(at, data) => {
                    let (from, to) = (offset.max(*at), end.min(at + data.len() as u64));
                    if from < to {
                        out[(from - offset) as usize..(to - offset) as usize]
                            .copy_from_slice(&data[(from - at) as usize..(to - at) as usize]);
                    }
                }
                Held::SetLen(len) => {
                    if *len < end {
                        out[(len.saturating_sub(offset)) as usize..].fill(0);
                    }
                }
            }
        }
        Ok(())
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        let mut s = self.plan.state();
        self.gate(&mut s, IoOp::SetLen)?;
        if Self::buffering(&s) {
            s.held.push(Held::SetLen(len));
            return Ok(());
        }
        self.inner.set_len(len)
    }

    fn sync_data(&self) -> io::Result<()> {
        let mut s = self.plan.state();
        self.gate(&mut s, IoOp::Sync)?;
        for op in std::mem::take(&mut s.held) {
            self.apply(&op)?;
        }
        self.inner.sync_data()
    }

    fn write(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        let mut s = self.plan.state();
        self.gate(&mut s, IoOp::Write)?;
        if Self::buffering(&s) {
            s.held.push(Held::Write(offset, data.to_vec()));
            return Ok(());
        }
        self.inner.write(offset, data)
    }

    fn close(&self) -> io::Result<()> {
        self.inner.close()
    }

    fn try_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
        self.inner.try_lock_range(start, end)
    }

    fn try_lock_shared_range(
        &self,
        start: Bound<u64>,
        end: Bound<u64>,
    ) -> Result<bool, BackendError> {
        self.inner.try_lock_shared_range(start, end)
    }

    fn lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.inner.lock_range(start, end)
    }

    fn lock_shared_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.inner.lock_shared_range(start, end)
    }

    fn unlock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.inner.unlock_range(start, end)
    }

    fn query_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
        self.inner.query_lock_range(start, end)
    }
}
