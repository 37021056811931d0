//! Refresh ahead (`tokenvault serve --refresh-ahead [MARGIN]`): the service renews every token
//! with a refresh token before it expires, once per expiry, and says when it cannot
//! (docs/RELIABILITY.md §Refresh ahead; README §Refresh ahead).
//!
//! The rules are the library's: which tokens are due (`Vault::renewal_schedule`), the refresh
//! lease a renewal is made under (`Vault::take_renewal`, the protocol `find_token_coordinated`
//! follows, so that workers' SDKs and other services never refresh the same expiry), and how the
//! answer is stored (`Vault::complete_renewal`, the SDK's `parse_response`). Here, one module per
//! concept:
//! - `schedule.rs`: when each token is tried next (jitter, backoff by failure class, the
//!   revocation mark); `budget.rs`: at most 10 calls per refresh token in any 10 minutes;
//! - `accounts.rs`: the HTTP call and its outcome; `data_centers.rs`: which accounts server;
//! - `events.rs`: the JSON event line and the `--on-failure` command;
//! - this file: the loop that ties them together. Metrics are in `metrics.rs`.
//!
//! Times are token time (`tokenvault::clock`): the system clock, except in test builds that
//! simulate a day in seconds.

mod accounts;
mod budget;
mod data_centers;
mod events;
mod schedule;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokenvault::{RenewalSaved, RenewalTurn, Vault, clock};
use tokio::sync::{Notify, Semaphore, watch};

pub use accounts::{AccountsUrlError, check_accounts_url};

use crate::metrics::Metrics;
use accounts::{Accounts, Outcome};
use events::Event;
use schedule::{Finished, Listed, Schedule};

/// The default margin: renew 5 minutes before expiry (the library's, which `tokenvault list`
/// shows).
pub const DEFAULT_MARGIN: Duration = tokenvault::DEFAULT_RENEWAL_MARGIN;
/// The longest margin: an access token lives an hour, and a margin near it would renew
/// continuously.
pub const MAX_MARGIN: Duration = Duration::from_secs(30 * 60);

/// Attempts in flight at once (each is one HTTPS call and two write transactions).
const CONCURRENCY: usize = 8;
/// The longest the loop sleeps before it reads the vault's list again (system time): a token an
/// SDK saved meanwhile is scheduled within this.
const RESCAN: Duration = Duration::from_secs(1);
/// How long (system time) before a token whose lease another caller holds is looked at again.
const LEASED_RETRY: Duration = Duration::from_millis(500);

/// What `--refresh-ahead` asks for.
#[derive(Debug, Clone)]
pub struct RefreshAheadConfig {
    /// Renew this long before expiry (at least `tokenvault::MIN_RENEWAL_MARGIN`, at most
    /// [`MAX_MARGIN`]).
    pub margin: Duration,
    /// `--accounts-url`: the accounts server for every token (checked by
    /// [`check_accounts_url`]); else each token's data center's.
    pub accounts_url: Option<String>,
    /// `--on-failure`: a shell command run after each failure.
    pub on_failure: Option<String>,
    /// Put user names into events and the hook's environment.
    pub user_names: bool,
}

impl RefreshAheadConfig {
    /// Refresh ahead with `margin` and the defaults otherwise.
    pub fn new(margin: Duration) -> Self {
        RefreshAheadConfig {
            margin,
            accounts_url: None,
            on_failure: None,
            user_names: false,
        }
    }
}

struct RefreshAhead {
    config: RefreshAheadConfig,
    accounts: Accounts,
    schedule: Mutex<Schedule>,
    wake: Notify,
    vault: Arc<VaultHandleRef>,
    metrics: Arc<Metrics>,
    permits: Arc<Semaphore>,
}

/// What the loop needs of the service's vault.
pub(crate) type VaultHandleRef = dyn Fn() -> Option<Arc<Vault>> + Send + Sync;

/// Starts refresh ahead on the runtime; it ends when `stopped` turns true.
pub(crate) fn start(
    config: RefreshAheadConfig,
    vault: Arc<VaultHandleRef>,
    metrics: Arc<Metrics>,
    stopped: watch::Receiver<bool>,
) -> Result<tokio::task::JoinHandle<()>, String> {
    let accounts = Accounts::new(config.accounts_url.clone())?;
    if let Some(factor) = clock::simulated_factor() {
        tracing::warn!(
            factor,
            "refresh ahead runs on a simulated clock (a test build)"
        );
    }
    tracing::info!(
        margin_seconds = config.margin.as_secs(),
        accounts = config.accounts_url.as_deref().unwrap_or("by data center"),
        "refresh ahead is on"
    );
    let ahead = Arc::new(RefreshAhead {
        schedule: Mutex::new(Schedule::new(config.margin)),
        config,
        accounts,
        wake: Notify::new(),
        vault,
        metrics,
        permits: Arc::new(Semaphore::new(CONCURRENCY)),
    });
    Ok(tokio::spawn(run(ahead, stopped)))
}

