//! The service's life: what it refuses to start with, its socket file, SIGTERM's drain, SIGHUP
//! and a key slot removed under it.

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::process::Stdio;
use std::time::Duration;

use serde_json::json;

use crate::support::{Scratch, free_port, now_ms, sdk_token};

/// `tokenvault serve` with `args`, expected to refuse to start: its stderr.
fn refused(scratch: &Scratch, args: &[&str]) -> String {
    let output = scratch
        .command()
        .arg("serve")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn unsafe_listeners_are_refused_before_the_vault_is_unlocked() {
    let scratch = Scratch::new();
    let socket = scratch.path("s.sock");
    let socket = socket.to_str().unwrap();
    let port = free_port().to_string();
    let open_address = format!("0.0.0.0:{port}");
    assert!(
        refused(
            &scratch,
            &[
                "--socket",
                socket,
                "--listen",
                &open_address,
                "--bearer-token-file",
                "x"
            ]
        )
        .contains("bearer token file")
    );
    let bearer = scratch.bearer_file("a-bearer-token-long-enough-0123");
    let bearer = bearer.to_str().unwrap();
    assert!(
        refused(
            &scratch,
            &[
                "--socket",
                socket,
                "--listen",
                &open_address,
                "--bearer-token-file",
                bearer
            ]
        )
        .contains("not a loopback address")
    );
    let loopback = format!("127.0.0.1:{port}");
    assert!(
        refused(&scratch, &["--socket", socket, "--listen", &loopback]).contains("bearer token")
    );
    std::fs::set_permissions(bearer, std::fs::Permissions::from_mode(0o644)).unwrap();
    let readable = refused(
        &scratch,
        &[
            "--socket",
            socket,
            "--listen",
            &loopback,
            "--bearer-token-file",
            bearer,
        ],
    );
    assert!(readable.contains("other users"), "{readable}");
    assert!(
        !readable.contains("a-bearer-token-long-enough"),
        "{readable}"
    );
    for lease in ["0", "61"] {
        let message = refused(&scratch, &["--socket", socket, "--refresh-lease", lease]);
        assert!(message.contains("at most 60 seconds"), "{message}");
    }
    std::fs::write(scratch.path("not-a-socket"), "x").unwrap();
    let occupied = refused(
        &scratch,
        &["--socket", scratch.path("not-a-socket").to_str().unwrap()],
    );
    assert!(occupied.contains("not a socket"), "{occupied}");
}

#[test]
fn the_socket_is_private_replaces_a_stale_one_and_is_removed_on_stop() {
    let scratch = Scratch::new();
    // A socket file left by a service that was killed.
    let stale = std::os::unix::net::UnixListener::bind(scratch.path("s.sock")).unwrap();
    drop(stale);
    let mut service = scratch.serve("s", &[]);
    let metadata = std::fs::metadata(&service.socket).unwrap();
    assert!(metadata.file_type().is_socket());
    assert_eq!(metadata.permissions().mode() & 0o777, 0o600);
    // A second service on the same socket is refused while the first one answers.
    let live = refused(&scratch, &["--socket", service.socket.to_str().unwrap()]);
    assert!(live.contains("another service is listening"), "{live}");
    assert_eq!(service.call("GET", "/v1/health", None).status, 200);
    service.signal("TERM");
    assert!(service.wait_exit(Duration::from_secs(30)).success());
    assert!(!service.socket.exists(), "the socket file was removed");
}

#[test]
fn sigterm_lets_a_request_in_flight_finish() {
    let scratch = Scratch::new();
    let mut service = scratch.serve("s", &["--refresh-lease", "2"]);
    service.call(
        "PUT",
        "/v1/tokens",
        Some(&sdk_token("ann@zylker.com", now_ms() - 1)),
    );
    let query = json!({"user_name": "ann@zylker.com"});
    assert_eq!(
        service.call("POST", "/v1/tokens/find", Some(&query)).json["refresh"],
        "yours"
    );
    // A second find waits for that lease (up to 2 s) ...
    let socket = service.socket.clone();
    let waiting = std::thread::spawn(move || {
        let mut stream = std::os::unix::net::UnixStream::connect(socket).unwrap();
        use std::io::{Read, Write};
        stream
            .write_all(&crate::support::request(
                "POST",
                "/v1/tokens/find",
                Some(&query),
                &[],
            ))
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    });
    std::thread::sleep(Duration::from_millis(500));
    // ... and SIGTERM, sent meanwhile, lets it finish before the service exits.
    service.signal("TERM");
    let answer = waiting.join().unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"refresh\":\"yours\""), "{answer}");
    assert!(service.wait_exit(Duration::from_secs(30)).success());
}

