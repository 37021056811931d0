//! Every operation and every error code a client can cause, over the socket and over TCP.

use serde_json::json;

use crate::support::{Scratch, free_port, now_ms, sdk_token};

#[test]
fn the_six_operations_answer_as_the_token_store_contract_says() {
    let scratch = Scratch::new();
    let service = scratch.serve("s", &[]);
    let future = now_ms() + 3_600_000;

    let saved = service.call(
        "PUT",
        "/v1/tokens",
        Some(&sdk_token("ann@zylker.com", future)),
    );
    assert_eq!(
        (saved.status, saved.json["outcome"].as_str()),
        (200, Some("inserted")),
        "{saved:?}"
    );
    assert_eq!(saved.json["token"]["id"], "1");
    let bob = service.call(
        "PUT",
        "/v1/tokens",
        Some(&sdk_token("bob@zylker.com", future)),
    );
    assert_eq!(bob.json["token"]["id"], "2");

    // An update by id merges the stored fields into the absent ones.
    let update = json!({"id": "1", "access_token": "1000.access.new"});
    let updated = service.call("PUT", "/v1/tokens", Some(&update));
    assert_eq!(updated.json["outcome"], "updated");
    assert_eq!(updated.json["token"]["user_name"], "ann@zylker.com");
    assert_eq!(updated.json["token"]["access_token"], "1000.access.new");

    let found = service.call(
        "POST",
        "/v1/tokens/find",
        Some(&json!({"user_name": "ann@zylker.com"})),
    );
    assert_eq!(found.status, 200);
    assert_eq!(found.json["refresh"], "not_due");
    assert_eq!(found.json["token"]["access_token"], "1000.access.new");
    let keys: Vec<&String> = found.json["token"].as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 10, "every field, null where absent: {keys:?}");

    let by_id = service.call("GET", "/v1/tokens/2", None);
    assert_eq!(
        (by_id.status, by_id.json["refresh"].as_str()),
        (200, Some("not_due"))
    );
    assert_eq!(by_id.json["token"]["user_name"], "bob@zylker.com");
    let plain = service.call("GET", "/v1/tokens/2?coordinate=false", None);
    assert_eq!(plain.json["refresh"], "not_coordinated");

    let all = service.call("GET", "/v1/tokens", None);
    let ids: Vec<&str> = all.json["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["1", "2"]);

    assert_eq!(service.call("DELETE", "/v1/tokens/1", None).status, 204);
    assert_eq!(
        service.call("GET", "/v1/tokens/1", None).code(),
        "id_not_found"
    );
    assert_eq!(service.call("DELETE", "/v1/tokens", None).status, 204);
    assert_eq!(
        service.call("GET", "/v1/tokens", None).json["tokens"],
        json!([])
    );

    let health = service.call("GET", "/v1/health", None);
    assert_eq!(
        (health.status, health.json["status"].as_str()),
        (200, Some("ok"))
    );
}

#[test]
fn each_client_mistake_has_its_own_code_and_a_4xx() {
    let scratch = Scratch::new();
    let service = scratch.serve("s", &[]);
    let future = now_ms() + 3_600_000;
    service.call(
        "PUT",
        "/v1/tokens",
        Some(&sdk_token("ann@zylker.com", future)),
    );

    let cases: Vec<(u16, &str, Vec<u8>)> = vec![
        (404, "token_not_found", crate::support::request("POST", "/v1/tokens/find", Some(&json!({"user_name": "nobody@zylker.com"})), &[])),
        (404, "id_not_found", crate::support::request("GET", "/v1/tokens/99", None, &[])),
        (404, "id_not_found", crate::support::request("DELETE", "/v1/tokens/99", None, &[])),
        (404, "id_not_found", crate::support::request("GET", "/v1/tokens/x%20y", None, &[])),
        (400, "id_invalid", crate::support::request("PUT", "/v1/tokens", Some(&json!({"id": "07", "access_token": "a"})), &[])),
        (422, "user_details_not_found", crate::support::request("PUT", "/v1/tokens", Some(&json!({"user_name": "new@zylker.com"})), &[])),
        (400, "malformed_json", b"POST /v1/tokens/find HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n{\"a\":".to_vec()),
        (400, "invalid_token", crate::support::request("POST", "/v1/tokens/find", Some(&json!({"id": 7})), &[])),
        (400, "invalid_token", crate::support::request("POST", "/v1/tokens/find", Some(&json!(["user_name"])), &[])),
        (400, "unknown_field", crate::support::request("POST", "/v1/tokens/find", Some(&json!({"userName": "a"})), &[])),
        (400, "invalid_query", crate::support::request("GET", "/v1/tokens/1?coordinate=maybe", None, &[])),
        (400, "invalid_query", crate::support::request("GET", "/v1/tokens/1?limit=3", None, &[])),
        (413, "body_too_large", b"PUT /v1/tokens HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 10485760\r\n\r\n{".to_vec()),
        (415, "unsupported_media_type", b"PUT /v1/tokens HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 2\r\n\r\n{}".to_vec()),
        (404, "route_not_found", crate::support::request("GET", "/v2/tokens", None, &[])),
        (405, "method_not_allowed", crate::support::request("PATCH", "/v1/tokens", None, &[])),
        (413, "token_too_large", crate::support::request("PUT", "/v1/tokens", Some(&json!({"access_token": "a".repeat(65_450)})), &[])),
    ];
    for (status, code, bytes) in cases {
        let answer = service
            .raw(&bytes)
            .unwrap_or_else(|| panic!("no answer for {code}"));
        assert_eq!(
            (answer.status, answer.code()),
            (status, code),
            "{}",
            answer.body
        );
        assert!(
            !answer.json["error"]["message"]
                .as_str()
                .unwrap_or("")
                .is_empty()
        );
    }
    // None of it changed anything, and the service still serves.
    let all = service.call("GET", "/v1/tokens", None);
    assert_eq!(all.json["tokens"].as_array().unwrap().len(), 1);
}

