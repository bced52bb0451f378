//! API keys and the `Authorization` header never show: not in `Debug`,
//! `Display`, `tracing` output (every target, every level, `log` records
//! included) nor error values, while sending with a key through every
//! generated API's client, on every path: error responses, retries, a
//! reset connection, a timeout, a refused connection, an invalid request
//! and success.
//!
//! The key travels as a bearer token, an `x-api-key` header (set per
//! request, unmarked, and as a sensitive default header of the HTTP
//! client), URL user-info and a query parameter; the server echoes it back
//! in response headers a layout does not read.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use errspec::client::{Client, Failure, LastError, SendOptions};
use errspec::{ApiError, RetryPolicy};
use errspec_providers::{artmail, qboxmail, topmail};
use errspec_testkit::{closed_port, hang, read_request, reply, reset, response, serve};
use tracing_subscriber::fmt::MakeWriter;

const KEY: &str = "sk_live_7Hq2ZxW9pLm4Rt8Vb3Nc";
const PASSWORD: &str = "pw_9f8e7d6c5b4a";
const QUERY_KEY: &str = "qk_1a2b3c4d5e6f";
const SECRETS: [&str; 3] = [KEY, PASSWORD, QUERY_KEY];

/// Everything every subscriber wrote, for the whole test binary.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

/// A global subscriber at TRACE for every target, also taking `log` records
/// (reqwest's), installed once.
fn logs() -> &'static Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED.get_or_init(|| {
        let captured = Captured::default();
        tracing_subscriber::fmt()
            .with_writer(captured.clone())
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .try_init()
            .expect("the only global subscriber");
        captured
    })
}

fn assert_hidden(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{secret} shows in {what}:\n{text}");
    }
}

/// `Display` and `Debug` of an error and of every source below it.
fn chain(error: &dyn std::error::Error) -> String {
    let mut out = format!("{error} {error:?}");
    let mut source = error.source();
    while let Some(e) = source {
        out.push_str(&format!(" / {e} {e:?}"));
        source = e.source();
    }
    out
}

/// Every rendering of a failure: itself, its last error (and, for an API
/// error, the serialized error), its attempts.
fn rendered<E: ApiError + serde::Serialize>(failure: &Failure<E>) -> String {
    let mut out = chain(failure);
    match failure.error() {
        LastError::Api(error) => {
            out.push_str(&chain(error));
            out.push_str(&serde_json::to_string(error).unwrap());
        }
        LastError::Transport(error) => out.push_str(&chain(error)),
    }
    out.push_str(&format!("{:?} {:?}", failure.error(), failure.attempts()));
    out
}

