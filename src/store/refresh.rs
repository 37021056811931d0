//! Coordinated refresh: many callers, one refresh per token expiry (README "Many workers, one
//! refresh"; docs/RELIABILITY.md §Refresh leases).
//!
//! A coordinated lookup finds the token as `find_token` does, on the read-only path. Only when
//! the token it returns is one the SDK is about to refresh or exchange (`lease::refresh_due`)
//! does it write: in one write transaction it reads the token again and, if no lease stands,
//! stores a lease naming this call and returns the token as stored — this caller refreshes. If
//! another caller's lease stands, it waits: for that token to be saved (the save ends the lease,
//! `write.rs`), for the lease's deadline, or for its holder to end (same host only), reading the
//! token again at each wake. Waits sleep on a condition variable that this process's commits
//! notify, and otherwise poll every [`POLL`]; they never spin.
//!
//! The lease record is not authenticated and its deadline is on its holder's clock, so no wait
//! trusts it alone: a caller waits for one holder at most its own lease length (at most
//! [`lease::MAX_REFRESH_LEASE`]), measured on its own monotonic clock from when it first saw
//! that holder's lease, and then takes the lease over whatever the record says.

use std::time::{Duration, Instant};

use crate::engines::ReadTables;
use crate::error::Error;
use crate::lease::{self, Lease};
use crate::rules;
use crate::store::keys::Unlocked;
use crate::store::{Finish, Vault, lookup};
use crate::token::Token;

/// How often a waiter reads the token again when no commit of this process woke it: the wait
/// for another process's save ends at most this long after it.
const POLL: Duration = Duration::from_millis(20);

/// What a coordinated lookup found out about the token's refresh.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefreshTurn {
    /// The token needs no refresh: use it.
    NotDue,
    /// The token needs a refresh (or a grant exchange) and this caller holds its lease: refresh
    /// it and save it, which ends the lease. Until then other coordinated callers wait, at most
    /// until the lease's deadline ([`OpenOptions::refresh_lease`](crate::OpenOptions::refresh_lease)).
    Yours,
    /// Another caller refreshed the token while this one waited: the token is the fresh one.
    RefreshedByAnother,
}

/// A refresh lease that stands, as [`Vault::refresh_leases`] lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RefreshLease {
    /// The token being refreshed.
    pub token_id: String,
    /// The holder's process id (on its host).
    pub pid: u32,
    /// Whether the holder runs on this host (in this PID namespace).
    pub this_host: bool,
    /// When the lease was taken, Unix milliseconds.
    pub taken_unix_ms: u64,
    /// How long the lease stands without a save.
    pub remaining: Duration,
}

/// The leases in `store` that stand now (a lease needs no key to read: it holds no secret).
pub(crate) fn standing_leases(store: &dyn ReadTables) -> Result<Vec<RefreshLease>, Error> {
    let now = lease::now_ms();
    Ok(store
        .leases()?
        .into_iter()
        .filter_map(|(id, bytes)| Some((id, Lease::decode(&bytes)?)))
        .filter(|(_, lease)| lease.stands(now))
        .map(|(id, lease)| RefreshLease {
            token_id: id.to_string(),
            pid: lease.pid,
            this_host: lease.on_this_host(),
            taken_unix_ms: lease.taken_ms,
            remaining: lease.remaining(now),
        })
        .collect())
}

/// One round of the protocol: the lookup's answer, or the holder of a lease to wait for.
enum Step {
    Done(Option<Box<(Token, RefreshTurn)>>),
    Wait { holder: [u8; 16] },
}

/// How long this caller has waited for one holder's lease, on its own clock: the lease record
/// is not authenticated and its deadline is on the holder's clock, so neither may bound a wait
/// alone (FORMAT.md §Leases).
struct Patience {
    holder: [u8; 16],
    /// When the wait for this holder ends, whatever its lease record says.
    until: Instant,
}

impl Patience {
    /// The wait for `holder`: kept when it is the holder already waited for, else a new one
    /// of `length` (the caller's own lease length, at most [`lease::MAX_REFRESH_LEASE`]) from now.
    fn for_holder(current: Option<Patience>, holder: [u8; 16], length: Duration) -> Patience {
        match current {
            Some(patience) if patience.holder == holder => patience,
            _ => Patience {
                holder,
                until: Instant::now() + length.min(lease::MAX_REFRESH_LEASE),
            },
        }
    }

    /// Whether this caller has waited out `holder`: its lease no longer stands for it.
    fn exhausted_for(patience: &Option<Patience>, holder: &[u8; 16]) -> bool {
        patience
            .as_ref()
            .is_some_and(|p| &p.holder == holder && Instant::now() >= p.until)
    }
}

/// What a coordinated lookup selects: the stored token's id and the token to return.
type Selected = Option<(u64, Token)>;

