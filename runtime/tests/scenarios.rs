//! The shared scenario set (`support/scenarios.rs`) through `errspec::Client`
//! and, when their features are on, the reqwest-middleware and tower
//! integrations. The sans-IO path runs it in `examples/`.
#![allow(missing_docs)]

#[path = "support/scenarios.rs"]
mod scenarios;
#[path = "support/test_api.rs"]
mod test_api;

use errspec::ApiError;
use errspec::client::Client;
use errspec::retry::{Retrier, SendOptions};
use scenarios::{Runner, run_all};

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

struct ThroughClient;

impl Runner for ThroughClient {
    fn send<E: ApiError>(
        &self,
        retrier: Retrier<E>,
        base: &str,
        options: SendOptions,
    ) -> Option<u16> {
        let client = Client::with_retrier(reqwest::Client::new(), retrier);
        let request = client
            .request(reqwest::Method::POST, format!("{base}/v1/widgets"))
            .body("{}");
        block_on(async {
            match client.send(request, options).await {
                Ok(response) => Some(response.status().as_u16()),
                Err(failure) => failure
                    .attempts()
                    .last()
                    .and_then(|a| a.status)
                    .map(|s| s.as_u16()),
            }
        })
    }
}

#[test]
fn scenarios_through_the_client() {
    run_all(&ThroughClient);
}

#[cfg(feature = "reqwest-middleware")]
mod through_middleware {
    use super::*;
    use errspec::middleware::RetryMiddleware;

    struct ThroughMiddleware;

    impl Runner for ThroughMiddleware {
        fn send<E: ApiError>(
            &self,
            retrier: Retrier<E>,
            base: &str,
            options: SendOptions,
        ) -> Option<u16> {
            let http = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
                .with(RetryMiddleware::new(retrier))
                .build();
            block_on(async {
                let sent = http
                    .post(format!("{base}/v1/widgets"))
                    .with_extension(options)
                    .body("{}")
                    .send()
                    .await;
                // A give-up on an error response returns that response.
                sent.ok().map(|response| response.status().as_u16())
            })
        }
    }

    #[test]
    fn scenarios_through_reqwest_middleware() {
        run_all(&ThroughMiddleware);
    }
}
