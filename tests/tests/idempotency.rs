//! Idempotency keys where a catalog says they go: in a JSON request body
//! (Brevo's `headers.idempotencyKey`), in several headers, within a
//! length limit, as UUIDs. The client sends one key everywhere and reuses
//! it on every retry.

use std::time::Duration;

use errspec::policy::{Jitter, RetryPolicy};
use errspec::{Client, SendOptions};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

mod catalogs {
    errspec::catalog!("specs/valid/brevo-idempotency.yaml");
}
use catalogs::brevo_idempotency;

fn client() -> Client<brevo_idempotency::Error> {
    let policy = RetryPolicy::builder()
        .max_attempts(3)
        .base_delay(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(2))
        .jitter(Jitter::None)
        .build()
        .expect("policy");
    Client::builder(reqwest::Client::new())
        .policy(policy)
        .build()
}

async fn server(first: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(first)
                .set_body_string(r#"{"code":"internal_error","message":"try again"}"#),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_string(r#"{"messageId":"<1@x>"}"#))
        .mount(&server)
        .await;
    server
}

fn body_keys(requests: &[wiremock::Request]) -> Vec<String> {
    requests
        .iter()
        .map(|r| {
            let body: serde_json::Value = serde_json::from_slice(&r.body).expect("JSON body");
            assert_eq!(body["subject"], "Hi", "the rest of the body is kept");
            body["headers"]["idempotencyKey"]
                .as_str()
                .expect("a key in the body")
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn the_key_goes_in_the_body_and_is_reused_on_retry() {
    let server = server(500).await;
    let request = reqwest::Client::new()
        .post(format!("{}/v3/smtp/email", server.uri()))
        .json(&serde_json::json!({"to": [{"email": "a@example.com"}], "subject": "Hi"}));
    // A 500 is `ambiguous`: retried only because the request carries a key.
    let delivered = client()
        .send_recorded(request, SendOptions::default())
        .await
        .expect("delivered after a retry");
    let requests = server.received_requests().await.expect("recorded");
    let keys = body_keys(&requests);
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1], "one key for every attempt");
    assert!(
        errspec::__private::idempotency::is_uuid(&keys[0]),
        "{}",
        keys[0]
    );
    assert_eq!(delivered.idempotency_key.as_deref(), Some(keys[0].as_str()));
    assert!(
        requests
            .iter()
            .all(|r| !r.headers.contains_key("idempotency-key"))
    );
}

#[tokio::test]
async fn a_key_already_in_the_body_is_the_key() {
    let server = server(500).await;
    let key = "6f1c2b9e-3a4d-4e5f-8a7b-9c0d1e2f3a4b";
    let request = reqwest::Client::new()
        .post(format!("{}/v3/smtp/email", server.uri()))
        .json(&serde_json::json!({"subject": "Hi", "headers": {"idempotencyKey": key}}));
    client()
        .send(request, SendOptions::default())
        .await
        .expect("delivered");
    let requests = server.received_requests().await.expect("recorded");
    assert_eq!(body_keys(&requests), [key, key]);
}

#[tokio::test]
async fn a_key_the_api_would_refuse_is_not_sent() {
    let server = server(500).await;
    let request = reqwest::Client::new()
        .post(format!("{}/v3/smtp/email", server.uri()))
        .json(&serde_json::json!({"subject": "Hi"}));
    // Not a UUID: refused before anything is sent, rather than cut or sent.
    let failure = client()
        .send(request, SendOptions::with_idempotency_key("job-42"))
        .await
        .expect_err("refused");
    assert!(failure.attempts().is_empty());
    assert!(failure.to_string().contains("idempotency key"), "{failure}");
    let requests = server.received_requests().await.expect("recorded");
    assert!(requests.is_empty());
    // A body that is not a JSON object cannot carry it.
    let request = reqwest::Client::new()
        .post(format!("{}/v3/smtp/email", server.uri()))
        .body("plain text");
    assert!(
        client()
            .send(request, SendOptions::default())
            .await
            .is_err()
    );
    assert!(
        server
            .received_requests()
            .await
            .expect("recorded")
            .is_empty()
    );
}
