//! Redirects from a server errspec cannot trust (issue 13): with
//! [`errspec::client::http_client`] a 307/308 is returned, not followed, so
//! a POST is sent once and nothing (API key, idempotency key, a `Referer`
//! with the query) reaches another origin; with an HTTP client that does
//! follow them, a redirect loop is reported as "may have been sent", not
//! as an invalid request.
#![allow(missing_docs)]

#[path = "support/test_api.rs"]
mod test_api;

use std::time::Duration;

use errspec::client::{Client, LastError, SendOptions};
use errspec::policy::{GiveUpReason, TransportFailure};
use errspec::{RetryClass, RetryPolicy};
use reqwest::Method;
use test_api::{KeyedError, UnkeyedError};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn policy() -> RetryPolicy {
    RetryPolicy::builder()
        .max_attempts(3)
        .base_delay(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(5))
        .build()
        .unwrap()
}

async fn redirect_to(server: &MockServer, status: u16, location: String) {
    Mock::given(method("POST"))
        .and(path("/v1/widgets"))
        .respond_with(ResponseTemplate::new(status).insert_header("location", location.as_str()))
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_cross_origin_307_is_returned_not_followed() {
    let origin = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&elsewhere)
        .await;
    for status in [307, 308] {
        redirect_to(&origin, status, format!("{}/steal", elsewhere.uri())).await;
        let http = errspec::client::http_client().build().unwrap();
        let client: Client<KeyedError> = Client::builder(http).policy(policy()).build();
        let request = client
            .request(
                Method::POST,
                format!("{}/v1/widgets?api_key=sk_query_secret", origin.uri()),
            )
            .header("x-api-key", "sk_header_secret")
            .body("{}");
        let response = client.send(request, SendOptions::default()).await.unwrap();
        assert_eq!(response.status().as_u16(), status);
        origin.reset().await;
    }
    assert_eq!(
        elsewhere.received_requests().await.unwrap().len(),
        0,
        "no request (API key, idempotency key, Referer) reached the other origin"
    );
}

#[tokio::test]
async fn a_post_is_sent_once_whatever_the_redirect() {
    let server = MockServer::start().await;
    redirect_to(&server, 307, format!("{}/v1/widgets", server.uri())).await;
    let http = errspec::client::http_client().build().unwrap();
    let client: Client<UnkeyedError> = Client::builder(http).policy(policy()).build();
    let request = client
        .request(Method::POST, format!("{}/v1/widgets", server.uri()))
        .body("{}");
    let response = client.send(request, SendOptions::default()).await.unwrap();
    assert_eq!(response.status().as_u16(), 307);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_followed_redirect_loop_may_have_been_sent() {
    let server = MockServer::start().await;
    redirect_to(&server, 307, format!("{}/v1/widgets", server.uri())).await;
    // `reqwest`'s default follows up to ten redirects, resending the POST.
    let client: Client<UnkeyedError> = Client::builder(reqwest::Client::new())
        .policy(policy())
        .build();
    let request = client
        .request(Method::POST, format!("{}/v1/widgets", server.uri()))
        .body("{}");
    let failure = client
        .send(request, SendOptions::default())
        .await
        .unwrap_err();
    let LastError::Transport(error) = failure.error() else {
        panic!("not a transport error: {failure}");
    };
    assert_eq!(error.failure(), Some(TransportFailure::MaybeSent));
    assert!(
        failure.to_string().contains("may have been sent"),
        "{failure}"
    );
    assert!(
        !failure.to_string().contains("not valid as given"),
        "{failure}"
    );
    assert_eq!(failure.attempts()[0].class, RetryClass::Ambiguous);
    // Not retried: a POST without a key is not retry-safe.
    assert_eq!(failure.reason(), GiveUpReason::NotRetrySafe);
    assert_eq!(failure.attempts().len(), 1);
}
