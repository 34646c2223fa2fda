//! SYS-3: the API's OpenAPI document lists every `/api/v1` route of the router, with the
//! access rule it really has (public, or the bearer token).

use helio_core::access::Access;
use helio_store::Store;
use serde_json::Value;

use crate::support::{app, get};

async fn sys_3_every_api_route_is_in_the_openapi_document(store: Store) {
    let app = app(store).await;
    let answer = get(&app, "/api/v1/openapi.json").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    let document: Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    let mut described = 0;
    for entry in helio_web::route_table().entries() {
        if !entry.path.starts_with("/api/v1/") || entry.path == "/api/v1/openapi.json" {
            continue;
        }
        let operation = &document["paths"][entry.path][entry.method.as_str().to_ascii_lowercase()];
        assert!(
            operation.is_object(),
            "{} {} is missing",
            entry.method,
            entry.path
        );
        let security = &operation["security"];
        if entry.access == Access::Public {
            assert_eq!(security, &serde_json::json!([]), "{}", entry.path);
        } else {
            assert_eq!(
                security,
                &serde_json::json!([{"bearer": []}]),
                "{}",
                entry.path
            );
        }
        described += 1;
    }
    let listed: usize = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    assert_eq!(
        listed, described,
        "nothing is documented that is not routed"
    );
    assert!(described >= 40, "{described}");
    assert!(helio_web::check_api_document().is_ok());
}

helio_store::dual_backend_tests!(sys_3_every_api_route_is_in_the_openapi_document);
