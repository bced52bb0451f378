//! The shared scenario set (`support/scenarios.rs`) through `errspec::Client`
//! and, when their features are on, the reqwest-middleware (errspec's
//! middleware, and reqwest-retry's loop with errspec's strategy) and tower
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

/// reqwest-retry's own loop, with errspec's scope, strategy and policy.
#[cfg(feature = "reqwest-middleware")]
mod through_reqwest_retry {
    use super::*;
    use errspec::middleware::{ErrspecStrategy, RetryScope, ScopedPolicy};
    use reqwest_retry::RetryTransientMiddleware;

    struct ThroughReqwestRetry;

    impl Runner for ThroughReqwestRetry {
        fn send<E: ApiError>(
            &self,
            retrier: Retrier<E>,
            base: &str,
            options: SendOptions,
        ) -> Option<u16> {
            let http = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
                .with(RetryScope::new(retrier))
                .with(RetryTransientMiddleware::new_with_policy_and_strategy(
                    ScopedPolicy,
                    ErrspecStrategy::<E>::new(),
                ))
                .build();
            block_on(async {
                let sent = http
                    .post(format!("{base}/v1/widgets"))
                    .with_extension(options)
                    .body("{}")
                    .send()
                    .await;
                // reqwest-retry gives back the last response as it came.
                sent.ok().map(|response| response.status().as_u16())
            })
        }
    }

    #[test]
    fn scenarios_through_reqwest_retry() {
        run_all(&ThroughReqwestRetry);
    }
}

#[cfg(feature = "tower")]
mod through_tower {
    use super::*;
    use errspec::tower::RetryLayer;
    use tower::{Layer, Service, ServiceExt};

    struct ThroughTower;

    impl Runner for ThroughTower {
        fn send<E: ApiError>(
            &self,
            retrier: Retrier<E>,
            base: &str,
            options: SendOptions,
        ) -> Option<u16> {
            // A tower service over reqwest that buffers the response body.
            let http = reqwest::Client::new();
            let service = tower::service_fn(move |request: http::Request<String>| {
                let http = http.clone();
                async move {
                    let response = http.execute(reqwest::Request::try_from(request)?).await?;
                    let status = response.status();
                    let headers = response.headers().clone();
                    let body = response.bytes().await?;
                    let mut buffered = http::Response::new(body);
                    *buffered.status_mut() = status;
                    *buffered.headers_mut() = headers;
                    Ok::<_, reqwest::Error>(buffered)
                }
            });
            let service = RetryLayer::new(retrier).layer(service);
            let mut request = http::Request::post(format!("{base}/v1/widgets"))
                .body("{}".to_owned())
                .unwrap();
            request.extensions_mut().insert(options);
            block_on(async {
                match service.oneshot(request).await {
                    Ok(response) => Some(response.status().as_u16()),
                    Err(_) => None,
                }
            })
        }
    }

    #[test]
    fn scenarios_through_tower() {
        run_all(&ThroughTower);
    }

    /// A service used for several requests starts each one afresh.
    #[test]
    fn a_reused_service_counts_each_request_from_one() {
        use std::sync::{Arc, Mutex};
        static RESPONSES: &[scenarios::Canned] = &[
            scenarios::Canned {
                status: 503,
                code: "unavailable",
                retry_after: None,
            },
            scenarios::Canned {
                status: 200,
                code: "",
                retry_after: None,
            },
        ];
        let server = scenarios::Server::start(RESPONSES);
        let events: Arc<Mutex<Vec<(u32, bool)>>> = Arc::default();
        let log = Arc::clone(&events);
        let retrier = Retrier::<test_api::UnkeyedError>::builder()
            .policy(
                errspec::RetryPolicy::builder()
                    .base_delay(std::time::Duration::from_millis(1))
                    .build()
                    .unwrap(),
            )
            .observer(move |event: &errspec::observe::Event<'_>| {
                let retried = matches!(event.action, errspec::observe::Action::Retry { .. });
                log.lock().unwrap().push((event.attempt, retried));
            })
            .build();
        let http = reqwest::Client::new();
        let service = tower::service_fn(move |request: http::Request<String>| {
            let http = http.clone();
            async move {
                let response = http.execute(reqwest::Request::try_from(request)?).await?;
                let mut buffered = http::Response::new(Vec::new());
                *buffered.status_mut() = response.status();
                Ok::<_, reqwest::Error>(buffered)
            }
        });
        let mut service = RetryLayer::new(retrier).layer(service);
        block_on(async {
            for _ in 0..2 {
                let request = http::Request::get(format!("{}/", server.base))
                    .body(String::new())
                    .unwrap();
                let response = service.ready().await.unwrap().call(request).await.unwrap();
                assert_eq!(response.status(), 200);
            }
        });
        assert_eq!(*events.lock().unwrap(), [(1, true), (2, false), (1, false)]);
    }
}
