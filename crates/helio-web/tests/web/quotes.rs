//! The quote calculator on the page and the API (SYS-1, DS-2, IN-2): public, computed by the
//! core model, bad input named field by field, hostile numbers refused, and an hourly budget
//! per source.

use helio_store::Store;
use serde_json::{Value, json};

use crate::support::{form_post, get, json_post, send, test_app};

fn form(fields: &[(&str, &str)]) -> String {
    let mut body = form_urlencoded::Serializer::new(String::new());
    body.extend_pairs(fields.iter().copied());
    body.finish()
}

/// SYS-1: a visitor gets a quote from a postal code, a monthly use (or a bill) and a roof
/// area; the same figures as the core calculator (7 panels for 350 kWh a month in Madrid).
async fn sys_1_a_visitor_gets_a_quote_on_the_page(store: Store) {
    let app = test_app(store).await;
    let page = get(&app.router, "/quote").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("data-quote-form"));
    let landing = get(&app.router, "/").await;
    assert!(landing.body.contains(r#"href="/quote""#));

    let by_use = send(
        &app.router,
        form_post(
            "/quote",
            &form(&[
                ("postal_code", "28001"),
                ("monthly_kwh", "350"),
                ("roof_m2", "40"),
            ]),
        ),
    )
    .await;
    assert_eq!(by_use.status, 200, "{}", by_use.body);
    assert!(
        by_use
            .body
            .contains("<dd data-quote-panels>7 panels, 3.01 kWp</dd>")
    );
    assert!(by_use.body.contains("<dd data-quote-price>€3,612</dd>"));
    let by_bill = send(
        &app.router,
        form_post(
            "/quote",
            &form(&[
                ("postal_code", "28001"),
                ("monthly_bill", "63,00"),
                ("roof_m2", "40"),
            ]),
        ),
    )
    .await;
    assert!(
        by_bill.body.contains("7 panels"),
        "a 63 € bill at the typical 18 c/kWh is 350 kWh"
    );
    let small_roof = send(
        &app.router,
        form_post(
            "/quote",
            &form(&[
                ("postal_code", "28001"),
                ("monthly_kwh", "900"),
                ("roof_m2", "8"),
            ]),
        ),
    )
    .await;
    assert!(
        small_roof.body.contains("4 panels") && small_roof.body.contains("Your roof sets the size")
    );
}

/// IN-2: each bad field is named on the page (422, the typed values kept); hostile numbers
/// and extra fields are refused.
async fn in_2_bad_and_hostile_quote_input_is_refused(store: Store) {
    let app = test_app(store).await;
    for (fields, named) in [
        (
            vec![
                ("postal_code", "99999"),
                ("monthly_kwh", "350"),
                ("roof_m2", "40"),
            ],
            "postal_code",
        ),
        (
            vec![
                ("postal_code", ""),
                ("monthly_kwh", "350"),
                ("roof_m2", "40"),
            ],
            "postal code",
        ),
        (
            vec![
                ("postal_code", "28001"),
                ("monthly_kwh", "abc"),
                ("roof_m2", "40"),
            ],
            "monthly use",
        ),
        (
            vec![
                ("postal_code", "28001"),
                ("monthly_kwh", "NaN"),
                ("roof_m2", "40"),
            ],
            "monthly use",
        ),
        (
            vec![
                ("postal_code", "28001"),
                ("monthly_kwh", "1e308"),
                ("roof_m2", "40"),
            ],
            "10,000 kWh",
        ),
        (
            vec![
                ("postal_code", "28001"),
                ("monthly_kwh", "-5"),
                ("roof_m2", "40"),
            ],
            "10,000 kWh",
        ),
        (
            vec![
                ("postal_code", "28001"),
                ("monthly_kwh", "350"),
                ("roof_m2", "inf"),
            ],
            "roof area",
        ),
        (
            vec![
                ("postal_code", "28001"),
                ("monthly_kwh", "350"),
                ("roof_m2", "1"),
            ],
            "Not even one panel",
        ),
        (
            vec![
                ("postal_code", "28001"),
                ("monthly_bill", "60"),
                ("tariff", "0"),
                ("roof_m2", "40"),
            ],
            "tariff",
        ),
        (
            vec![("postal_code", "28001"), ("roof_m2", "40")],
            "monthly use",
        ),
    ] {
        let answer = send(&app.router, form_post("/quote", &form(&fields))).await;
        assert_eq!(answer.status, 422, "{fields:?}");
        assert!(
            answer.body.contains(named) || answer.body.contains("Give a Spanish postal code"),
            "{fields:?}: {named}"
        );
        assert!(
            !answer.body.contains("data-quote>"),
            "no quote for bad input"
        );
    }
    let kept = send(
        &app.router,
        form_post(
            "/quote",
            &form(&[
                ("postal_code", "99999"),
                ("monthly_kwh", "351"),
                ("roof_m2", "40"),
            ]),
        ),
    )
    .await;
    assert!(kept.body.contains(r#"value="351""#), "what was typed stays");
    let extra = send(
        &app.router,
        form_post(
            "/quote",
            &form(&[
                ("postal_code", "28001"),
                ("monthly_kwh", "350"),
                ("roof_m2", "40"),
                ("price", "1"),
            ]),
        ),
    )
    .await;
    assert_eq!(extra.status, 422);
    let script = send(
        &app.router,
        form_post(
            "/quote",
            &form(&[
                ("postal_code", "<script>"),
                ("monthly_kwh", "350"),
                ("roof_m2", "40"),
            ]),
        ),
    )
    .await;
    assert!(!script.body.contains("<script>"), "escaped");
}

/// SYS-1, IN-2: the API answers the same quote from a latitude, names bad fields in
/// problem+json, and refuses unknown fields and non-objects.
async fn sys_1_the_api_quotes_from_a_location(store: Store) {
    let app = test_app(store).await;
    let answer = send(
        &app.router,
        json_post(
            "/api/v1/quotes",
            &json!({"latitude": 40.42, "monthly_kwh": 350.0, "roof_m2": 40.0}),
        ),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let quote: Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(quote["panels"], 7);
    assert_eq!(quote["price_cents"], 361_200);
    assert_eq!(quote["horizon_years"], 25);
    assert!(
        quote["payback_years"]
            .as_u64()
            .is_some_and(|y| (5..=15).contains(&y))
    );

    let bad = send(
        &app.router,
        json_post(
            "/api/v1/quotes",
            &json!({"latitude": 91, "monthly_kwh": -1, "roof_m2": 40}),
        ),
    )
    .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.header("content-type"), Some("application/problem+json"));
    assert!(bad.body.contains("latitude"));
    for hostile in [
        json!({"postal_code": "28001", "monthly_kwh": 350, "roof_m2": 40, "price_cents_per_watt": 1}),
        json!([{"postal_code": "28001"}]),
        json!({"postal_code": 28001, "monthly_kwh": 350, "roof_m2": 40}),
        json!({"postal_code": "28001", "monthly_bill_cents": -6300, "tariff_cents_per_kwh": 18, "roof_m2": 40}),
    ] {
        let answer = send(&app.router, json_post("/api/v1/quotes", &hostile)).await;
        assert_eq!(answer.status, 422, "{hostile}");
    }
}

/// DS-2: one source gets 60 quotes an hour; the 61st is 429, page and API alike.
async fn ds_2_quotes_are_capped_per_source(store: Store) {
    let app = test_app(store).await;
    let body = form(&[
        ("postal_code", "28001"),
        ("monthly_kwh", "350"),
        ("roof_m2", "40"),
    ]);
    for n in 0..60 {
        let answer = send(&app.router, form_post("/quote", &body)).await;
        assert_eq!(answer.status, 200, "quote {n}");
    }
    assert_eq!(
        send(&app.router, form_post("/quote", &body)).await.status,
        429
    );
    let api = send(
        &app.router,
        json_post(
            "/api/v1/quotes",
            &json!({"latitude": 40.0, "monthly_kwh": 300, "roof_m2": 30}),
        ),
    )
    .await;
    assert_eq!(api.status, 429);
    app.clock.advance(std::time::Duration::from_secs(3_601));
    assert_eq!(
        send(&app.router, form_post("/quote", &body)).await.status,
        200
    );
}

helio_store::dual_backend_tests!(
    sys_1_a_visitor_gets_a_quote_on_the_page,
    in_2_bad_and_hostile_quote_input_is_refused,
    sys_1_the_api_quotes_from_a_location,
    ds_2_quotes_are_capped_per_source,
);
