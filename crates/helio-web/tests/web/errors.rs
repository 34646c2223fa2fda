//! DS-1: every error answers in one shape with a request ID, and nothing internal leaks.

use axum::body::Body;
use axum::http::Request;
use axum::routing::{get as get_route, post};
use axum::{Json, Router};
use helio_store::Store;
use helio_web::{HttpSettings, harden};
use serde_json::Value;

use crate::support::{app, get, send};

async fn ds_1_unknown_route_gets_problem_json_with_the_request_id(store: Store) {
    let app = app(store).await;
    let answer = send(
        &app,
        Request::get("/api/v1/nothing")
            .header("accept", "application/json")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, 404);
    assert_eq!(
        answer.header("content-type"),
        Some("application/problem+json")
    );
    let problem: Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(problem["status"], 404);
    assert_eq!(problem["title"], "Not Found");
    assert_eq!(
        problem["request_id"].as_str(),
        answer.header("x-request-id"),
        "the body names the same request as the header"
    );
}

async fn ds_1_people_get_an_error_page_with_the_request_id(store: Store) {
    let answer = send(
        &app(store).await,
        Request::get("/no/such/page")
            .header("accept", "text/html")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, 404);
    assert_eq!(
        answer.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(answer.body.contains("There is nothing at this address."));
    assert!(answer.body.contains(answer.header("x-request-id").unwrap()));
    assert!(
        answer.body.contains("/static/helio.css"),
        "styled like the rest"
    );
}

async fn ds_1_wrong_method_keeps_allow_and_hides_internals(store: Store) {
    let answer = send(
        &app(store).await,
        Request::delete("/")
            .header("host", "localhost")
            .header("origin", "http://localhost")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, 405);
    assert!(answer.header("allow").unwrap().contains("GET"));
}

fn probe_router() -> Router {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "only deserialised, to provoke rejections")]
    struct Input {
        name: String,
    }
    let router = Router::new()
        .route(
            "/panic",
            get_route(|| async {
                panic!("secret internal detail: db password is hunter2");
                #[expect(unreachable_code, reason = "the panic is the point")]
                ""
            }),
        )
        .route("/json", post(|Json(_input): Json<Input>| async { "ok" }));
    harden(router, &HttpSettings::default())
}

#[tokio::test]
async fn ds_1_a_panic_answers_500_without_a_trace() {
    let answer = get(&probe_router(), "/panic").await;
    assert_eq!(answer.status, 500);
    assert!(!answer.body.contains("hunter2"));
    assert!(!answer.body.contains("secret internal detail"));
    assert!(!answer.body.contains("panicked"));
    assert!(answer.body.contains(answer.header("x-request-id").unwrap()));
    assert!(answer.header("content-security-policy").is_some());
}

#[tokio::test]
async fn ds_1_extractor_rejections_do_not_echo_parser_internals() {
    let router = probe_router();
    for body in [
        r#"{"name": "x", "is_admin": true}"#,
        r#"{"nam"#,
        r#"{"name": 5}"#,
        "\u{0}\u{1}garbage",
    ] {
        let answer = send(
            &router,
            Request::post("/json")
                .header("host", "localhost")
                .header("origin", "http://localhost")
                .header("content-type", "application/json")
                .header("accept", "application/json")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
        assert!(
            (400..500).contains(&answer.status),
            "{body}: {}",
            answer.status
        );
        for internal in [
            "is_admin",
            "unknown field",
            "expected",
            "line ",
            "column",
            "serde",
        ] {
            assert!(
                !answer.body.contains(internal),
                "{internal} leaked: {}",
                answer.body
            );
        }
        let problem: Value = serde_json::from_str(&answer.body).unwrap();
        assert_eq!(problem["status"], answer.status);
    }
    let wrong_type = send(
        &router,
        Request::post("/json")
            .header("host", "localhost")
            .header("origin", "http://localhost")
            .header("content-type", "text/plain")
            .body(Body::from(r#"{"name":"x"}"#))
            .unwrap(),
    )
    .await;
    assert_eq!(wrong_type.status, 415);
}

helio_store::dual_backend_tests!(
    ds_1_unknown_route_gets_problem_json_with_the_request_id,
    ds_1_people_get_an_error_page_with_the_request_id,
    ds_1_wrong_method_keeps_allow_and_hides_internals,
);
