//! A mock of Zoho's accounts server on loopback: records every call to `/oauth/v2/token` (when,
//! and its form fields) and answers each as the test's `answer` function says — a token, Zoho's
//! `invalid_code`, "Access Denied" (HTTP 200), a 500, or no answer at all (a hang).
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::now_ms;

/// One call the mock received.
#[derive(Clone, Debug)]
pub struct Call {
    /// When it arrived: system-clock epoch milliseconds.
    pub at_ms: u128,
    pub path: String,
    pub form: HashMap<String, String>,
}

impl Call {
    pub fn refresh_token(&self) -> &str {
        self.form.get("refresh_token").map_or("", String::as_str)
    }
}

/// What the mock answers.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A token: this access token, living `expires_in` seconds.
    Token {
        access_token: String,
        expires_in: u64,
    },
    /// `{"error":"invalid_code"}` (HTTP 200), Zoho's answer for a revoked refresh token.
    InvalidCode,
    /// Zoho's "Access Denied" (HTTP 200): too many requests in the window.
    AccessDenied,
    /// HTTP 500.
    ServerError,
    /// Nothing, until the client gives up (the connection is held for 60 s).
    Hang,
}

type Answer = dyn Fn(&Call, usize) -> Reply + Send + Sync;

pub struct AccountsMock {
    pub url: String,
    calls: Arc<Mutex<Vec<Call>>>,
}

impl AccountsMock {
    /// A mock answering with `answer(call, number of earlier calls with its refresh token)`.
    pub fn start(answer: impl Fn(&Call, usize) -> Reply + Send + Sync + 'static) -> AccountsMock {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let calls = Arc::new(Mutex::new(Vec::new()));
        let answer: Arc<Answer> = Arc::new(answer);
        let recorded = calls.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (calls, answer) = (recorded.clone(), answer.clone());
                std::thread::spawn(move || serve(stream, &calls, &*answer));
            }
        });
        AccountsMock { url, calls }
    }

    /// Every call so far, in order of arrival.
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    /// The calls for `refresh_token`.
    pub fn calls_for(&self, refresh_token: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|call| call.refresh_token() == refresh_token)
            .collect()
    }
}

fn serve(stream: TcpStream, calls: &Mutex<Vec<Call>>, answer: &Answer) {
    stream.set_read_timeout(Some(Duration::from_secs(30))).ok();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let path = line.split(' ').nth(1).unwrap_or("").to_string();
        let mut length = 0;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            if header == "\r\n" {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let form = parse_form(&String::from_utf8_lossy(&body));
        let call = Call {
            at_ms: now_ms(),
            path,
            form,
        };
        let earlier = {
            let mut calls = calls.lock().unwrap();
            let earlier = calls
                .iter()
                .filter(|c| c.refresh_token() == call.refresh_token())
                .count();
            calls.push(call.clone());
            earlier
        };
        let (status, body) = match answer(&call, earlier) {
            Reply::Token {
                access_token,
                expires_in,
            } => (
                "200 OK",
                serde_json::json!({
                    "access_token": access_token,
                    "expires_in": expires_in,
                    "api_domain": "https://www.zohoapis.com",
                    "token_type": "Bearer",
                })
                .to_string(),
            ),
            Reply::InvalidCode => ("200 OK", r#"{"error":"invalid_code"}"#.to_string()),
            Reply::AccessDenied => (
                "200 OK",
                r#"{"error_description":"You have made too many requests continuously. Please try again after some time.","error":"Access Denied","status":"failure"}"#
                    .to_string(),
            ),
            Reply::ServerError => ("500 Internal Server Error", "{}".to_string()),
            Reply::Hang => {
                // Held until the client closes it (or a minute): no answer.
                let mut rest = [0u8; 1];
                let held = reader.get_mut();
                held.set_read_timeout(Some(Duration::from_secs(60))).ok();
                let _ = held.read(&mut rest);
                return;
            }
        };
        let answer = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if reader.get_mut().write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}

fn parse_form(body: &str) -> HashMap<String, String> {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(name, value)| (decode(name), decode(value)))
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 2;
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
