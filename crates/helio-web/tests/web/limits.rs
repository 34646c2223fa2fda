//! DS-3: body size, time and concurrency limits answer with a clear status at once.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::{get as get_route, post};
use helio_web::{HttpSettings, harden};

use crate::support::{get, send};

fn slow_router(settings: &HttpSettings) -> Router {
    let router = Router::new()
        .route(
            "/slow",
            get_route(|| async {
                tokio::time::sleep(Duration::from_millis(400)).await;
                "done"
            }),
        )
        .route(
            "/echo",
            post(|body: String| async move { body.len().to_string() }),
        );
    harden(router, settings)
}

#[tokio::test]
async fn ds_3_oversized_bodies_are_refused_before_the_handler() {
    let settings = HttpSettings {
        body_limit_bytes: 1024,
        ..HttpSettings::default()
    };
    let router = slow_router(&settings);
    let fits = send(
        &router,
        Request::post("/echo")
            .header("host", "localhost")
            .header("origin", "http://localhost")
            .body(Body::from(vec![b'a'; 1024]))
            .unwrap(),
    )
    .await;
    assert_eq!((fits.status, fits.body.as_str()), (200, "1024"));
    let declared = send(
        &router,
        Request::post("/echo")
            .header("host", "localhost")
            .header("origin", "http://localhost")
            .header("content-length", "1025")
            .body(Body::from(vec![b'a'; 1025]))
            .unwrap(),
    )
    .await;
    assert_eq!(declared.status, 413);
    // A streamed body with no declared length is cut off at the limit too.
    let stream = futures_util::stream::iter(
        (0..8).map(|_| Ok::<_, std::io::Error>(axum::body::Bytes::from(vec![b'a'; 512]))),
    );
    let streamed = send(
        &router,
        Request::post("/echo")
            .header("host", "localhost")
            .header("origin", "http://localhost")
            .body(Body::from_stream(stream))
            .unwrap(),
    )
    .await;
    assert_eq!(streamed.status, 413);
}

#[tokio::test]
async fn ds_3_slow_requests_time_out_with_503() {
    let settings = HttpSettings {
        request_timeout: Duration::from_millis(100),
        ..HttpSettings::default()
    };
    let answer = get(&slow_router(&settings), "/slow").await;
    assert_eq!(answer.status, 503);
    assert!(answer.body.contains(answer.header("x-request-id").unwrap()));
}

#[tokio::test]
async fn ds_3_requests_beyond_the_concurrency_limit_are_shed() {
    let settings = HttpSettings {
        concurrency_limit: 1,
        ..HttpSettings::default()
    };
    let router = slow_router(&settings);
    let first = tokio::spawn({
        let router = router.clone();
        async move { get(&router, "/slow").await.status }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let second = get(&router, "/slow").await;
    assert_eq!(second.status, 503);
    assert_eq!(second.header("retry-after"), Some("1"));
    assert_eq!(first.await.unwrap(), 200);
    assert_eq!(
        get(&router, "/slow").await.status,
        200,
        "capacity comes back"
    );
}
