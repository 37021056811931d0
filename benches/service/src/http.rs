//! A small blocking HTTP/1.1 client for the benchmark: one keep-alive connection, one request at
//! a time. A request is written whole with its Content-Length; the answer's status line and
//! headers are read up to `\r\n\r\n`, then exactly Content-Length bytes of body (reads may come
//! in pieces; bytes past the answer are kept for the next one).

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::path::Path;

/// Where the service listens.
#[derive(Clone, Debug)]
pub enum Endpoint {
    /// The Unix socket (the peer's uid is its credential).
    Unix(std::path::PathBuf),
    /// Loopback TCP, with the bearer token every request carries.
    Tcp(std::net::SocketAddr, String),
}

impl Endpoint {
    /// The name in the tables.
    pub fn name(&self) -> &'static str {
        match self {
            Endpoint::Unix(_) => "Unix socket",
            Endpoint::Tcp(..) => "TCP",
        }
    }
}

/// One side of a connection.
enum Stream {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Unix(s) => s.read(buf),
            Stream::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Unix(s) => s.write(buf),
            Stream::Tcp(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Unix(s) => s.flush(),
            Stream::Tcp(s) => s.flush(),
        }
    }
}

/// A keep-alive connection to the service.
pub struct Client {
    stream: Stream,
    /// `Authorization: …\r\n` for TCP, empty for the socket.
    auth: String,
    /// Bytes read and not yet consumed.
    buf: Vec<u8>,
    /// The request being written (reused).
    request: Vec<u8>,
}

/// An answer: its status and body.
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Client {
    /// Connects to `endpoint`.
    pub fn connect(endpoint: &Endpoint) -> io::Result<Client> {
        let (stream, auth) = match endpoint {
            Endpoint::Unix(path) => (Stream::Unix(UnixStream::connect(path)?), String::new()),
            Endpoint::Tcp(address, bearer) => {
                let stream = TcpStream::connect(address)?;
                stream.set_nodelay(true)?;
                (
                    Stream::Tcp(stream),
                    format!("Authorization: Bearer {bearer}\r\n"),
                )
            }
        };
        Ok(Client {
            stream,
            auth,
            buf: Vec::with_capacity(4096),
            request: Vec::with_capacity(1024),
        })
    }

    /// Sends `method path` with a JSON `body` (none when empty) and reads the answer.
    pub fn call(&mut self, method: &str, path: &str, body: &[u8]) -> io::Result<Response> {
        self.request.clear();
        write!(
            self.request,
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\n{}",
            self.auth
        )?;
        if !body.is_empty() {
            write!(
                self.request,
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            )?;
        }
        self.request.extend_from_slice(b"\r\n");
        self.request.extend_from_slice(body);
        self.stream.write_all(&self.request)?;
        self.read_response()
    }

    fn read_response(&mut self) -> io::Result<Response> {
        let head_end = loop {
            if let Some(at) = find(&self.buf, b"\r\n\r\n") {
                break at + 4;
            }
            if self.buf.len() > 64 * 1024 {
                return Err(bad("response headers over 64 KiB"));
            }
            self.fill()?;
        };
        let head = std::str::from_utf8(&self.buf[..head_end])
            .map_err(|_| bad("response headers are not UTF-8"))?;
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let status = status_line
            .strip_prefix("HTTP/1.1 ")
            .and_then(|rest| rest.get(..3))
            .and_then(|code| code.parse::<u16>().ok())
            .ok_or_else(|| bad("no HTTP/1.1 status line"))?;
        let mut length = None;
        for line in lines {
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse::<usize>().ok();
                } else if name.eq_ignore_ascii_case("transfer-encoding") {
                    return Err(bad(
                        "a chunked response (this client reads Content-Length only)",
                    ));
                }
            }
        }
        let length = length.ok_or_else(|| bad("a response without Content-Length"))?;
        while self.buf.len() < head_end + length {
            self.fill()?;
        }
        let body = self.buf[head_end..head_end + length].to_vec();
        self.buf.drain(..head_end + length);
        Ok(Response { status, body })
    }

    /// Reads what the socket has into `buf`; the end of the stream is an error.
    fn fill(&mut self) -> io::Result<()> {
        let mut chunk = [0u8; 4096];
        let n = self.stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the service closed the connection",
            ));
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

/// Waits until the socket file accepts connections and `/v1/health` answers 200.
pub fn wait_healthy(endpoint: &Endpoint, socket: &Path, timeout: std::time::Duration) -> bool {
    let deadline = std::time::Instant::now() + timeout;
    while std::time::Instant::now() < deadline {
        if socket.exists()
            && let Ok(mut client) = Client::connect(endpoint)
            && let Ok(answer) = client.call("GET", "/v1/health", b"")
            && answer.status == 200
        {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    false
}
