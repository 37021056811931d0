//! Refresh ahead: a service renews a token before its expiry, under the same refresh lease the
//! coordinated find takes (`store/refresh.rs`), so that it, in-process `VaultStore` workers and
//! another service on the same vault never refresh one expiry twice (docs/RELIABILITY.md
//! §Refresh ahead). The HTTP call is the caller's; taking the lease, storing the answer as the
//! SDK does, and ending the lease are here.

use std::time::Duration;

use crate::clock;
use crate::error::Error;
use crate::lease::{self, Lease};
use crate::renewal::{self, AccountsAnswer};
use crate::rules;
use crate::store::{Finish, Vault, lookup};
use crate::token::Token;

/// A token a refresh-ahead service renews, as [`Vault::renewal_schedule`] lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScheduledRenewal {
    /// The token's id.
    pub token_id: String,
    /// The token's user name (for an operator who asks to see it).
    pub user_name: Option<String>,
    /// When a renewal with the margin asked for is due: token-time epoch milliseconds
    /// ([`clock::now_ms`](crate::clock::now_ms)); 0 for a token without an access token.
    pub due_unix_ms: u64,
    /// The refresh token's digest (BLAKE2b under a key of this vault handle's): tells one refresh
    /// token from another without holding it (Zoho's limits count per refresh token).
    pub refresh_token_digest: [u8; 16],
}

/// What [`Vault::take_renewal`] found.
#[derive(Debug)]
#[non_exhaustive]
pub enum RenewalTurn {
    /// This caller holds the token's refresh lease: call the accounts server, then
    /// [`Vault::complete_renewal`] or [`Vault::abandon_renewal`].
    Yours(Box<Renewal>),
    /// Not due yet (renewed by another caller since, say): due then, token-time epoch ms.
    NotDue {
        /// When it is due.
        due_unix_ms: u64,
    },
    /// Another caller (a worker's SDK, another service) holds the lease: it refreshes.
    Leased,
    /// The token has no refresh token, client id or secret, or no expiry the SDK reads.
    NotRenewable,
}

/// A renewal this caller holds the lease for. Its secrets are never shown (`Debug` prints the
/// token id only).
pub struct Renewal {
    id: u64,
    token: Token,
    holder: [u8; 16],
    taken: std::time::Instant,
    lease_length: Duration,
}

impl std::fmt::Debug for Renewal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renewal")
            .field("token_id", &self.id)
            .finish_non_exhaustive()
    }
}

impl Renewal {
    /// The token's id.
    pub fn token_id(&self) -> String {
        self.id.to_string()
    }

    /// The token as stored when the lease was taken (its refresh token, client id and secret
    /// are what the accounts server is sent; its `api_domain` names the data center).
    pub fn token(&self) -> &Token {
        &self.token
    }

    /// How long the lease still stands on this caller's own clock: an HTTP call that takes
    /// longer lets another caller take the lease over (and refresh the same expiry).
    pub fn lease_left(&self) -> Duration {
        self.lease_length.saturating_sub(self.taken.elapsed())
    }
}

/// What [`Vault::complete_renewal`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RenewalSaved {
    /// The renewed token was saved (ending the lease); it expires then (token-time epoch ms).
    Saved {
        /// The new expiry.
        expiry_unix_ms: u64,
    },
    /// The lease was taken over while this caller waited for the accounts server, and the token
    /// is no longer due: another caller's renewal stands, and this answer is dropped.
    Superseded,
}

impl Vault {
    /// Every token a refresh-ahead service with `margin` renews, with when it is due (sorted by
    /// that time): tokens with a refresh token, client id, client secret and an access token
    /// expiry the SDK reads, or no access token at all. Decrypts every token.
    pub fn renewal_schedule(&self, margin: Duration) -> Result<Vec<ScheduledRenewal>, Error> {
        let mut schedule: Vec<ScheduledRenewal> = self
            .get_tokens()?
            .into_iter()
            .filter_map(|token| {
                let due = renewal::renewal_due_at(&token, margin)?;
                let refresh = token.refresh_token.as_ref()?;
                Some(ScheduledRenewal {
                    token_id: token.id.clone()?,
                    user_name: token.user_name.clone(),
                    due_unix_ms: due,
                    refresh_token_digest: self.digest(refresh.expose()),
                })
            })
            .collect();
        schedule.sort_by_key(|s| s.due_unix_ms);
        Ok(schedule)
    }