/// An HTTP client with the key as a sensitive default header.
fn http() -> reqwest::Client {
    let mut headers = http::HeaderMap::new();
    let mut value = http::HeaderValue::from_str(KEY).unwrap();
    value.set_sensitive(true);
    headers.insert("x-default-key", value);
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

fn new_client<E: ApiError>(policy: RetryPolicy) -> Client<E> {
    let client = Client::builder(http()).policy(policy).build();
    assert_hidden("the client's Debug", &format!("{client:?}"));
    client
}

fn fast(attempts: u32) -> RetryPolicy {
    RetryPolicy::builder()
        .max_attempts(attempts)
        .base_delay(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(2))
        .build()
        .unwrap()
}

/// A POST carrying the key every way a caller might send it.
fn request<E: ApiError>(client: &Client<E>, base: &str) -> reqwest::RequestBuilder {
    let url = base.replacen("http://", &format!("http://user:{PASSWORD}@"), 1);
    client
        .request(
            reqwest::Method::POST,
            format!("{url}/v1/send?api_key={QUERY_KEY}"),
        )
        .bearer_auth(KEY)
        .header("x-api-key", KEY)
        .body(r#"{"to":"a@example.com"}"#)
}

/// The server's answers, by connection: 503, 429 (Retry-After: 0), a reset
/// after reading, then 400 for good; each response echoes the key.
async fn hostile_server() -> SocketAddr {
    serve(|n, mut stream| {
        Box::pin(async move {
            let Some(request) = read_request(&mut stream).await else {
                return;
            };
            assert!(request.head.contains(KEY), "the key reached the server");
            let echo = [
                ("www-authenticate", KEY),
                ("x-echo-authorization", KEY),
                ("set-cookie", KEY),
            ];
            let bytes = match n % 4 {
                0 => response(503, &echo, b"{}"),
                1 => {
                    let mut headers = echo.to_vec();
                    headers.push(("retry-after", "0"));
                    response(429, &headers, b"{}")
                }
                2 => return reset(stream),
                _ => response(400, &echo, br#"{"error":"invalid","message":"bad"}"#),
            };
            reply(stream, &bytes).await;
        })
    })
    .await
}

async fn through_every_path<E: ApiError + serde::Serialize>() {
    let logs = logs();
    // Error responses, retries and a reset connection.
    let addr = hostile_server().await;
    let client = new_client::<E>(fast(4));
    let failure = client
        .send(
            request(&client, &format!("http://{addr}")),
            SendOptions::idempotent(),
        )
        .await
        .unwrap_err();
    assert!(!failure.attempts().is_empty(), "{failure}");
    assert_hidden("a failure after error responses", &rendered(&failure));

    // A timeout.
    let hang = serve(|_, mut stream| {
        Box::pin(async move {
            let _ = read_request(&mut stream).await;
            hang(stream).await;
        })
    })
    .await;
    let policy = RetryPolicy::builder()
        .max_attempts(1)
        .attempt_timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let client = new_client::<E>(policy);
    let failure = client
        .send(
            request(&client, &format!("http://{hang}")),
            SendOptions::default(),
        )
        .await
        .unwrap_err();
    assert_hidden("a timeout", &rendered(&failure));

    // A refused connection.
    let closed = closed_port();
    let client = new_client::<E>(fast(2));
    let failure = client
        .send(
            request(&client, &format!("http://{closed}")),
            SendOptions::default(),
        )
        .await
        .unwrap_err();
    assert_hidden("a refused connection", &rendered(&failure));

    // A request that cannot be built: the key in an invalid URL.
    let failure = client
        .send(
            request(&client, &format!("http://exa mple.com:{KEY}")),
            SendOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(failure.attempts().is_empty());
    assert_hidden("an invalid request", &rendered(&failure));

    // Success, after a retry.
    let ok = serve(|n, mut stream| {
        Box::pin(async move {
            if read_request(&mut stream).await.is_some() {
                let status = if n == 0 { 503 } else { 200 };
                reply(stream, &response(status, &[("x-echo", KEY)], b"{}")).await;
            }
        })
    })
    .await;
    let delivered = client
        .send_recorded(
            request(&client, &format!("http://{ok}")),
            SendOptions::idempotent(),
        )
        .await
        .unwrap();
    assert_eq!(delivered.retried.len(), 1);
    let shown = format!("{delivered:?}");
    assert_hidden("the retried attempts of a success", &shown);

    let logs = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(logs.contains("attempt failed, retrying"), "{logs}");
    // The HTTP stack's own events are captured too.
    assert!(
        logs.contains("hyper_util::") && logs.contains("reqwest::"),
        "{logs}"
    );
    assert_hidden("the tracing output", &logs);
}

#[tokio::test]
async fn topmail_never_shows_the_key() {
    through_every_path::<topmail::Error>().await;
}

#[tokio::test]
async fn artmail_never_shows_the_key() {
    through_every_path::<artmail::Error>().await;
}

#[tokio::test]
async fn qboxmail_never_shows_the_key() {
    through_every_path::<qboxmail::send::Error>().await;
    through_every_path::<qboxmail::management::Error>().await;
}
