//! Benchmark (not a test): what a login costs beyond its Argon2id hash, and whether a login
//! for an unknown account takes as long as one with a wrong password (AU-4).
//!
//! Run: `cargo bench -p helio-web --bench login`. It drives the real router in-process (form
//! parsing, same-origin check, throttle, store, session creation) on a temporary SQLite
//! database (or MariaDB/MySQL when `HELIO_TEST_MYSQL_URL` is set), with as many concurrent
//! clients as the machine has cores.
#![expect(
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::indexing_slicing,
    reason = "a benchmark reports on stdout and stops on any failure"
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use helio_core::crypto::blind_index::BlindIndexer;
use helio_core::crypto::csrf::CsrfTokens;
use helio_core::crypto::device::DeviceCookies;
use helio_core::crypto::password::{HashParams, PasswordHasher};
use helio_core::keys::MasterKey;
use helio_core::password::PlainPassword;
use helio_core::session::SessionLimits;
use helio_core::time::{Clock, SystemClock};
use helio_store::testing::TestDb;
use helio_web::services::accounts::{AccountKeys, Accounts, LoginOutcome, LoginSource};
use helio_web::services::app_sessions::AppSessions;
use helio_web::services::back_office::BackOffice;
use helio_web::services::mfa::MfaService;
use helio_web::services::operations::Operations;
use helio_web::services::orders::Orders;
use helio_web::services::passkeys::Passkeys;
use helio_web::services::quotes::Quotes;
use helio_web::services::sessions::{SessionSettings, Sessions};
use helio_web::services::staff_admin::StaffAdmin;
use helio_web::services::{keyring, mail};
use helio_web::{AppServices, AppState, ConnectionInfo, HttpSettings};
use tower::ServiceExt;

const PASSWORD: &str = "violet kettle orbits quietly";