async fn run(ahead: Arc<RefreshAhead>, mut stopped: watch::Receiver<bool>) {
    loop {
        let wait = match rescan(&ahead).await {
            Ok(wait) => wait,
            Err(why) => {
                tracing::warn!(error = %why, "refresh ahead could not read the vault's tokens; trying again");
                RESCAN
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = ahead.wake.notified() => {}
            _ = stopped.changed() => return,
        }
    }
}

/// Reads the vault's list, starts the attempts that are due, and says how long to sleep.
async fn rescan(ahead: &Arc<RefreshAhead>) -> Result<Duration, String> {
    let vault = (ahead.vault)().ok_or("the vault is being reopened")?;
    let margin = ahead.config.margin;
    let listed = tokio::task::spawn_blocking(move || vault.renewal_schedule(margin))
        .await
        .map_err(|_| "the vault call panicked".to_string())?
        .map_err(|e| e.to_string())?;
    let now = clock::now_ms();
    let listed = listed
        .into_iter()
        .map(|item| Listed {
            token_id: item.token_id,
            user_name: item.user_name,
            due_unix_ms: item.due_unix_ms,
            refresh_token_digest: item.refresh_token_digest,
        })
        .collect();
    let (ready, earliest, revoked) = {
        let mut schedule = lock(&ahead.schedule);
        schedule.update(listed, now);
        let ready = schedule.take_ready(now, ahead.permits.available_permits());
        (ready, schedule.earliest(), schedule.revoked())
    };
    ahead.metrics.refresh_ahead_schedule(earliest, revoked);
    for item in ready {
        let ahead = ahead.clone();
        let Ok(permit) = ahead.permits.clone().try_acquire_owned() else {
            // Not reached (no more are taken than there are permits); the token is tried again.
            lock(&ahead.schedule).finish(&item.token_id, Finished::Leased { retry_at: now }, now);
            continue;
        };
        tokio::spawn(async move {
            attempt(&ahead, &item.token_id, item.user_name.as_deref()).await;
            drop(permit);
            ahead.wake.notify_one();
        });
    }
    let wait = earliest.map_or(RESCAN, |at| {
        clock::system_span(Duration::from_millis(at.saturating_sub(now)))
    });
    Ok(wait.clamp(Duration::from_millis(2), RESCAN))
}

/// One token's attempt: the lease, the call, the answer stored or the lease ended, the signals.
async fn attempt(ahead: &Arc<RefreshAhead>, token_id: &str, user_name: Option<&str>) {
    let (finished, signal) = match try_renewal(ahead, token_id).await {
        Ok(done) => done,
        Err(why) => {
            tracing::warn!(token_id, error = %why, "refresh ahead: a vault call failed");
            (Finished::Transient, None)
        }
    };
    let (next, failures) = {
        let mut schedule = lock(&ahead.schedule);
        let next = schedule.finish(token_id, finished, clock::now_ms());
        (next, schedule.failures(token_id))
    };
    if let Some(signal) = signal {
        signal.emit(ahead, token_id, user_name, next, failures);
    }
}

/// What an attempt tells the operator.
struct Signal {
    outcome: &'static str,
    expiry_unix_ms: Option<u64>,
    failure: bool,
}

impl Signal {
    fn emit(
        self,
        ahead: &Arc<RefreshAhead>,
        token_id: &str,
        user_name: Option<&str>,
        next: Option<u64>,
        failures: u32,
    ) {
        ahead.metrics.refresh_ahead_outcome(self.outcome);
        let user_name = user_name.filter(|_| ahead.config.user_names);
        let event = Event {
            token_id,
            user_name,
            outcome: self.outcome,
            at_unix_ms: clock::now_ms(),
            next_attempt_unix_ms: next,
            failures,
            expiry_unix_ms: self.expiry_unix_ms,
        };
        let line = event.line();
        tokio::task::spawn_blocking(move || events::write_line(&line));
        if self.failure {
            tracing::warn!(
                token_id,
                outcome = self.outcome,
                failures,
                "refresh ahead failed"
            );
            if let Some(command) = ahead.config.on_failure.clone() {
                let token_id = token_id.to_string();
                let user_name = user_name.map(str::to_string);
                let outcome = self.outcome;
                tokio::task::spawn_blocking(move || {
                    let event = Event {
                        token_id: &token_id,
                        user_name: user_name.as_deref(),
                        outcome,
                        at_unix_ms: clock::now_ms(),
                        next_attempt_unix_ms: next,
                        failures,
                        expiry_unix_ms: None,
                    };
                    events::run_hook(&command, &event);
                });
            }
        }
    }
}

/// The attempt's steps; `Err` for a vault call that failed (the schedule backs off).
async fn try_renewal(
    ahead: &Arc<RefreshAhead>,
    token_id: &str,
) -> Result<(Finished, Option<Signal>), String> {
    let vault = (ahead.vault)().ok_or("the vault is being reopened")?;
    let margin = ahead.config.margin;
    let id = token_id.to_string();
    let taken = blocking(vault.clone(), move |vault| vault.take_renewal(&id, margin)).await?;
    let renewal = match taken {
        RenewalTurn::Yours(renewal) => renewal,
        RenewalTurn::NotDue { due_unix_ms } => {
            return Ok((
                Finished::Renewed {
                    due: Some(due_unix_ms),
                },
                None,
            ));
        }
        RenewalTurn::NotRenewable => return Ok((Finished::Renewed { due: None }, None)),
        RenewalTurn::Leased => {
            let retry_in = LEASED_RETRY.as_millis() as u64 * clock::simulated_factor().unwrap_or(1);
            let retry_at = clock::now_ms().saturating_add(retry_in);
            return Ok((Finished::Leased { retry_at }, None));
        }
        _ => return Err("an unknown renewal turn".into()),
    };
    let failure = |outcome, finished| {
        Ok((
            finished,
            Some(Signal {
                outcome,
                expiry_unix_ms: None,
                failure: true,
            }),
        ))
    };
    let Some(url) = ahead.accounts.token_url(renewal.token()) else {
        blocking(vault, move |vault| vault.abandon_renewal(renewal)).await?;
        return failure("no_data_center", Finished::Window);
    };
    if !lock(&ahead.schedule).count_call(token_id, clock::now_ms()) {
        // The window filled since the token was found ready (another token shares its refresh
        // token): no call; the schedule waits for room.
        blocking(vault, move |vault| vault.abandon_renewal(renewal)).await?;
        return Ok((
            Finished::Leased {
                retry_at: clock::now_ms(),
            },
            None,
        ));
    }
    // The call ends before the lease falls: no other caller may take it over meanwhile.
    let deadline = renewal
        .lease_left()
        .saturating_sub(Duration::from_millis(500))
        .max(Duration::from_millis(100));
    let outcome = ahead
        .accounts
        .refresh(&url, renewal.token(), deadline)
        .await;
    let finished = match &outcome {
        Outcome::Renewed(_) => Finished::Renewed { due: None },
        Outcome::Revoked => Finished::Revoked,
        Outcome::RateLimited | Outcome::Rejected => Finished::Window,
        Outcome::ServerError | Outcome::Network | Outcome::Timeout => Finished::Transient,
    };
    let name = outcome.name();
    match outcome {
        Outcome::Renewed(answer) => {
            let saved =
                blocking(vault, move |vault| vault.complete_renewal(renewal, &answer)).await;
            match saved {
                Ok(RenewalSaved::Saved { expiry_unix_ms }) => Ok((
                    Finished::Renewed {
                        due: Some(tokenvault::renewal_due_for(expiry_unix_ms, margin)),
                    },
                    Some(Signal {
                        outcome: name,
                        expiry_unix_ms: Some(expiry_unix_ms),
                        failure: false,
                    }),
                )),
                Ok(_) => Ok((
                    Finished::Renewed { due: None },
                    Some(Signal {
                        outcome: "superseded",
                        expiry_unix_ms: None,
                        failure: false,
                    }),
                )),
                Err(why) => {
                    tracing::warn!(token_id, error = %why, "refresh ahead: the renewed token could not be stored");
                    failure("store_failed", Finished::Transient)
                }
            }
        }
        _ => {
            blocking(vault, move |vault| vault.abandon_renewal(renewal)).await?;
            failure(name, finished)
        }
    }
}

/// Runs a vault call on the blocking pool.
async fn blocking<T: Send + 'static>(
    vault: Arc<Vault>,
    call: impl FnOnce(&Vault) -> Result<T, tokenvault::Error> + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(move || call(&vault))
        .await
        .map_err(|_| "the vault call panicked".to_string())?
        .map_err(|e| e.to_string())
}

fn lock(schedule: &Mutex<Schedule>) -> MutexGuard<'_, Schedule> {
    schedule
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
