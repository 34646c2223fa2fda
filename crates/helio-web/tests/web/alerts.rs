//! LM-3 ([Audit]): the alert rules in `deploy/monitoring/prometheus-rules.yaml` watch metrics
//! that exist. Every expression is parsed as PromQL; each metric it selects must be a series
//! the metrics listener really exports (read from a scrape, with the sample names its type
//! gives: `_total` for counters, `_bucket`, `_sum` and `_count` for histograms), and each
//! `event` it matches must be a name of the catalogue. An alert on a misspelt metric would
//! never fire; this is what keeps that from happening.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::Request;
use helio_core::audit::AuditAction;
use helio_core::security_event::EventName;
use helio_store::Store;
use promql_parser::label::MatchOp;
use promql_parser::parser::{Expr, VectorSelector};
use promql_parser::util::{ExprVisitor, walk_expr};
use yaml_rust2::{Yaml, YamlLoader};

use crate::support::{form_post, send, test_app};

/// Collects every selector of an expression.
#[derive(Default)]
struct Selectors(Vec<VectorSelector>);

impl ExprVisitor for Selectors {
    type Error = ();

    fn pre_visit(&mut self, expr: &Expr) -> Result<bool, ()> {
        match expr {
            Expr::VectorSelector(selector) => self.0.push(selector.clone()),
            Expr::MatrixSelector(matrix) => self.0.push(matrix.vs.clone()),
            _ => {}
        }
        Ok(true)
    }
}

fn rules() -> Vec<(String, String, String)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../deploy/monitoring/prometheus-rules.yaml"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let documents = YamlLoader::load_from_str(&text).unwrap();
    let manifest = &documents[0];
    assert_eq!(manifest["kind"].as_str(), Some("PrometheusRule"));
    assert_eq!(
        manifest["apiVersion"].as_str(),
        Some("monitoring.coreos.com/v1")
    );
    let mut found = Vec::new();
    for group in manifest["spec"]["groups"].as_vec().unwrap() {
        for rule in group["rules"].as_vec().unwrap() {
            let alert = rule["alert"].as_str().unwrap().to_owned();
            let expr = rule["expr"].as_str().unwrap().to_owned();
            let runbook = rule["annotations"]["runbook_url"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            assert!(
                matches!(
                    rule["labels"]["severity"].as_str(),
                    Some("info" | "warning" | "critical")
                ),
                "{alert} has a severity"
            );
            assert!(!matches!(rule["annotations"]["summary"], Yaml::BadValue));
            found.push((alert, expr, runbook));
        }
    }
    found
}

/// The sample names a scrape shows, by each family's `# TYPE`.
fn exported(scrape: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in scrape.lines() {
        let Some(rest) = line.strip_prefix("# TYPE ") else {
            continue;
        };
        let (name, kind) = rest.split_once(' ').unwrap();
        let suffixes: &[&str] = match kind {
            "counter" => &["_total"],
            "histogram" => &["_bucket", "_sum", "_count"],
            _ => &[""],
        };
        names.extend(suffixes.iter().map(|suffix| format!("{name}{suffix}")));
    }
    names
}

async fn lm_3_every_alert_expression_names_metrics_that_exist(store: Store) {
    let app = test_app(store).await;
    // Traffic first: labelled families show in a scrape once they have a sample.
    let wrong = "email=nobody.alerts%40example.com&password=a+wrong+password+it+is";
    assert_eq!(
        send(&app.router, form_post("/login", wrong)).await.status,
        401
    );
    let scrape = send(
        &app.metrics,
        Request::get("/metrics").body(Body::empty()).unwrap(),
    )
    .await
    .body;
    let exported = exported(&scrape);
    assert!(exported.contains("helio_logins_total"), "{exported:?}");
    let events: BTreeSet<&str> = EventName::ALL
        .iter()
        .map(|e| e.as_str())
        .chain(AuditAction::ALL.iter().map(|a| a.as_str()))
        .collect();
    let runbook = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/operations/monitoring.md"
    ))
    .unwrap();
    let rules = rules();
    assert!(rules.len() >= 6, "the alerts the issue asks for");
    for (alert, expr, url) in &rules {
        let parsed = promql_parser::parser::parse(expr)
            .unwrap_or_else(|error| panic!("{alert}: {expr} is not PromQL: {error}"));
        let mut selectors = Selectors::default();
        walk_expr(&mut selectors, &parsed).unwrap();
        assert!(!selectors.0.is_empty(), "{alert} selects nothing");
        for selector in &selectors.0 {
            let name = selector.name.clone().unwrap_or_default();
            assert!(
                exported.contains(&name),
                "{alert} watches {name:?}, which Helio does not export"
            );
            for matcher in &selector.matchers.matchers {
                if matcher.name == "event" && matches!(matcher.op, MatchOp::Equal) {
                    assert!(
                        events.contains(matcher.value.as_str()),
                        "{alert} matches event {:?}, which is not in the catalogue",
                        matcher.value
                    );
                }
            }
        }
        let anchor = alert.to_lowercase();
        assert!(
            url.ends_with(&format!("monitoring.md#{anchor}")),
            "{alert}: runbook_url"
        );
        assert!(
            runbook.contains(&format!("## {alert}")),
            "docs/operations/monitoring.md explains {alert}"
        );
    }
    for asked in [
        "HelioFailedLoginSpike",
        "HelioLockoutBurst",
        "HelioBreakGlassGranted",
        "HelioAuditVerificationFailed",
        "HelioHighErrorRate",
        "HelioReadinessFlapping",
    ] {
        assert!(rules.iter().any(|(alert, ..)| alert == asked), "{asked}");
    }
}

helio_store::dual_backend_tests!(lm_3_every_alert_expression_names_metrics_that_exist);

/// The CloudWatch metric filters in `deploy/terraform/monitoring.tf` match the JSON log line's
/// `event` field; a misspelt or renamed event would leave its alarm silent for ever.
#[test]
fn lm_4_every_cloudwatch_log_filter_names_an_event_that_exists() {
    let terraform = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../deploy/terraform/monitoring.tf"
    ))
    .unwrap();
    let events: BTreeSet<&str> = EventName::ALL
        .iter()
        .map(|e| e.as_str())
        .chain(AuditAction::ALL.iter().map(|a| a.as_str()))
        .collect();
    let marker = "$.event = \\\"";
    let filtered: Vec<&str> = terraform
        .match_indices(marker)
        .map(|(at, _)| {
            let rest = &terraform[at + marker.len()..];
            &rest[..rest.find('\\').unwrap()]
        })
        .collect();
    for name in &filtered {
        assert!(
            events.contains(name),
            "monitoring.tf filters on event {name:?}, which is not in the catalogue"
        );
    }
    for asked in [
        "configuration_refused",
        "credential_stuffing_suspected",
        "audit_verification_failed",
        "break_glass_approved",
        "login_failed",
        "backup_created",
    ] {
        assert!(
            filtered.contains(&asked),
            "no CloudWatch filter for {asked}"
        );
    }
}
