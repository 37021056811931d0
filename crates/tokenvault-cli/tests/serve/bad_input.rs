//! What a careless or hostile client can send: the service answers it (or closes its connection)
//! and keeps serving everyone else; nothing it sent reaches a log.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::{Scratch, now_ms, sdk_token};

#[test]
fn a_ten_mebibyte_body_is_refused_without_being_read_and_others_are_served() {
    let scratch = Scratch::new();
    let service = scratch.serve("s", &[]);
    // Declared: refused from the header.
    let mut stream = UnixStream::connect(&service.socket).unwrap();
    let head = "PUT /v1/tokens HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 10485760\r\n\r\n";
    stream.write_all(head.as_bytes()).unwrap();
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..10 {
        if stream.write_all(&chunk).is_err() {
            break; // the service closed the connection: fine
        }
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(
        answer.starts_with("HTTP/1.1 413"),
        "{}",
        &answer[..answer.len().min(200)]
    );
    // Chunked, without a length: refused once over the limit.
    let mut stream = UnixStream::connect(&service.socket).unwrap();
    let head = "PUT /v1/tokens HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    stream.write_all(head.as_bytes()).unwrap();
    for _ in 0..10 {
        let chunk = format!("{:x}\r\n{}\r\n", 1 << 20, " ".repeat(1 << 20));
        if stream.write_all(chunk.as_bytes()).is_err() {
            break;
        }
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(
        answer.starts_with("HTTP/1.1 413"),
        "{}",
        &answer[..answer.len().min(200)]
    );
    assert_eq!(service.call("GET", "/v1/health", None).status, 200);
    assert_eq!(
        service.call("GET", "/v1/tokens", None).json["tokens"],
        json!([])
    );
}

#[test]
fn a_client_sending_a_byte_a_second_is_disconnected_and_others_are_served() {
    let scratch = Scratch::new();
    let service = scratch.serve("s", &["--header-timeout", "1", "--body-timeout", "1"]);
    // Headers, a byte a second.
    let mut slow = UnixStream::connect(&service.socket).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let started = Instant::now();
    let mut closed = false;
    for byte in b"GET /v1/health HTTP/1.1\r\nHost: t\r\n\r\n" {
        if slow.write_all(&[*byte]).is_err() {
            closed = true;
            break;
        }
        // Meanwhile another client is served at once.
        assert_eq!(service.call("GET", "/v1/health", None).status, 200);
        std::thread::sleep(Duration::from_millis(400));
        if started.elapsed() > Duration::from_secs(6) {
            break;
        }
    }
    let mut rest = Vec::new();
    let read = slow.read_to_end(&mut rest);
    assert!(closed || read.is_ok(), "the slow connection was closed");
    assert!(
        !String::from_utf8_lossy(&rest).contains("200 OK"),
        "a slow client got an answer"
    );
    assert!(started.elapsed() < Duration::from_secs(10));

    // A body that stops arriving: 408 after the body timeout.
    let mut stalled = UnixStream::connect(&service.socket).unwrap();
    let head = "PUT /v1/tokens HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"user_name\":";
    stalled.write_all(head.as_bytes()).unwrap();
    stalled
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut answer = String::new();
    let _ = stalled.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("body_timeout"));

    // A body cut short (the client stops writing before its declared length).
    let mut cut = UnixStream::connect(&service.socket).unwrap();
    cut.write_all(head.as_bytes()).unwrap();
    cut.shutdown(std::net::Shutdown::Write).unwrap();
    let mut answer = String::new();
    let _ = cut.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("body_incomplete"), "{answer}");
}

#[test]
fn bad_bodies_change_nothing_and_the_service_keeps_serving() {
    let scratch = Scratch::new();
    let service = scratch.serve("s", &[]);
    let token = sdk_token("ann@zylker.com", now_ms() + 3_600_000);
    assert_eq!(service.call("PUT", "/v1/tokens", Some(&token)).status, 200);
    let before = service.call("GET", "/v1/tokens", None).json;
    for body in [
        &b"{"[..],
        b"null",
        b"\"text\"",
        b"{\"id\": {\"nested\": true}}",
        b"{\"user_name\": \"a\", \"user_name\": 5}",
        b"{\"refresh_token\": \"\xff\xfe\"}",
        b"{\"extra\": 1}",
        b"[1, 2, 3]",
        b"",
    ] {
        for path in ["/v1/tokens/find", "/v1/tokens"] {
            let method = if path == "/v1/tokens" { "PUT" } else { "POST" };
            let mut request = format!(
                "{method} {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )
            .into_bytes();
            request.extend_from_slice(body);
            let answer = service.raw(&request).expect("an answer");
            assert!(
                (400..500).contains(&answer.status),
                "{method} {path} {body:?}: {answer:?}"
            );
        }
    }
    assert_eq!(service.call("GET", "/v1/tokens", None).json, before);
}

#[test]
fn no_token_value_reaches_the_log_even_when_every_request_is_logged() {
    let scratch = Scratch::new();
    let service = scratch.serve("s", &["--verbose", "--log-format", "json"]);
    let mut token = sdk_token("ann@zylker.com", now_ms() - 1);
    token["client_secret"] = json!("SECRET-client-secret");
    token["refresh_token"] = json!("SECRET-refresh");
    token["access_token"] = json!("SECRET-access");
    service.call("PUT", "/v1/tokens", Some(&token));
    service.call(
        "POST",
        "/v1/tokens/find",
        Some(&json!({"user_name": "ann@zylker.com"})),
    );
    service.call(
        "POST",
        "/v1/tokens/find",
        Some(&json!({"refresh_token": 7, "client_secret": "SECRET-sent"})),
    );
    service.call(
        "POST",
        "/v1/tokens/find",
        Some(&json!({"SECRET-as-a-key-0123456789012345678901234567890": "x"})),
    );
    service.call(
        "PUT",
        "/v1/tokens",
        Some(&json!({"user_name": "SECRET-user@zylker.com"})),
    );
    service.call("GET", "/v1/tokens/SECRET-id", None);
    service.signal("TERM");
    let mut service = service;
    assert!(service.wait_exit(Duration::from_secs(30)).success());
    let log = service.log_text();
    assert!(log.lines().count() >= 6, "{log}");
    for line in log.lines() {
        let event: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(event.get("level").is_some(), "{line}");
    }
    for secret in [
        "SECRET-client-secret",
        "SECRET-refresh",
        "SECRET-access",
        "SECRET-sent",
        "SECRET-as-a-key",
    ] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }
}

