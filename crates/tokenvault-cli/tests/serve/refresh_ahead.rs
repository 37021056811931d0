//! `tokenvault serve --refresh-ahead`: tokens renewed before they expire, once per expiry, as
//! the SDK stores them; each failure told apart, backed off, signalled and bounded; a service
//! killed mid-refresh; two services on one vault. Against a mock accounts server on loopback
//! (`accounts_mock.rs`). Most tests run on a simulated clock (the test build's
//! `TOKENVAULT_SIMULATED_CLOCK`): token time runs FACTOR times faster, so an hour of expiries
//! passes in seconds; the service's own clock and the mock's record say the same thing.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::accounts_mock::{AccountsMock, Call, Reply};
use crate::support::{Scratch, Service, now_ms, sdk_token};

/// Token time as the service under test keeps it: `origin + (now - origin) * factor`.
#[derive(Clone, Copy)]
pub struct SimClock {
    origin: u128,
    factor: u128,
}

impl SimClock {
    pub fn new(factor: u128) -> SimClock {
        SimClock {
            origin: now_ms(),
            factor,
        }
    }

    /// The variable that puts a test build of the service on this clock.
    pub fn env(&self) -> (&'static str, String) {
        (
            "TOKENVAULT_SIMULATED_CLOCK",
            format!("{}:{}", self.origin, self.factor),
        )
    }

    /// Token time at system time `real_ms`.
    pub fn at(&self, real_ms: u128) -> u128 {
        self.origin + (real_ms - self.origin) * self.factor
    }

    pub fn now(&self) -> u128 {
        self.at(now_ms())
    }

    /// How long `token_ms` of token time takes on the system clock.
    pub fn real(&self, token_ms: u128) -> Duration {
        Duration::from_millis(u64::try_from(token_ms / self.factor).unwrap())
    }
}

const MINUTE: u128 = 60_000;
const SECRETS: [&str; 3] = ["client-secret-value", "1000.refresh.", "1000.access."];

/// Waits until `done` holds, for at most `within`.
fn wait_for(within: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let until = Instant::now() + within;
    while !done() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn token_by_id(service: &Service, id: &str) -> Value {
    let answer = service.call("GET", &format!("/v1/tokens/{id}?coordinate=false"), None);
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.json["token"].clone()
}

fn metric(service: &Service, line_start: &str) -> Option<f64> {
    let text = service.call("GET", "/metrics", None).body;
    text.lines()
        .find(|line| line.starts_with(line_start))
        .and_then(|line| line.rsplit(' ').next()?.parse().ok())
}

fn assert_no_secret(text: &str, what: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "a secret ({secret}…) is in {what}");
    }
}

