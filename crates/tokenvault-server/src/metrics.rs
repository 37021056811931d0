//! Prometheus metrics (`GET /metrics`, text exposition format; docs/PROTOCOL.md §Metrics).
//!
//! Labels are operations, results (an error code or `ok`) and refresh turns: never an id, a user
//! name or any token field, so a scrape reveals nothing about whose tokens are stored.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use tokenvault::Vault;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    operation: &'static str,
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabel {
    operation: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TurnLabel {
    turn: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

/// How long the vault-wide gauges (tokens stored, expiring within the hour) are reused between
/// scrapes: counting the expiring tokens decrypts every token.
const VAULT_GAUGES_TTL: Duration = Duration::from_secs(30);

/// The service's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<OperationLabel, Histogram>,
    refresh_turns: Family<TurnLabel, Counter>,
    connections_open: Gauge,
    connections_refused: Family<ReasonLabel, Counter>,
    leases_held: Gauge,
    tokens_stored: Gauge,
    tokens_expiring_within_hour: Gauge,
    vault_gauges_at: Mutex<Option<Instant>>,
    refresh_ahead: Family<OutcomeLabel, Counter>,
    refresh_ahead_next: Gauge,
    refresh_ahead_stopped: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("tokenvault");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "requests",
            "Requests by operation and result (an error code, or ok)",
            requests.clone(),
        );
        // 50 µs .. ~3.3 s in ×2 steps: a find over the socket is well under a millisecond, a
        // save one fsync, a waiter for another caller's refresh up to the lease length.
        let latency = Family::<OperationLabel, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.000_05, 2.0, 17))
        });
        registry.register(
            "request_duration_seconds",
            "Time from a request's headers to its answer, by operation",
            latency.clone(),
        );
        let refresh_turns = Family::<TurnLabel, Counter>::default();
        registry.register(
            "refresh_turns",
            "Coordinated finds by answer: not_due, yours (this caller refreshes), refreshed_by_another (waited for another caller's refresh)",
            refresh_turns.clone(),
        );
        let connections_open = Gauge::default();
        registry.register(
            "connections_open",
            "Client connections open now",
            connections_open.clone(),
        );
        let connections_refused = Family::<ReasonLabel, Counter>::default();
        registry.register(
            "connections_refused",
            "Connections closed at once, by reason (limit: the connection limit was reached)",
            connections_refused.clone(),
        );
        let leases_held = Gauge::default();
        registry.register(
            "refresh_leases_held",
            "Refresh leases that stand now (a caller is refreshing the token)",
            leases_held.clone(),
        );
        let tokens_stored = Gauge::default();
        registry.register(
            "tokens_stored",
            "Tokens in the vault",
            tokens_stored.clone(),
        );
        let tokens_expiring_within_hour = Gauge::default();
        registry.register(
            "tokens_expiring_within_hour",
            "Tokens whose access token expires within the next hour (or has expired)",
            tokens_expiring_within_hour.clone(),
        );
        let refresh_ahead = Family::<OutcomeLabel, Counter>::default();
        registry.register(
            "refresh_ahead",
            "Refresh-ahead attempts by outcome: renewed, superseded, revoked (invalid_code), rate_limited (Access Denied), server_error, network_error, timeout, rejected, no_data_center, store_failed",
            refresh_ahead.clone(),
        );
        let refresh_ahead_next = Gauge::default();
        registry.register(
            "refresh_ahead_next_unix_seconds",
            "When refresh ahead next renews a token (the earliest of all, Unix seconds); 0 when nothing is scheduled or refresh ahead is off",
            refresh_ahead_next.clone(),
        );
        let refresh_ahead_stopped = Gauge::default();
        registry.register(
            "refresh_ahead_stopped_tokens",
            "Tokens refresh ahead stopped renewing: the accounts server answered invalid_code (revoked); they resume when a new refresh token is saved",
            refresh_ahead_stopped.clone(),
        );
        Metrics {
            refresh_ahead,
            refresh_ahead_next,
            refresh_ahead_stopped,
            registry,
            requests,
            latency,
            refresh_turns,
            connections_open,
            connections_refused,
            leases_held,
            tokens_stored,
            tokens_expiring_within_hour,
            vault_gauges_at: Mutex::new(None),
        }
    }

    /// One answered request.
    pub fn request(&self, operation: &'static str, result: &'static str, took: Duration) {
        self.requests
            .get_or_create(&RequestLabels { operation, result })
            .inc();
        self.latency
            .get_or_create(&OperationLabel { operation })
            .observe(took.as_secs_f64());
    }

    /// One coordinated find's answer.
    pub fn refresh_turn(&self, turn: &'static str) {
        self.refresh_turns.get_or_create(&TurnLabel { turn }).inc();
    }

    /// One refresh-ahead attempt's outcome.
    pub(crate) fn refresh_ahead_outcome(&self, outcome: &'static str) {
        self.refresh_ahead
            .get_or_create(&OutcomeLabel { outcome })
            .inc();
    }

    /// Refresh ahead's schedule: its earliest attempt (token-time epoch ms) and stopped tokens.
    pub(crate) fn refresh_ahead_schedule(&self, earliest_ms: Option<u64>, stopped: usize) {
        self.refresh_ahead_next
            .set(earliest_ms.map_or(0, |ms| i64::try_from(ms.div_ceil(1000)).unwrap_or(i64::MAX)));
        self.refresh_ahead_stopped
            .set(i64::try_from(stopped).unwrap_or(i64::MAX));
    }

    pub fn connection_opened(&self) {
        self.connections_open.inc();
    }

    pub fn connection_closed(&self) {
        self.connections_open.dec();
    }

    pub fn connection_refused(&self, reason: &'static str) {
        self.connections_refused
            .get_or_create(&ReasonLabel { reason })
            .inc();
    }

    /// The exposition text, with the vault's gauges read now (blocking: call it off the runtime's
    /// workers). A gauge the vault cannot answer keeps its last value.
    pub fn render(&self, vault: &Vault) -> String {
        if let Ok(leases) = vault.refresh_leases() {
            self.leases_held
                .set(i64::try_from(leases.len()).unwrap_or(i64::MAX));
        }
        self.refresh_vault_gauges(vault);
        let mut text = String::new();
        // Writing into a String cannot fail; an error would be a bug in the encoder.
        if encode(&mut text, &self.registry).is_err() {
            text.clear();
        }
        text
    }

    fn refresh_vault_gauges(&self, vault: &Vault) {
        let mut at = self
            .vault_gauges_at
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if at.is_some_and(|at| at.elapsed() < VAULT_GAUGES_TTL) {
            return;
        }
        let Ok(tokens) = vault.get_tokens() else {
            return;
        };
        let within_hour = now_ms() + 3_600_000;
        let expiring = tokens
            .iter()
            .filter_map(|token| token.expiry_time.as_deref()?.parse::<u64>().ok())
            .filter(|expiry| *expiry <= within_hour)
            .count();
        self.tokens_stored
            .set(i64::try_from(tokens.len()).unwrap_or(i64::MAX));
        self.tokens_expiring_within_hour
            .set(i64::try_from(expiring).unwrap_or(i64::MAX));
        *at = Some(Instant::now());
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