fn key() -> MasterKey {
    MasterKey::from_bytes(helio_core::crypto::random_bytes())
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    // SQLite by default; MariaDB/MySQL when HELIO_TEST_MYSQL_URL names a server.
    let db = if std::env::var_os("HELIO_TEST_MYSQL_URL").is_some() {
        TestDb::mysql().await
    } else {
        TestDb::sqlite().await
    };
    println!("backend: {}", db.store().backend());
    let store = db.store().clone();
    let keys = keyring::Keyring::load(store.clone(), key()).await.unwrap();
    let index = key();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let accounts = Accounts::new(
        store.clone(),
        Arc::clone(&keys),
        AccountKeys {
            indexer: BlindIndexer::new(&index),
            devices: DeviceCookies::new(&key()),
        },
        Arc::new(PasswordHasher::new(HashParams::OWASP_MINIMUM).unwrap()),
        cores,
        "http://localhost",
        Arc::clone(&clock),
    );
    let mfa = MfaService::new(
        store.clone(),
        Arc::clone(&keys),
        Arc::new(BlindIndexer::new(&index)),
        Arc::clone(&clock),
    );
    let router = helio_web::app(AppState::new(
        store.clone(),
        HttpSettings::default(),
        AppServices {
            accounts: accounts.clone(),
            sessions: Sessions::new(
                store.clone(),
                Arc::clone(&clock),
                CsrfTokens::new(&key()),
                SessionSettings::default(),
            ),
            app_sessions: AppSessions::new(
                store.clone(),
                Arc::clone(&clock),
                SessionLimits::DEFAULT,
            ),
            mfa,
            passkeys: Passkeys::new(
                store.clone(),
                "http://localhost",
                Arc::new(BlindIndexer::new(&index)),
                Arc::clone(&clock),
            )
            .unwrap(),
            back_office: BackOffice::new(
                store.clone(),
                Arc::clone(&keys),
                Arc::new(BlindIndexer::new(&index)),
                Arc::clone(&clock),
            ),
            staff_admin: StaffAdmin::new(
                accounts.clone(),
                store.clone(),
                Arc::clone(&keys),
                Arc::clone(&clock),
            ),
            quotes: Quotes::new(
                store.clone(),
                Arc::new(BlindIndexer::new(&index)),
                Arc::clone(&clock),
                helio_core::quote::PricingModel::DEFAULT,
            ),
            orders: Orders::new(
                store.clone(),
                Arc::clone(&keys),
                Arc::new(BlindIndexer::new(&index)),
                Arc::clone(&clock),
                helio_core::quote::PricingModel::DEFAULT,
                None,
            ),
            jobs: helio_web::services::jobs::Jobs::new(
                store.clone(),
                Arc::clone(&keys),
                Arc::clone(&clock),
            ),
            operations: Operations::new(
                store.clone(),
                "mode = \"dev\"\n",
                helio_core::audit_chain::CheckpointSigner::from_seed(&[7; 32]).public_key(),
                Arc::clone(&clock),
            ),
        },
    ));

    // Raw Argon2id verifications per second on one core.
    let hasher = PasswordHasher::new(HashParams::OWASP_MINIMUM).unwrap();
    let password = PlainPassword::new(PASSWORD).unwrap();
    let hash = hasher.hash(&password);
    let started = Instant::now();
    let rounds = 40;
    for _ in 0..rounds {
        let _ = hasher.verify(&password, &hash);
    }
    let raw_per_core = f64::from(rounds) / started.elapsed().as_secs_f64();

    // The same on every core at once: the fair baseline for concurrent logins, since
    // memory-hard hashes running side by side share caches and memory bandwidth.
    let hasher = Arc::new(hasher);
    let hash = Arc::new(hash);
    let started = Instant::now();
    let threads: Vec<_> = (0..cores)
        .map(|_| {
            let hasher = Arc::clone(&hasher);
            let hash = Arc::clone(&hash);
            std::thread::spawn(move || {
                let password = PlainPassword::new(PASSWORD).unwrap();
                for _ in 0..rounds {
                    let _ = hasher.verify(&password, &hash);
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let parallel_per_core =
        f64::from(rounds) * cores as f64 / started.elapsed().as_secs_f64() / cores as f64;

    // Accounts to log in to: enough that no (account, source) pair reaches a delay.
    let users = 64;
    for n in 0..users {
        accounts
            .sign_up(
                helio_web::services::accounts::SignUpForm {
                    name: "Bench User",
                    email: &format!("bench{n}@example.com"),
                    phone: None,
                    password: PASSWORD,
                },
                format!("198.18.{}.{}", n / 200, n % 200 + 1)
                    .parse()
                    .unwrap(),
            )
            .await
            .unwrap();
    }
    let capture = TokenCapture::default();
    while mail::deliver_due(&store, &keys, &capture).await.unwrap() > 0 {}
    for token in capture.tokens() {
        assert!(accounts.verify_email(&token).await.unwrap());
    }

    // Successful logins through the router. Four clients per core, so database round trips
    // overlap with hashing and the cores stay busy, as under real load; the hashing semaphore
    // still runs at most one Argon2id per core.
    let clients_count = cores * 4;
    let per_client = 8;
    let started = Instant::now();
    let clients: Vec<_> = (0..clients_count)
        .map(|client| {
            let router = router.clone();
            tokio::spawn(async move {
                for i in 0..per_client {
                    let n = (client * per_client + i) % users;
                    let status =
                        login(&router, &format!("bench{n}@example.com"), PASSWORD, client).await;
                    assert_eq!(status, 303);
                }
            })
        })
        .collect();
    for client in clients {
        client.await.unwrap();
    }
    let total = clients_count * per_client;
    let logins_per_core = total as f64 / started.elapsed().as_secs_f64() / cores as f64;

    // Unknown account versus wrong password, alternating, each from a fresh address.
    let mut unknown = Vec::new();
    let mut wrong = Vec::new();
    for round in 0..60 {
        let ip = format!("198.51.{}.{}", round / 200, round % 200 + 1);
        let source = LoginSource {
            ip: ip.parse().unwrap(),
            device_cookie: None,
            user_agent: None,
            client: helio_store::SessionClient::Browser,
        };
        let started = Instant::now();
        let outcome = accounts
            .login(&format!("ghost{round}@example.com"), PASSWORD, source)
            .await
            .unwrap();
        unknown.push(started.elapsed());
        assert_eq!(outcome, LoginOutcome::Failed);
        let started = Instant::now();
        let victim = format!("bench{}@example.com", round % users);
        let outcome = accounts
            .login(&victim, "violet kettle orbits loudly", source)
            .await
            .unwrap();
        wrong.push(started.elapsed());
        assert_eq!(outcome, LoginOutcome::Failed);
    }
    let (unknown, wrong) = (median(unknown), median(wrong));

    println!("cores: {cores}");
    println!("raw Argon2id verifications per second, one core alone: {raw_per_core:.1}");
    println!(
        "raw Argon2id verifications per second per core, all {cores} cores busy: {parallel_per_core:.1}"
    );
    println!(
        "successful logins per second per core (router, {clients_count} clients): {logins_per_core:.1}"
    );
    println!(
        "overhead beyond hashing (against all cores busy): {:.1} %",
        (parallel_per_core / logins_per_core - 1.0) * 100.0
    );
    println!(
        "median login, unknown account: {:.1} ms",
        unknown.as_secs_f64() * 1000.0
    );
    println!(
        "median login, wrong password:  {:.1} ms",
        wrong.as_secs_f64() * 1000.0
    );
    println!(
        "ratio unknown / wrong: {:.3}",
        unknown.as_secs_f64() / wrong.as_secs_f64()
    );
    db.finish().await;
}

async fn login(router: &Router, email: &str, password: &str, client: usize) -> u16 {
    let body = format!(
        "email={}&password={}",
        email.replace('@', "%40"),
        password.replace(' ', "+")
    );
    let mut request = Request::post("/login")
        .header("host", "localhost")
        .header("origin", "http://localhost")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    request.extensions_mut().insert(ConnectionInfo {
        peer: format!("192.0.2.{}:4000", client + 1).parse().unwrap(),
        tls: false,
    });
    router
        .clone()
        .oneshot(request)
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[derive(Default)]
struct TokenCapture(std::sync::Mutex<Vec<String>>);

impl TokenCapture {
    fn tokens(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

impl mail::Deliver for TokenCapture {
    fn deliver<'a>(&'a self, mail: &'a mail::Outgoing) -> mail::Delivery<'a> {
        if let Some(at) = mail.body.find("token=") {
            let token: String = mail.body[at + 6..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            self.0.lock().unwrap().push(token);
        }
        Box::pin(std::future::ready(Ok(())))
    }
}