/// Whether any `window` of token time holds more than `most` of `calls`.
fn most_in_any_window(clock: &SimClock, calls: &[Call], window: u128) -> usize {
    let times: Vec<u128> = calls.iter().map(|c| clock.at(c.at_ms)).collect();
    (0..times.len())
        .map(|i| {
            times[i..]
                .iter()
                .take_while(|&&t| t < times[i] + window)
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[test]
fn a_due_token_is_renewed_at_once_and_stored_as_the_sdk_stores_it() {
    let mock = AccountsMock::start(|_, _| Reply::Token {
        access_token: "1000.access.renewed".into(),
        expires_in: 3600,
    });
    let scratch = Scratch::new();
    let service = scratch.serve_built(
        "ahead",
        &["--refresh-ahead", "--accounts-url", &mock.url],
        &[],
    );
    let mut expired = sdk_token("ann@zylker.com", now_ms() - 1_000);
    expired["api_domain"] = json!("https://www.zohoapis.eu");
    let before = now_ms();
    assert_eq!(
        service.call("PUT", "/v1/tokens", Some(&expired)).status,
        200
    );

    wait_for(Duration::from_secs(20), "the renewal", || {
        token_by_id(&service, "1")["access_token"] == "1000.access.renewed"
    });
    let after = now_ms();
    let calls = mock.calls();
    assert_eq!(calls.len(), 1, "one call per expiry");
    let call = &calls[0];
    assert_eq!(call.path, "/oauth/v2/token");
    assert_eq!(call.form["grant_type"], "refresh_token");
    assert_eq!(call.form["client_id"], "1000.CLIENTID");
    assert_eq!(call.form["client_secret"], "client-secret-value");
    assert_eq!(call.form["refresh_token"], "1000.refresh.ann@zylker.com");

    // parse_response: expiry = now + expires_in * 1000, the answer's api_domain, the rest kept.
    let token = token_by_id(&service, "1");
    let expiry: u128 = token["expiry_time"].as_str().unwrap().parse().unwrap();
    assert!(
        (before + 3_600_000..=after + 3_600_000).contains(&expiry),
        "{expiry}"
    );
    assert_eq!(token["api_domain"], "https://www.zohoapis.com");
    assert_eq!(token["refresh_token"], "1000.refresh.ann@zylker.com");
    assert_eq!(token["user_name"], "ann@zylker.com");

    // The next renewal is scheduled 5 minutes (less a jitter of at most one) before expiry.
    let next = metric(&service, "tokenvault_refresh_ahead_next_unix_seconds").unwrap() as u128;
    let due = (expiry - 5 * MINUTE) / 1000;
    assert!(
        (due - 61..=due + 1).contains(&next),
        "next {next}, due {due}"
    );
    assert_eq!(
        metric(
            &service,
            "tokenvault_refresh_ahead_total{outcome=\"renewed\"}"
        ),
        Some(1.0)
    );
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(mock.calls().len(), 1, "renewed once, not again");

    let events = scratch.events("ahead");
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["token_id"], "1");
    assert_eq!(events[0]["outcome"], "renewed");
    assert!(
        events[0].get("user_name").is_none(),
        "user names only when asked"
    );
    assert_no_secret(&serde_json::to_string(&events).unwrap(), "the events");
    assert_no_secret(&service.log_text(), "the log");
}

#[test]
fn each_failure_is_told_apart_backed_off_signalled_and_bounded() {
    let clock = SimClock::new(600);
    let mock = AccountsMock::start(|call, _| match call.refresh_token() {
        "1000.refresh.revoked@zylker.com" => Reply::InvalidCode,
        "1000.refresh.denied@zylker.com" => Reply::AccessDenied,
        "1000.refresh.broken@zylker.com" => Reply::ServerError,
        _ => Reply::Hang,
    });
    let scratch = Scratch::new();
    let hook = format!(
        "echo \"$TOKENVAULT_TOKEN_ID $TOKENVAULT_OUTCOME $TOKENVAULT_FAILURES ${{TOKENVAULT_KEY_FILE:-no-key-file}} ${{TOKENVAULT_USER_NAME:-}}\" >> {}",
        scratch.path("hook.log").display()
    );
    let service = scratch.serve_built(
        "ahead",
        &[
            "--refresh-ahead",
            "5m",
            "--accounts-url",
            &mock.url,
            "--on-failure",
            &hook,
            "--refresh-events-user-names",
            // A hung call ends before the lease (2 s) falls: 1.5 s, 15 simulated minutes.
            "--refresh-lease",
            "2",
        ],
        &[clock.env()],
    );
    assert!(service.log_text().contains("simulated clock"));
    let users = ["revoked", "denied", "broken", "hung"];
    for user in users {
        let token = sdk_token(&format!("{user}@zylker.com"), clock.now() - 1_000);
        assert_eq!(service.call("PUT", "/v1/tokens", Some(&token)).status, 200);
    }
    let started = clock.now();
    // 50 simulated minutes.
    std::thread::sleep(clock.real(50 * MINUTE));
    let ended = clock.now();
    let calls_of = |user: &str| mock.calls_for(&format!("1000.refresh.{user}@zylker.com"));

    // invalid_code: one call, then the token is stopped.
    assert_eq!(calls_of("revoked").len(), 1);
    // Access Denied: once per 10-minute window.
    let denied = calls_of("denied");
    assert!(denied.len() >= 3, "{} calls", denied.len());
    for pair in denied.windows(2) {
        let gap = clock.at(pair[1].at_ms) - clock.at(pair[0].at_ms);
        assert!(
            gap >= 10 * MINUTE - 2_000,
            "Access Denied retried after {gap} ms"
        );
    }
    // 5xx: exponential backoff (5 s, doubling, each drawn between half and all of it).
    let broken = calls_of("broken");
    assert!(broken.len() >= 6, "{} calls", broken.len());
    for (n, pair) in broken.windows(2).enumerate() {
        let gap = clock.at(pair[1].at_ms) - clock.at(pair[0].at_ms);
        let least = (2_500u128 << n).min(150_000);
        assert!(gap + 1_000 >= least, "retry {n} after {gap} ms");
    }
    // A hang: timed out and retried with backoff.
    let hung = calls_of("hung");
    assert!(!hung.is_empty());
    // Never more than 10 calls per refresh token in any 10 minutes.
    for user in users {
        let most = most_in_any_window(&clock, &calls_of(user), 10 * MINUTE);
        assert!(most <= 10, "{user}: {most} calls in 10 minutes");
    }

    // Signals: events, metrics, the hook.
    let events = scratch.events("ahead");
    let outcomes_of = |user: &str| -> Vec<String> {
        events
            .iter()
            .filter(|e| e["user_name"] == format!("{user}@zylker.com"))
            .map(|e| e["outcome"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(outcomes_of("revoked"), ["revoked"]);
    assert!(outcomes_of("denied").iter().all(|o| o == "rate_limited"));
    assert!(outcomes_of("broken").iter().all(|o| o == "server_error"));
    assert!(outcomes_of("hung").iter().all(|o| o == "timeout"));
    assert!(!outcomes_of("hung").is_empty());
    for event in &events {
        assert!(event["at_unix_ms"].as_u64().unwrap() as u128 <= ended + MINUTE);
        assert!(event["at_unix_ms"].as_u64().unwrap() as u128 >= started - MINUTE);
    }
    let revoked_line = events.iter().find(|e| e["outcome"] == "revoked").unwrap();
    assert!(revoked_line["next_attempt_unix_ms"].is_null(), "stopped");
    for (outcome, least) in [
        ("revoked", 1.0),
        ("rate_limited", 3.0),
        ("server_error", 6.0),
        ("timeout", 1.0),
    ] {
        let counted = metric(
            &service,
            &format!("tokenvault_refresh_ahead_total{{outcome=\"{outcome}\"}}"),
        )
        .unwrap_or(0.0);
        assert!(counted >= least, "{outcome}: {counted}");
    }
    assert_eq!(
        metric(&service, "tokenvault_refresh_ahead_stopped_tokens"),
        Some(1.0)
    );
    wait_for(Duration::from_secs(10), "the hook's lines", || {
        std::fs::read_to_string(scratch.path("hook.log"))
            .is_ok_and(|log| log.contains(" revoked ") && log.contains(" timeout "))
    });
    let hook_log = std::fs::read_to_string(scratch.path("hook.log")).unwrap();
    assert!(
        hook_log
            .lines()
            .any(|l| l.ends_with(" revoked 1 no-key-file revoked@zylker.com")),
        "{hook_log}"
    );
    assert!(hook_log.contains(" rate_limited ") && hook_log.contains(" server_error "));
    assert_no_secret(&hook_log, "the hook's environment");
    assert_no_secret(&serde_json::to_string(&events).unwrap(), "the events");
    assert_no_secret(&service.log_text(), "the log");

    // A new refresh token (a new grant saved by the SDK) lifts the revocation.
    let mut granted = sdk_token("revoked@zylker.com", clock.now() - 1_000);
    granted["refresh_token"] = json!("1000.refresh.regranted");
    assert_eq!(
        service.call("PUT", "/v1/tokens", Some(&granted)).status,
        200
    );
    wait_for(
        Duration::from_secs(10),
        "the renewal after a new grant",
        || !mock.calls_for("1000.refresh.regranted").is_empty(),
    );
}

#[test]
fn a_service_killed_mid_refresh_leaves_a_lease_the_next_attempt_follows() {
    let mock = AccountsMock::start(|_, earlier| match earlier {
        0 => Reply::Hang,
        _ => Reply::Token {
            access_token: "1000.access.after".into(),
            expires_in: 3600,
        },
    });
    let scratch = Scratch::new();
    // A 60 s lease: were it outlived rather than seen to have lost its holder, the next
    // service would wait a minute.
    let lease = ["--refresh-lease", "60"];
    let mut first = scratch.serve_built(
        "first",
        &[
            "--refresh-ahead",
            "--accounts-url",
            &mock.url,
            lease[0],
            lease[1],
        ],
        &[],
    );
    let later = now_ms() + 3_600_000;
    for user in ["bob@zylker.com", "cy@zylker.com"] {
        assert_eq!(
            first
                .call("PUT", "/v1/tokens", Some(&sdk_token(user, later)))
                .status,
            200
        );
    }
    let expired = sdk_token("ann@zylker.com", now_ms() - 1_000);
    assert_eq!(first.call("PUT", "/v1/tokens", Some(&expired)).status, 200);
    wait_for(Duration::from_secs(20), "the first call", || {
        mock.calls().len() == 1
    });
    // Mid-refresh: the lease is held, the call unanswered. SIGKILL.
    first.child.kill().unwrap();
    first.child.wait().unwrap();

    let second = scratch.serve_built(
        "second",
        &[
            "--refresh-ahead",
            "--accounts-url",
            &mock.url,
            lease[0],
            lease[1],
        ],
        &[],
    );
    wait_for(
        Duration::from_secs(30),
        "the renewal by the next service",
        || token_by_id(&second, "3")["access_token"] == "1000.access.after",
    );
    assert_eq!(mock.calls().len(), 2, "one more call, not more");
    // Nothing lost: every token is there, the others untouched, the vault verifies.
    let all = second.call("GET", "/v1/tokens", None).json["tokens"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(all.len(), 3);
    assert_eq!(
        token_by_id(&second, "1")["access_token"],
        "1000.access.bob@zylker.com"
    );
    assert_eq!(
        token_by_id(&second, "2")["access_token"],
        "1000.access.cy@zylker.com"
    );
    assert!(
        scratch.events("first").is_empty(),
        "the killed service said nothing"
    );
    let events = scratch.events("second");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["outcome"], "renewed");
    drop(second);
    let verify = scratch.command().arg("verify").output().unwrap();
    assert!(verify.status.success(), "{verify:?}");
}

/// Two services with refresh ahead on one vault, over two simulated hours of 12 tokens: every
/// expiry is renewed once between them (the mock sees no two calls for one refresh token within
/// half an hour), and every renewal is stored. `scratch` names the vault (a file, or MySQL).
pub fn two_services_renew_each_expiry_once(scratch: &Scratch) {
    let clock = SimClock::new(900);
    let issued = std::sync::atomic::AtomicUsize::new(0);
    let mock = AccountsMock::start(move |_, _| Reply::Token {
        access_token: format!(
            "1000.access.{}",
            issued.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        ),
        expires_in: 3600,
    });
    let extra = ["--refresh-ahead", "--accounts-url", &mock.url];
    let first = scratch.serve_built("first", &extra, &[clock.env()]);
    let second = scratch.serve_built("second", &extra, &[clock.env()]);
    for n in 0..12u128 {
        // Expiries spread over the first hour; a third already expired.
        let expiry = clock.now() + n * 5 * MINUTE - 15 * MINUTE;
        let token = sdk_token(&format!("user{n}@zylker.com"), expiry);
        assert_eq!(first.call("PUT", "/v1/tokens", Some(&token)).status, 200);
    }
    std::thread::sleep(clock.real(120 * MINUTE));
    drop(first);
    drop(second);

    let mut by_token: HashMap<String, Vec<Call>> = HashMap::new();
    for call in mock.calls() {
        by_token
            .entry(call.refresh_token().to_string())
            .or_default()
            .push(call);
    }
    assert_eq!(by_token.len(), 12, "every token renewed");
    for (refresh, calls) in &by_token {
        assert!(
            (2..=4).contains(&calls.len()),
            "{refresh}: {} calls",
            calls.len()
        );
        for pair in calls.windows(2) {
            let gap = clock.at(pair[1].at_ms) - clock.at(pair[0].at_ms);
            assert!(
                gap >= 30 * MINUTE,
                "{refresh}: renewed twice within {gap} ms"
            );
        }
    }
    let renewed: usize = ["first", "second"]
        .iter()
        .map(|name| {
            scratch
                .events(name)
                .iter()
                .filter(|e| e["outcome"] == "renewed")
                .count()
        })
        .sum();
    assert_eq!(renewed, mock.calls().len(), "every answer stored once");
}

#[test]
fn two_services_on_one_file_vault_renew_each_expiry_once() {
    two_services_renew_each_expiry_once(&Scratch::new());
}

#[test]
fn the_accounts_server_is_reached_through_the_proxy_the_environment_names() {
    // The mock stands in for a proxy: a proxied request names the whole URL in its request line.
    let proxy = AccountsMock::start(|_, _| Reply::Token {
        access_token: "1000.access.proxied".into(),
        expires_in: 3600,
    });
    let scratch = Scratch::new();
    // Nothing listens at the accounts URL itself: only the proxy can answer.
    let unreachable = format!("http://127.0.0.1:{}", crate::support::free_port());
    let service = scratch.serve_built(
        "ahead",
        &["--refresh-ahead", "--accounts-url", &unreachable],
        &[("HTTP_PROXY", proxy.url.clone())],
    );
    let expired = sdk_token("ann@zylker.com", now_ms() - 1_000);
    assert_eq!(
        service.call("PUT", "/v1/tokens", Some(&expired)).status,
        200
    );
    wait_for(
        Duration::from_secs(20),
        "the renewal through the proxy",
        || token_by_id(&service, "1")["access_token"] == "1000.access.proxied",
    );
    assert_eq!(
        proxy.calls()[0].path,
        format!("{unreachable}/oauth/v2/token")
    );
}
