//! The workspace's raw HTTP/1.1 test server, on tokio's TCP sockets, for
//! tests that need what a mock server will not do: repeated and
//! contradictory headers, invalid bytes, endless bodies, connections reset
//! or cut before or after the request, or never answered, and requests
//! counted by the connection.
//!
//! Each connection serves one request (the responses built here say
//! `connection: close`), so each attempt of a client is one accepted
//! connection, handed to the test's handler with its number:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use errspec_testkit::{read_request, reply, response, serve};
//!
//! let addr = serve(|n, mut stream| {
//!     Box::pin(async move {
//!         if read_request(&mut stream).await.is_some() {
//!             let status = if n == 0 { 503 } else { 200 };
//!             reply(stream, &response(status, &[("retry-after", "1")], b"{}")).await;
//!         }
//!     })
//! })
//! .await;
//! # let _ = addr;
//! # }
//! ```
//!
//! [`serve`] runs on the test's own runtime; [`serve_on_thread`] on a
//! thread of its own, for tests of blocking clients or that build their
//! runtimes themselves.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A request as read off the socket.
#[derive(Clone, Debug)]
pub struct Request {
    /// The request line and headers, as sent (without the blank line).
    pub head: String,
    /// The body (`content-length` bytes).
    pub body: Vec<u8>,
    /// When the request had fully arrived.
    pub arrived: Instant,
}

impl Request {
    /// The request line's method.
    pub fn method(&self) -> &str {
        self.head.split(' ').next().unwrap_or_default()
    }

    /// The first value of header `name` (any case), trimmed.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// Reads one request: head and `content-length` body. `None` when the
/// connection ends (or fails) first.
pub async fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        if let Some(end) = find(&data, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).into_owned();
            let length = head
                .lines()
                .find_map(|l| {
                    let (n, v) = l.split_once(':')?;
                    n.trim()
                        .eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().unwrap_or(0))
                })
                .unwrap_or(0);
            while data.len() < end + 4 + length {
                let n = stream.read(&mut buf).await.ok()?;
                if n == 0 {
                    return None;
                }
                data.extend_from_slice(&buf[..n]);
            }
            let body = data[end + 4..end + 4 + length].to_vec();
            return Some(Request {
                head,
                body,
                arrived: Instant::now(),
            });
        }
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A complete response: status line, the given headers in order (repeats
/// kept), `connection: close` and `content-length`, then the body.
pub fn response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = response_head(status, headers);
    out.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
    out
}

/// A status line and headers with `connection: close`, not yet ended by the
/// blank line (the caller adds framing headers and `\r\n`).
pub fn response_head(status: u16, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} Status\r\n").into_bytes();
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"connection: close\r\n");
    out
}

/// Writes `bytes` and closes the connection cleanly.
pub async fn reply(mut stream: TcpStream, bytes: &[u8]) {
    let _ = stream.write_all(bytes).await;
    let _ = stream.shutdown().await;
    // Let the client read before the socket goes away.
    let mut sink = [0u8; 1024];
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut sink)).await;
}

/// Resets the connection (RST, not FIN): whatever the client sent or will
/// send is lost, and it sees "connection reset".
pub fn reset(stream: TcpStream) {
    let _ = stream.set_zero_linger();
    drop(stream);
}

/// Holds the connection open without answering, for an hour (longer than
/// any test): the client's attempt can only time out.
pub async fn hang(stream: TcpStream) {
    tokio::time::sleep(Duration::from_secs(3600)).await;
    drop(stream);
}

/// What a handler returns.
pub type Handled = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Serves every connection with `handler(n, stream)` (`n` counts from 0),
/// each on its own task of the current runtime; the handler reads the
/// request itself (or not).
///
/// # Panics
///
/// When no loopback port can be bound, or outside a tokio runtime.
pub async fn serve<H>(handler: H) -> SocketAddr
where
    H: Fn(u64, TcpStream) -> Handled + Send + Sync + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(accept(listener, handler));
    addr
}

/// [`serve`] on a thread of its own with its own runtime, for a test
/// without one (a blocking client) or with several.
///
/// # Panics
///
/// When no loopback port can be bound or the runtime cannot start.
pub fn serve_on_thread<H>(handler: H) -> SocketAddr
where
    H: Fn(u64, TcpStream) -> Handled + Send + Sync + 'static,
{
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("local address");
    listener
        .set_nonblocking(true)
        .expect("non-blocking listener");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the server");
    std::thread::spawn(move || {
        runtime.block_on(async move {
            let listener = TcpListener::from_std(listener).expect("listener");
            accept(listener, handler).await;
        });
    });
    addr
}

async fn accept<H>(listener: TcpListener, handler: H)
where
    H: Fn(u64, TcpStream) -> Handled + Send + Sync + 'static,
{
    for n in 0.. {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        tokio::spawn(handler(n, stream));
    }
}

/// Serves every connection the same bytes after reading its request.
pub async fn serve_bytes(bytes: Vec<u8>) -> SocketAddr {
    let bytes: Arc<[u8]> = bytes.into();
    serve(move |_, mut stream| {
        let bytes = Arc::clone(&bytes);
        Box::pin(async move {
            if read_request(&mut stream).await.is_some() {
                reply(stream, &bytes).await;
            }
        })
    })
    .await
}

/// A loopback address nobody listens on (bound, then released): a
/// connection to it is refused.
///
/// # Panics
///
/// When no loopback port can be bound.
pub fn closed_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("local address")
}