    /// Takes token `id`'s refresh lease for a renewal with `margin`, under the protocol of
    /// [`Vault::find_token_coordinated`]: in one write transaction the token is read again and,
    /// if a renewal is due and no lease stands, a lease naming this call is stored. A coordinated
    /// find that meets it waits for [`Vault::complete_renewal`]'s save.
    pub fn take_renewal(&self, id: &str, margin: Duration) -> Result<RenewalTurn, Error> {
        let key = rules::parse_id(id).ok_or_else(|| Error::TokenNotFound { id: id.to_string() })?;
        let length = self.refresh_lease;
        self.transact(|w| {
            let record = lookup::load(w.store(), &w.keys, key)?
                .ok_or_else(|| Error::TokenNotFound { id: id.to_string() })?;
            let token = record.token;
            let Some(due) = renewal::renewal_due_at(&token, margin) else {
                return Ok(Finish::Discard(RenewalTurn::NotRenewable));
            };
            if due > clock::now_ms() {
                return Ok(Finish::Discard(RenewalTurn::NotDue { due_unix_ms: due }));
            }
            let now = lease::now_ms();
            if w.lease(key)?.is_some_and(|lease| lease.stands(now)) {
                return Ok(Finish::Discard(RenewalTurn::Leased));
            }
            let taken = std::time::Instant::now();
            let lease = Lease::take(now, length)?;
            w.put_lease(key, &lease)?;
            Ok(Finish::Commit(RenewalTurn::Yours(Box::new(Renewal {
                id: key,
                token,
                holder: lease.holder,
                taken,
                lease_length: length.min(lease::MAX_REFRESH_LEASE),
            }))))
        })
    }

    /// Stores the accounts server's `answer` to `renewal` as the SDK's `parse_response` and
    /// `save_token` do (the access token, `expiry_time = now + expires_in` in token time, the
    /// refresh token and API domain when the answer has them), which ends the lease. If the lease
    /// was taken over meanwhile and the token is no longer due, the answer is dropped
    /// ([`RenewalSaved::Superseded`]).
    pub fn complete_renewal(
        &self,
        renewal: Box<Renewal>,
        answer: &AccountsAnswer,
    ) -> Result<RenewalSaved, Error> {
        let id = renewal.id;
        self.transact(|w| {
            let record = lookup::load(w.store(), &w.keys, id)?
                .ok_or_else(|| Error::TokenNotFound { id: id.to_string() })?;
            let ours = w
                .lease(id)?
                .is_some_and(|lease| lease.holder == renewal.holder);
            let still_due = renewal::renewal_due_at(&record.token, Duration::ZERO)
                .is_some_and(|due| due <= clock::now_ms())
                || record.token.access_token == renewal.token.access_token;
            if !ours && !still_due {
                return Ok(Finish::Discard(RenewalSaved::Superseded));
            }
            let now = clock::now_ms();
            let mut renewed = answer.apply(&record.token, now);
            renewed.id = Some(id.to_string());
            let expiry_unix_ms = now
                .saturating_add(u64::try_from(answer.lifetime().as_millis()).unwrap_or(u64::MAX));
            w.save(&mut renewed)?;
            Ok(Finish::Commit(RenewalSaved::Saved { expiry_unix_ms }))
        })
    }

    /// Ends `renewal`'s lease without a save (the accounts server refused or did not answer), if
    /// it is still this caller's: a coordinated find waiting for it stops waiting and takes the
    /// lease itself (its SDK refreshes, and meets the same answer).
    pub fn abandon_renewal(&self, renewal: Box<Renewal>) -> Result<(), Error> {
        self.transact(|w| match w.lease(renewal.id)? {
            Some(lease) if lease.holder == renewal.holder => {
                w.remove_lease(renewal.id)?;
                Ok(Finish::Commit(()))
            }
            _ => Ok(Finish::Discard(())),
        })
    }

    /// A digest of `secret` under a key of this handle's, random per process: it tells secrets
    /// apart within the process and says nothing outside it.
    fn digest(&self, secret: &str) -> [u8; 16] {
        static KEY: std::sync::OnceLock<crate::crypto::Key> = std::sync::OnceLock::new();
        let key = KEY.get_or_init(|| {
            let mut key = crate::crypto::Key::default();
            if let Ok(random) = crate::crypto::random_bytes::<32>() {
                key.copy_from_slice(&random);
            }
            key
        });
        crate::crypto::mac128(key, secret.as_bytes())
    }
}