#[test]
fn sighup_reads_the_key_file_again_and_a_removed_slot_is_followed() {
    let scratch = Scratch::new();
    let service = scratch.serve("s", &[]);
    service.call(
        "PUT",
        "/v1/tokens",
        Some(&sdk_token("ann@zylker.com", now_ms() + 3_600_000)),
    );
    // An operator rotates the key file: a new slot, the file replaced, SIGHUP, the old slot out.
    let added = scratch
        .command()
        .args([
            "slot",
            "add",
            "--new-key-file",
            "new.key",
            "--generate",
            "--name",
            "next",
        ])
        .output()
        .unwrap();
    assert!(added.status.success(), "{added:?}");
    let old_slot = {
        let list = scratch
            .command()
            .args(["slot", "list", "--json"])
            .output()
            .unwrap();
        let slots: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
        let names: Vec<String> = slots
            .as_array()
            .or(slots["slots"].as_array())
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_string())
            .filter(|name| name != "next")
            .collect();
        names[0].clone()
    };
    std::fs::copy(scratch.path("new.key"), scratch.path("app.key")).unwrap();
    service.signal("HUP");
    let until = std::time::Instant::now() + Duration::from_secs(10);
    while !service.log_text().contains("SIGHUP") {
        assert!(std::time::Instant::now() < until, "{}", service.log_text());
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        service.log_text().contains("unlocks the vault"),
        "{}",
        service.log_text()
    );
    let removed = scratch
        .command()
        .args(["slot", "remove", &old_slot])
        .output()
        .unwrap();
    assert!(removed.status.success(), "{removed:?}");
    // The service's handle was unlocked by the removed slot: it opens the vault again with the
    // key file SIGHUP read, and goes on serving.
    let until = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let found = service.call(
            "POST",
            "/v1/tokens/find",
            Some(&json!({"user_name": "ann@zylker.com"})),
        );
        if found.status == 200 {
            break;
        }
        assert_eq!(found.status, 503, "{found:?}");
        assert!(
            std::time::Instant::now() < until,
            "{found:?}\n{}",
            service.log_text()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        service.log_text().contains("opened again"),
        "{}",
        service.log_text()
    );
}

#[test]
fn with_socket_activation_the_service_serves_the_socket_it_is_given() {
    let scratch = Scratch::new();
    let socket = scratch.path("activated.sock");
    // What systemd does, with python3 as the launcher: bind the socket, put it at fd 3, set
    // LISTEN_FDS and LISTEN_PID (the pid stays the same across exec), run the service.
    let launcher = format!(
        "import os, socket, sys\n\
         s = socket.socket(socket.AF_UNIX); s.bind({socket:?}); s.listen(16)\n\
         os.dup2(s.fileno(), 3); os.set_inheritable(3, True)\n\
         os.environ['LISTEN_FDS'] = '1'; os.environ['LISTEN_PID'] = str(os.getpid())\n\
         os.execv(sys.argv[1], sys.argv[1:])",
        socket = socket.to_str().unwrap()
    );
    let command = scratch.command();
    let program = command.get_program().to_owned();
    let args: Vec<_> = command.get_args().map(|a| a.to_owned()).collect();
    let log = scratch.path("activated.log");
    let child = std::process::Command::new("python3")
        .arg("-c")
        .arg(&launcher)
        .arg(&program)
        .args(&args)
        .args([
            "serve",
            "--socket",
            scratch.path("ignored.sock").to_str().unwrap(),
        ])
        .envs(command.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .current_dir(scratch.dir.path())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut service = crate::support::Service {
        child,
        socket: socket.clone(),
        log,
        tcp: None,
    };
    let until = std::time::Instant::now() + Duration::from_secs(30);
    let health = loop {
        if let Some(answer) = service.call_checked("GET", "/v1/health", None) {
            break answer;
        }
        assert!(std::time::Instant::now() < until, "{}", service.log_text());
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(health.status, 200, "{health:?}");
    assert!(
        !scratch.path("ignored.sock").exists(),
        "--socket is ignored when activated"
    );
    assert!(
        service.log_text().contains("ignored"),
        "{}",
        service.log_text()
    );
    service.signal("TERM");
    assert!(service.wait_exit(Duration::from_secs(30)).success());
    // The socket belongs to systemd: the service leaves it in place.
    assert!(socket.exists());
}

/// docs/RELIABILITY.md §Reads write nothing: a service that only answers lookups opens the vault
/// for reading and never for writing, so the file's bytes stay as they were, even when the
/// service is killed.
#[test]
fn a_service_that_only_answers_lookups_leaves_the_vault_bytes_unchanged() {
    let scratch = Scratch::new();
    let future = now_ms() + 3_600_000;
    // Saved by a command that exits cleanly (a killed service would leave the file for the
    // next open to recover, which writes).
    let mut save = scratch
        .command()
        .arg("save")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = save.stdin.take().unwrap();
        stdin
            .write_all(&serde_json::to_vec(&sdk_token("ann@zylker.com", future)).unwrap())
            .unwrap();
    }
    assert!(save.wait().unwrap().success());
    let before = std::fs::read(scratch.vault()).unwrap();

    let service = scratch.serve("reader", &[]);
    for _ in 0..20 {
        let found = service.call(
            "POST",
            "/v1/tokens/find",
            Some(&json!({"user_name": "ann@zylker.com"})),
        );
        assert_eq!(
            (found.status, found.json["refresh"].as_str()),
            (200, Some("not_due"))
        );
        assert_eq!(service.call("GET", "/v1/tokens/1", None).status, 200);
        assert_eq!(service.call("GET", "/v1/tokens", None).status, 200);
    }
    // Killed (SIGKILL), as a crash would end it.
    drop(service);
    // Compared whole, shown only as "changed": the bytes are a vault's.
    assert!(
        std::fs::read(scratch.vault()).unwrap() == before,
        "the lookups changed the vault"
    );
}
