//! One TopMail request through the sans-IO loop on `ureq`:
//! `cargo run -p errspec-examples --bin ureq_topmail -- URL [BODY]`.
//!
//! Prints each attempt and the outcome. Try it against a local server that
//! answers 429 with `Retry-After`, or 503, to watch the retries.

use errspec::retry::{Retrier, SendOptions};
use errspec_providers::topmail;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(url) = args.next() else {
        eprintln!("usage: ureq_topmail URL [BODY]");
        std::process::exit(2);
    };
    let body = args.next().unwrap_or_else(|| "{}".to_owned());
    let retrier = Retrier::<topmail::Error>::builder()
        .observer(|event: &errspec::observe::Event<'_>| {
            eprintln!(
                "attempt {}: status {:?}, {:?}",
                event.attempt, event.status, event.action
            );
        })
        .build();
    let agent = errspec_examples::agent();
    match errspec_examples::send(
        &agent,
        &retrier,
        http::Method::POST,
        &url,
        body.as_bytes(),
        SendOptions::default(),
    ) {
        Ok(response) => println!("ok: {}", response.status()),
        Err(failure) => {
            match (&failure.error, &failure.transport) {
                (Some(error), _) => println!("error: {error}"),
                (None, Some(transport)) => println!("error: {transport}"),
                (None, None) => {}
            }
            println!("gave up: {}", failure.reason);
            std::process::exit(1);
        }
    }
}