#[test]
fn over_tcp_the_bearer_token_is_required_and_enough() {
    let scratch = Scratch::new();
    let token = "tcp-bearer-token-0123456789abcdef";
    let bearer = scratch.bearer_file(token);
    let address = format!("127.0.0.1:{}", free_port());
    let service = scratch.serve(
        "s",
        &[
            "--listen",
            &address,
            "--bearer-token-file",
            bearer.to_str().unwrap(),
        ],
    );
    let authorized = format!("Bearer {token}");

    let saved = service.call_tcp(
        "PUT",
        "/v1/tokens",
        Some(&sdk_token("ann@zylker.com", now_ms() + 3_600_000)),
        &[("Authorization", &authorized)],
    );
    assert_eq!(saved.status, 200, "{saved:?}");
    let found = service.call_tcp(
        "GET",
        "/v1/tokens/1",
        None,
        &[("Authorization", &authorized)],
    );
    assert_eq!(found.json["token"]["user_name"], "ann@zylker.com");
    let health = service.call_tcp("GET", "/v1/health", None, &[("Authorization", &authorized)]);
    assert_eq!(health.status, 200);

    for wrong in [
        None,
        Some("Bearer wrong-token-0123456789abcdef"),
        Some(&*format!("Basic {token}")),
        Some(&*format!("Bearer {token}x")),
    ] {
        let headers: Vec<(&str, &str)> = wrong.map(|w| ("Authorization", w)).into_iter().collect();
        let refused = service.call_tcp("GET", "/v1/tokens/1", None, &headers);
        assert_eq!(
            (refused.status, refused.code()),
            (401, "unauthorized"),
            "{wrong:?}"
        );
        assert!(
            refused
                .headers
                .to_ascii_lowercase()
                .contains("www-authenticate: bearer")
        );
        assert!(!refused.body.contains(token));
    }
    // The socket needs no token: its peer is checked by the kernel's credentials.
    assert_eq!(service.call("GET", "/v1/tokens/1", None).status, 200);
}

#[test]
fn metrics_count_requests_by_operation_and_result_and_hold_no_token_value() {
    let scratch = Scratch::new();
    let service = scratch.serve("s", &[]);
    service.call(
        "PUT",
        "/v1/tokens",
        Some(&sdk_token("ann@zylker.com", now_ms() + 1_800_000)),
    );
    service.call(
        "POST",
        "/v1/tokens/find",
        Some(&json!({"user_name": "ann@zylker.com"})),
    );
    service.call("GET", "/v1/tokens/9", None);
    service.call("GET", "/v1/nothing-here", None);
    let metrics = service.call("GET", "/metrics", None);
    assert_eq!(metrics.status, 200);
    for line in [
        "tokenvault_requests_total{operation=\"save\",result=\"ok\"} 1",
        "tokenvault_requests_total{operation=\"find\",result=\"ok\"} 1",
        "tokenvault_requests_total{operation=\"find_by_id\",result=\"id_not_found\"} 1",
        "tokenvault_refresh_turns_total{turn=\"not_due\"} 1",
        "tokenvault_requests_total{operation=\"other\",result=\"route_not_found\"} 1",
        "tokenvault_tokens_stored 1",
        "tokenvault_tokens_expiring_within_hour 1",
        "tokenvault_refresh_leases_held 0",
    ] {
        assert!(
            metrics.body.contains(line),
            "missing {line}:\n{}",
            metrics.body
        );
    }
    for secret in [
        "ann@zylker.com",
        "1000.refresh",
        "1000.access",
        "client-secret-value",
    ] {
        assert!(!metrics.body.contains(secret), "{secret} in the metrics");
    }
}
