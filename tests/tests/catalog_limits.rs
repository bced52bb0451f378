//! A catalog's documented `limits:` reach the client through the generated
//! `ApiError::RATE_LIMITS`: Resend documents 5 requests per second per
//! team, so six sends of one account take a second, without a 429.
//! Real time: a paused tokio clock jumps ahead to reqwest's idle-pool timer
//! while a response from the mock server's thread is on its way.

use std::time::Duration;

use errspec::ApiError;
use errspec::client::{Client, SendOptions};
use errspec::pacing::{LimitScope, Pacing, PacingStats, RateLimit};
use errspec_providers::resend;
use tokio::time::Instant;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn six_sends(pacing: Pacing) -> (Duration, PacingStats) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let client = Client::<resend::Error>::builder(reqwest::Client::new())
        .pacing(pacing)
        .build();
    let start = Instant::now();
    for _ in 0..6 {
        let request = client
            .request(reqwest::Method::POST, format!("{}/emails", server.uri()))
            .bearer_auth("re_test_key")
            .body("{}");
        let response = client.send(request, SendOptions::default()).await.unwrap();
        assert_eq!(response.status(), 200);
    }
    (start.elapsed(), client.pacing().unwrap().stats())
}

#[test]
fn resend_documents_five_per_second_per_account() {
    assert_eq!(
        resend::Error::RATE_LIMITS,
        [RateLimit::new(
            5,
            Duration::from_secs(1),
            LimitScope::Account
        )]
    );
}

#[tokio::test]
async fn the_catalog_limit_spaces_sends() {
    let (elapsed, stats) = six_sends(Pacing::new()).await;
    // 200 ms apart: the sixth goes at 1 s (µs rounding aside).
    assert!(elapsed >= Duration::from_millis(990), "{elapsed:?}");
    assert!(stats.held >= 1, "{stats:?}");
    assert!(stats.held_for >= Duration::from_millis(500), "{stats:?}");
}

#[tokio::test]
async fn catalog_limits_can_be_turned_off() {
    let (_, stats) = six_sends(Pacing::new().catalog_limits(false)).await;
    assert_eq!(stats.held, 0, "{stats:?}");
}