impl Vault {
    /// [`Vault::find_token`] for a caller about to use the token as the Zoho SDK does
    /// (`OAuthToken.get_token`): when the token is one the SDK would refresh or exchange now,
    /// only one caller — across threads, processes and hosts sharing the vault — gets it as
    /// stored ([`RefreshTurn::Yours`]); the others wait for that caller's save and get the
    /// refreshed token. A token that needs no refresh takes `find_token`'s read-only path.
    pub fn find_token_coordinated(
        &self,
        query: &Token,
    ) -> Result<Option<(Token, RefreshTurn)>, Error> {
        let selector = rules::select_for_find(query);
        self.coordinate(|store, keys| {
            Ok(
                lookup::first_match(store, keys, &selector)?.and_then(|record| {
                    let id = record.token.id.as_deref().and_then(rules::parse_id)?;
                    let mut merged = query.clone();
                    rules::merge_absent(&mut merged, &record.token);
                    Some((id, merged))
                }),
            )
        })
    }

    /// [`Vault::find_token_by_id`], coordinated as [`Vault::find_token_coordinated`] is.
    pub fn find_token_by_id_coordinated(&self, id: &str) -> Result<(Token, RefreshTurn), Error> {
        let not_found = || Error::TokenNotFound { id: id.to_string() };
        let key = rules::parse_id(id).ok_or_else(not_found)?;
        self.coordinate(|store, keys| {
            Ok(lookup::load(store, keys, key)?.map(|record| (key, record.token)))
        })?
        .ok_or_else(not_found)
    }

    /// The refresh leases that stand now, by token id.
    pub fn refresh_leases(&self) -> Result<Vec<RefreshLease>, Error> {
        self.read(|store, _| standing_leases(store))
    }

    /// The protocol of the module comment, over the token `select` picks.
    fn coordinate(
        &self,
        select: impl Fn(&dyn ReadTables, &Unlocked) -> Result<Selected, Error>,
    ) -> Result<Option<(Token, RefreshTurn)>, Error> {
        let Some((id, token)) = self.read(&select)? else {
            return Ok(None);
        };
        if !lease::refresh_due(&token, crate::clock::now_ms()) {
            return Ok(Some((token, RefreshTurn::NotDue)));
        }
        let mut waited = false;
        let mut patience: Option<Patience> = None;
        loop {
            let seen = self.commits_seen();
            let turn = |waited| match waited {
                true => RefreshTurn::RefreshedByAnother,
                false => RefreshTurn::NotDue,
            };
            let step = self.transact(|w| {
                let now = lease::now_ms();
                match select(w.store(), &w.keys)? {
                    Some((again, token))
                        if again == id && lease::refresh_due(&token, crate::clock::now_ms()) =>
                    {
                        if let Some(lease) = w.lease(id)?.filter(|lease| lease.stands(now)) {
                            // A holder waited for past this caller's patience is taken over,
                            // whatever its record says.
                            if !Patience::exhausted_for(&patience, &lease.holder) {
                                let holder = lease.holder;
                                return Ok(Finish::Discard(Step::Wait { holder }));
                            }
                        }
                        w.put_lease(id, &Lease::take(now, self.refresh_lease)?)?;
                        let yours = Box::new((token, RefreshTurn::Yours));
                        Ok(Finish::Commit(Step::Done(Some(yours))))
                    }
                    // Refreshed, deleted or no longer selected since the read: as it is now.
                    other => Ok(Finish::Discard(Step::Done(
                        other.map(|(_, token)| Box::new((token, turn(waited)))),
                    ))),
                }
            })?;
            let holder = match step {
                Step::Done(found) => return Ok(found.map(|found| *found)),
                Step::Wait { holder } => holder,
            };
            waited = true;
            let current = Patience::for_holder(patience.take(), holder, self.refresh_lease);
            let until = current.until;
            patience = Some(current);
            if let Some(found) = self.wait_for_refresh(id, &select, seen, holder, until)? {
                return Ok(found.map(|token| (token, RefreshTurn::RefreshedByAnother)));
            }
        }
    }

    /// Waits while `holder`'s lease on token `id` stands, the token is still due and `until`
    /// (this caller's patience, on its own clock) has not passed. `Some(found)`: the token was
    /// saved fresh (or deleted, or is no longer selected); `None`: the lease fell (deadline,
    /// holder gone, another holder, ended without a fresh save, or waited out) and may be taken.
    fn wait_for_refresh(
        &self,
        id: u64,
        select: &impl Fn(&dyn ReadTables, &Unlocked) -> Result<Selected, Error>,
        mut seen: u64,
        holder: [u8; 16],
        until: Instant,
    ) -> Result<Option<Option<Token>>, Error> {
        loop {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            seen = self.wait_for_commit(seen, POLL.min(left));
            let now = lease::now_ms();
            let (found, lease) = self.read(|store, keys| {
                let lease = store.lease(id)?.as_deref().and_then(Lease::decode);
                Ok((select(store, keys)?, lease))
            })?;
            match found {
                Some((again, token))
                    if again == id && lease::refresh_due(&token, crate::clock::now_ms()) => {}
                other => return Ok(Some(other.map(|(_, token)| token))),
            }
            if !lease.is_some_and(|lease| lease.holder == holder && lease.stands(now)) {
                return Ok(None);
            }
        }
    }
}