#[test]
fn a_peer_of_another_user_is_refused_unless_allowed() {
    if !nix::unistd::getuid().is_root() {
        eprintln!("skipped: needs root to connect as another user");
        return;
    }
    let scratch = Scratch::new();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(scratch.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let service = scratch.serve("s", &["--socket-mode", "666"]);
    let allowed = scratch.serve("allowed", &["--socket-mode", "666", "--allow-uid", "65534"]);
    let health_as_nobody = |socket: &std::path::Path| {
        let script = format!(
            "import socket; s=socket.socket(socket.AF_UNIX); s.connect({:?}); s.sendall(b'GET /v1/health HTTP/1.1\\r\\nHost: t\\r\\nConnection: close\\r\\n\\r\\n'); print(s.makefile('rb').read().decode())",
            socket.to_str().unwrap()
        );
        let output = std::process::Command::new("python3")
            .args(["-c", &script])
            .uid(65534)
            .gid(65534)
            .output()
            .expect("python3 as nobody");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    use std::os::unix::process::CommandExt;
    let refused = health_as_nobody(&service.socket);
    assert!(refused.starts_with("HTTP/1.1 403"), "{refused}");
    assert!(refused.contains("peer_not_allowed"));
    assert!(health_as_nobody(&allowed.socket).starts_with("HTTP/1.1 200"));
    assert_eq!(service.call("GET", "/v1/health", None).status, 200);
}

#[test]
fn connections_over_the_limit_are_closed_at_once_and_served_again_when_one_ends() {
    let scratch = Scratch::new();
    let service = scratch.serve("s", &["--max-connections", "2"]);
    // The readiness probe's connection (`Scratch::serve`) must be over before the places are
    // counted: a full exchange, then a moment for the service to see the probe's close.
    assert_eq!(service.call("GET", "/v1/health", None).status, 200);
    std::thread::sleep(Duration::from_millis(200));
    // Two connections that send nothing hold the two places (until the header timeout).
    let first = UnixStream::connect(&service.socket).unwrap();
    let second = UnixStream::connect(&service.socket).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let mut third = UnixStream::connect(&service.socket).unwrap();
    third
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let _ = third.write_all(b"GET /v1/health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    let mut answer = Vec::new();
    let read = third.read_to_end(&mut answer);
    // Closed unanswered: an end of stream, or a reset (the request was sent and never read).
    let closed = match &read {
        Ok(_) => answer.is_empty(),
        Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
    };
    assert!(
        closed,
        "the third connection was answered: {read:?} {answer:?}"
    );
    drop(first);
    drop(second);
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        if service
            .call_checked("GET", "/v1/health", None)
            .is_some_and(|a| a.status == 200)
        {
            break;
        }
        assert!(Instant::now() < until, "no place freed");
        std::thread::sleep(Duration::from_millis(50));
    }
    // The third, and any of the retries above that came before a place was free.
    let metrics = service.call("GET", "/metrics", None).body;
    let refused: u64 = metrics
        .lines()
        .find_map(|line| {
            line.strip_prefix("tokenvault_connections_refused_total{reason=\"limit\"} ")
        })
        .and_then(|count| count.parse().ok())
        .unwrap_or(0);
    assert!(refused >= 1, "{metrics}");
}

#[test]
fn an_idle_kept_alive_connection_is_closed_after_the_header_timeout() {
    let scratch = Scratch::new();
    let service = scratch.serve("s", &["--header-timeout", "1"]);
    let mut stream = UnixStream::connect(&service.socket).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(b"GET /v1/health HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let started = Instant::now();
    let mut everything = Vec::new();
    // The answer, then (the connection kept alive and idle) the close.
    let read = stream.read_to_end(&mut everything);
    assert!(read.is_ok(), "closed, not timed out on our side: {read:?}");
    assert!(String::from_utf8_lossy(&everything).starts_with("HTTP/1.1 200"));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "closed within the header timeout, not kept"
    );
}
