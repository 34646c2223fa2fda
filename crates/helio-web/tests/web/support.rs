//! Helpers shared by the web tests: in-process requests through the real stack, and a tiny
//! HTTP/1.1 client for tests against a real listening server.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Request, Response};
use helio_core::crypto::blind_index::BlindIndexer;
use helio_core::crypto::csrf::CsrfTokens;
use helio_core::crypto::device::DeviceCookies;
use helio_core::crypto::password::{HashParams, PasswordHasher};
use helio_core::keys::MasterKey;
use helio_core::quote::PricingModel;
use helio_core::time::{Clock, Timestamp};
use helio_store::Store;
use helio_web::services::accounts::{AccountKeys, Accounts, LoginSource};
use helio_web::services::app_sessions::AppSessions;
use helio_web::services::back_office::BackOffice;
use helio_web::services::keyring::Keyring;
use helio_web::services::mail::{self, Deliver, Delivery, Outgoing};
use helio_web::services::mfa::MfaService;
use helio_web::services::operations::Operations;
use helio_web::services::orders::Orders;
use helio_web::services::passkeys::Passkeys;
use helio_web::services::quotes::Quotes;
use helio_web::services::sessions::{SessionSettings, Sessions};
use helio_web::services::staff_admin::StaffAdmin;
use helio_web::{AppServices, AppState, ConnectionInfo, HttpSettings};
use tower::ServiceExt;
use tracing_subscriber::fmt::MakeWriter;

/// The application over `store`, with fresh random master keys, and handles on its parts.
pub(crate) struct TestApp {
    pub(crate) router: Router,
    /// The metrics listener's router.
    pub(crate) metrics: Router,
    pub(crate) store: Store,
    pub(crate) keys: Arc<Keyring>,
    pub(crate) accounts: Accounts,
    pub(crate) sessions: Sessions,
    pub(crate) clock: Arc<ManualClock>,
    master: TestKeys,
}

/// A clock tests move by hand; it keeps its own order of records, so a test moving its
/// clock far ahead does not date another test's records.
#[derive(Debug)]
pub(crate) struct ManualClock(AtomicI64, AtomicI64);

impl ManualClock {
    pub(crate) fn advance(&self, by: Duration) {
        let micros = i64::try_from(by.as_micros()).unwrap();
        self.0.fetch_add(micros, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_unix_micros(self.0.load(Ordering::SeqCst))
    }

    fn next_ordered(&self) -> Timestamp {
        helio_core::time::ordered_after(&self.1, self.now())
    }
}

/// The redacted configuration the operations page of every test deployment shows.
pub(crate) const TEST_CONFIGURATION_REPORT: &str =
    "mode = \"dev\"\n\n[database]\nurl = \"mysql://helio:REDACTED@db/helio\"\n";

/// The MAC master key of every test deployment: fixed, so a test can compute the CSRF token a
/// page would carry (`csrf_for`) without scraping one.
const TEST_MAC_KEY: [u8; 32] = [0x5a; 32];

/// A CSRF token of the session whose cookie value is `session`, as its pages would carry.
pub(crate) fn csrf_for(session: &str) -> String {
    CsrfTokens::new(&MasterKey::from_bytes(TEST_MAC_KEY)).issue(session)
}

/// The master keys of a test deployment, shared by its replicas.
#[derive(Clone)]
pub(crate) struct TestKeys {
    kek: [u8; 32],
    index: [u8; 32],
    device: [u8; 32],
}

impl TestKeys {
    fn random() -> Self {
        Self {
            kek: helio_core::crypto::random_bytes(),
            index: helio_core::crypto::random_bytes(),
            device: TEST_MAC_KEY,
        }
    }
}

pub(crate) async fn test_app_with(store: Store, settings: HttpSettings) -> TestApp {
    build(
        store,
        settings,
        SessionSettings::default(),
        TestKeys::random(),
    )
    .await
}

/// The application with its own session settings (lifetimes, timers, logout on close).
pub(crate) async fn test_app_with_sessions(store: Store, sessions: SessionSettings) -> TestApp {
    build(store, HttpSettings::default(), sessions, TestKeys::random()).await
}

/// Another replica of the same deployment: same database and master keys, its own keyring
/// loaded now, its own clock.
pub(crate) async fn replica_of(app: &TestApp) -> TestApp {
    same_keys_on(app, app.store.clone()).await
}

/// The application with `app`'s master keys over another database (a restored backup).
pub(crate) async fn same_keys_on(app: &TestApp, store: Store) -> TestApp {
    build(
        store,
        HttpSettings::default(),
        SessionSettings::default(),
        app.master.clone(),
    )
    .await
}

/// `app`'s key-encryption key, as the deployment's key file holds it.
pub(crate) fn kek_of(app: &TestApp) -> MasterKey {
    MasterKey::from_bytes(app.master.kek)
}

/// A replica of `app` started after the KEK was rotated to `kek`: the same database and other
/// master keys, its keyring loaded now with the new KEK.
pub(crate) async fn with_kek(app: &TestApp, kek: [u8; 32]) -> TestApp {
    let mut master = app.master.clone();
    master.kek = kek;
    build(
        app.store.clone(),
        HttpSettings::default(),
        SessionSettings::default(),
        master,
    )
    .await
}

async fn build(
    store: Store,
    settings: HttpSettings,
    session_settings: SessionSettings,
    master: TestKeys,
) -> TestApp {
    let index_key = MasterKey::from_bytes(master.index);
    let keys = Keyring::load(store.clone(), MasterKey::from_bytes(master.kek))
        .await
        .unwrap();
    let clock = Arc::new(ManualClock(
        AtomicI64::new(Timestamp::now().unix_micros()),
        AtomicI64::new(0),
    ));
    let accounts = Accounts::new(
        store.clone(),
        Arc::clone(&keys),
        AccountKeys {
            indexer: BlindIndexer::new(&index_key),
            devices: DeviceCookies::new(&MasterKey::from_bytes(master.device)),
        },
        Arc::new(PasswordHasher::new(HashParams::OWASP_MINIMUM).unwrap()),
        2,
        "http://localhost",
        Arc::clone(&clock) as Arc<dyn Clock>,
    );
    let sessions = Sessions::new(
        store.clone(),
        Arc::clone(&clock) as Arc<dyn Clock>,
        CsrfTokens::new(&MasterKey::from_bytes(master.device)),
        session_settings,
    );
    let mfa = MfaService::new(
        store.clone(),
        Arc::clone(&keys),
        Arc::new(BlindIndexer::new(&index_key)),
        Arc::clone(&clock) as Arc<dyn Clock>,
    );
    let passkeys = Passkeys::new(
        store.clone(),
        "http://localhost",
        Arc::new(BlindIndexer::new(&index_key)),
        Arc::clone(&clock) as Arc<dyn Clock>,
    )
    .unwrap();
    let state = AppState::new(
        store.clone(),
        settings,
        AppServices {
            accounts: accounts.clone(),
            sessions: sessions.clone(),
            app_sessions: AppSessions::new(
                store.clone(),
                Arc::clone(&clock) as Arc<dyn Clock>,
                session_settings.limits,
            ),
            mfa,
            passkeys,
            back_office: BackOffice::new(
                store.clone(),
                Arc::clone(&keys),
                Arc::new(BlindIndexer::new(&index_key)),
                Arc::clone(&clock) as Arc<dyn Clock>,
            ),
            operations: Operations::new(
                store.clone(),
                TEST_CONFIGURATION_REPORT,
                test_audit_signer().public_key(),
                Arc::clone(&clock) as Arc<dyn Clock>,
            ),
            staff_admin: StaffAdmin::new(
                accounts.clone(),
                store.clone(),
                Arc::clone(&keys),
                Arc::clone(&clock) as Arc<dyn Clock>,
            ),
            quotes: Quotes::new(
                store.clone(),
                Arc::new(BlindIndexer::new(&index_key)),
                Arc::clone(&clock) as Arc<dyn Clock>,
                PricingModel::DEFAULT,
            ),
            orders: Orders::new(
                store.clone(),
                Arc::clone(&keys),
                Arc::new(BlindIndexer::new(&index_key)),
                Arc::clone(&clock) as Arc<dyn Clock>,
                PricingModel::DEFAULT,
                Some(Arc::new(helio_web::services::payments::DevProvider)),
            ),
            jobs: helio_web::services::jobs::Jobs::new(
                store.clone(),
                Arc::clone(&keys),
                Arc::clone(&clock) as Arc<dyn Clock>,
            ),
        },
    );
    let metrics = helio_web::metrics::router(&state);
    TestApp {
        router: helio_web::app(state),
        metrics,
        store,
        keys,
        accounts,
        sessions,
        clock,
        master,
    }
}

/// The audit key of test deployments.
pub(crate) fn test_audit_signer() -> helio_core::audit_chain::CheckpointSigner {
    helio_core::audit_chain::CheckpointSigner::from_seed(&[21; 32])
}

/// A login source: an address in the documentation range, no device cookie.
pub(crate) fn from_ip(ip: &str) -> LoginSource<'static> {
    LoginSource {
        ip: ip.parse().unwrap(),
        device_cookie: None,
        user_agent: None,
        client: helio_store::SessionClient::Browser,
    }
}

pub(crate) async fn test_app(store: Store) -> TestApp {
    test_app_with(store, HttpSettings::default()).await
}

pub(crate) async fn app(store: Store) -> Router {
    test_app(store).await.router
}

/// Mail captured instead of sent.
#[derive(Default)]
pub(crate) struct MailCapture(Mutex<Vec<Outgoing>>);

impl Deliver for MailCapture {
    fn deliver<'a>(&'a self, mail: &'a Outgoing) -> Delivery<'a> {
        self.0.lock().unwrap().push(Outgoing {
            kind: mail.kind.clone(),
            to: mail.to.clone(),
            subject: mail.subject.clone(),
            body: mail.body.clone(),
        });
        Box::pin(std::future::ready(Ok(())))
    }
}

/// The single-use token of the first `token=` link in a mail body.
pub(crate) fn link_token(body: &str) -> String {
    body[body.find("token=").unwrap() + "token=".len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

impl TestApp {
    /// Signs a customer up through the API and confirms the address with the link mailed to
    /// it, as a person would.
    pub(crate) async fn verified_customer(&self, name: &str, email: &str, password: &str) {
        let answer = send(
            &self.router,
            json_post(
                "/api/v1/accounts",
                &serde_json::json!({"name": name, "email": email, "password": password}),
            ),
        )
        .await;
        assert_eq!(answer.status, 202, "{}", answer.body);
        let mail = self.sent_mail().await;
        let body = &mail.iter().find(|m| m.to == email).unwrap().body;
        assert!(self.accounts.verify_email(&link_token(body)).await.unwrap());
    }

    /// Delivers the outbox into a capture and returns what was sent.
    pub(crate) async fn sent_mail(&self) -> Vec<Outgoing> {
        let capture = MailCapture::default();
        mail::deliver_due(&self.store, &self.keys, &capture)
            .await
            .unwrap();
        capture.0.into_inner().unwrap()
    }
}

/// A same-origin browser form post.
pub(crate) fn form_post(path: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header("host", "localhost")
        .header("origin", "http://localhost")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

/// A JSON API post.
pub(crate) fn json_post(path: &str, body: &serde_json::Value) -> Request<Body> {
    Request::post(path)
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

impl Answer {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub(crate) async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response: Response<Body> = app.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    Answer {
        status,
        headers,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

pub(crate) async fn get(app: &Router, path: &str) -> Answer {
    send(app, Request::get(path).body(Body::empty()).unwrap()).await
}

pub(crate) fn over(peer: &str, tls: bool, mut request: Request<Body>) -> Request<Body> {
    request.extensions_mut().insert(ConnectionInfo {
        peer: peer.parse().unwrap(),
        tls,
    });
    request
}

/// Captures JSON log lines written through `helio_web::logging::JsonLogLayer`.
#[derive(Clone, Default)]
pub(crate) struct LogCapture(Arc<Mutex<Vec<u8>>>);

impl LogCapture {
    pub(crate) fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }

    pub(crate) fn install(&self) -> tracing::subscriber::DefaultGuard {
        use tracing_subscriber::layer::SubscriberExt;
        let subscriber = tracing_subscriber::registry()
            .with(helio_web::logging::JsonLogLayer::new(self.clone()));
        // With no global subscriber, a span or event first met on a thread without one is
        // cached as "nobody listens", and a capturing thread can then miss it. A global
        // registry (which records nothing) keeps every callsite live for every thread.
        static GLOBAL: std::sync::Once = std::sync::Once::new();
        GLOBAL.call_once(|| {
            let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry());
        });
        tracing::subscriber::set_default(subscriber)
    }
}

impl std::io::Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for LogCapture {
    type Writer = LogCapture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// A browser login form post.
pub(crate) async fn log_in_form(app: &TestApp, email: &str, password: &str) -> Answer {
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("email", email)
        .append_pair("password", password)
        .finish();
    send(&app.router, form_post("/login", &body)).await
}

/// The session ID an answer's `Set-Cookie` gives the browser.
pub(crate) fn session_cookie(answer: &Answer) -> String {
    let cookie = answer
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("__Host-helio="))
        .expect("a session cookie");
    cookie["__Host-helio=".len()..cookie.find(';').unwrap()].to_owned()
}

/// A page request of the browser holding session `id`.
pub(crate) fn get_with_session(path: &str, id: &str) -> Request<Body> {
    Request::get(path)
        .header("cookie", format!("__Host-helio={id}"))
        .body(Body::empty())
        .unwrap()
}

/// A same-origin form post of the browser holding session `id`, with its pages' CSRF token.
pub(crate) fn post_with_session(path: &str, id: &str, fields: &[(&str, &str)]) -> Request<Body> {
    let mut body = form_urlencoded::Serializer::new(String::new());
    body.extend_pairs(fields.iter().copied());
    body.append_pair("csrf", &csrf_for(id));
    Request::post(path)
        .header("host", "localhost")
        .header("origin", "http://localhost")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("__Host-helio={id}"))
        .body(Body::from(body.finish()))
        .unwrap()
}

impl TestApp {
    /// The crews' service over this deployment, for what only a page form sets (a crew's
    /// area and days) and for the sweeper of lapsed offers.
    pub(crate) fn jobs(&self) -> helio_web::services::jobs::Jobs {
        helio_web::services::jobs::Jobs::new(
            self.store.clone(),
            Arc::clone(&self.keys),
            Arc::clone(&self.clock) as Arc<dyn Clock>,
        )
    }

    /// The demo seeder over this deployment (`helio serve --demo`'s), for a database with
    /// every role, crew and order state in it.
    pub(crate) fn demo(&self) -> helio_web::services::demo::Demo {
        helio_web::services::demo::Demo {
            accounts: self.accounts.clone(),
            orders: self.orders(),
            jobs: self.jobs(),
            partners: helio_web::services::partners::PartnerService::new(
                self.store.clone(),
                Arc::clone(&self.clock) as Arc<dyn Clock>,
            ),
            store: self.store.clone(),
            clock: Arc::clone(&self.clock) as Arc<dyn Clock>,
        }
    }

    /// The orders service over this deployment, for rules no page can reach (an admin
    /// deciding a refund they asked for before their role changed).
    pub(crate) fn orders(&self) -> Orders {
        Orders::new(
            self.store.clone(),
            Arc::clone(&self.keys),
            Arc::new(BlindIndexer::new(&MasterKey::from_bytes(self.master.index))),
            Arc::clone(&self.clock) as Arc<dyn Clock>,
            PricingModel::DEFAULT,
            Some(Arc::new(helio_web::services::payments::DevProvider)),
        )
    }

    /// The back office's service over this deployment, for rules no page can reach (an
    /// admin deciding a request they made themselves).
    pub(crate) fn back_office(&self) -> BackOffice {
        BackOffice::new(
            self.store.clone(),
            Arc::clone(&self.keys),
            Arc::new(BlindIndexer::new(&MasterKey::from_bytes(self.master.index))),
            Arc::clone(&self.clock) as Arc<dyn Clock>,
        )
    }

    /// The ID of the account registered under `email`.
    pub(crate) async fn account_id(&self, email: &str) -> helio_core::account::AccountId {
        let indexer = BlindIndexer::new(&MasterKey::from_bytes(self.master.index));
        let email = helio_core::values::Email::parse(email).unwrap();
        let index = indexer.index(
            helio_core::crypto::blind_index::IndexPurpose::Email,
            email.as_str(),
        );
        self.store
            .accounts()
            .by_email_index(&index)
            .await
            .unwrap()
            .expect("an account with this email")
            .id
    }

    /// The installer `email` as the services see them acting.
    pub(crate) async fn installer(&self, email: &str) -> helio_web::services::audit_log::Actor {
        helio_web::services::audit_log::Actor {
            account: self.account_id(email).await,
            role: helio_core::role::Role::Installer,
            network: "192.0.2.0/24".to_owned(),
            request_id: "test".to_owned(),
        }
    }

    /// An account of `role` signed in with a full session, as after its first login: a
    /// verified customer; an installer invited into a crew; a staff member invited by
    /// `helio staff create`. Installers and staff set a password through their link and enrol
    /// an authenticator app. Returns the session ID.
    pub(crate) async fn signed_in_as(&self, email: &str, role: helio_core::role::Role) -> String {
        self.enrolled_as(email, role).await.0
    }

    /// An app's access token for a new account of `role` (the second step answered from
    /// the authenticator app its page session enrolled).
    pub(crate) async fn app_token_as(&self, email: &str, role: helio_core::role::Role) -> String {
        use helio_core::time::Clock as _;
        let (_, secret) = self.enrolled_as(email, role).await;
        // Each code is accepted once: the next one comes from the next time step.
        self.clock.advance(Duration::from_secs(30));
        let login = send(
            &self.router,
            json_post(
                "/api/v1/sessions",
                &serde_json::json!({"email": email, "password": "a passphrase kept in a vault"}),
            ),
        )
        .await;
        assert_eq!(login.status, 200, "{}", login.body);
        let login: serde_json::Value = serde_json::from_str(&login.body).unwrap();
        let token = login["access_token"].as_str().unwrap().to_owned();
        let Some(secret) = secret else {
            return token;
        };
        let code = secret.code_at(self.clock.now()).unwrap();
        let passed = send(
            &self.router,
            Request::post("/api/v1/sessions/mfa")
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(Body::from(serde_json::json!({"code": code}).to_string()))
                .unwrap(),
        )
        .await;
        assert_eq!(passed.status, 200, "{}", passed.body);
        let passed: serde_json::Value = serde_json::from_str(&passed.body).unwrap();
        passed["access_token"].as_str().unwrap().to_owned()
    }

    /// A new account of `role`, signed in on a page, and the authenticator app it enrolled
    /// (customers enrol none).
    async fn enrolled_as(
        &self,
        email: &str,
        role: helio_core::role::Role,
    ) -> (String, Option<helio_core::mfa::TotpSecret>) {
        use helio_core::role::Role;
        use helio_core::time::Clock as _;
        let password = "a passphrase kept in a vault";
        let link = match role {
            Role::Customer => {
                self.verified_customer("Cliente Prueba", email, password)
                    .await;
                return (
                    session_cookie(&log_in_form(self, email, password).await),
                    None,
                );
            }
            Role::Installer => {
                let partners = helio_web::services::partners::PartnerService::new(
                    self.store.clone(),
                    Arc::clone(&self.clock) as Arc<dyn Clock>,
                );
                let company = partners
                    .add_company(&format!("Company of {email}"))
                    .await
                    .unwrap();
                let crew = partners.add_crew(company, "Crew").await.unwrap();
                self.accounts
                    .invite_installer(email, "Installer Member", crew)
                    .await
                    .unwrap();
                let mail = self.sent_mail().await;
                let invitation = mail.iter().find(|m| m.to == email).unwrap();
                format!("token={}", link_token(&invitation.body))
            }
            staff => {
                self.accounts
                    .create_staff(email, "Staff Member", staff)
                    .await
                    .unwrap()
                    .1
            }
        };
        let token = link.split("token=").nth(1).unwrap();
        self.accounts.accept_invite(token, password).await.unwrap();
        let enrolling = session_cookie(&log_in_form(self, email, password).await);
        let page = send(&self.router, get_with_session("/mfa/enrol", &enrolling)).await;
        let start = page.body.find(r#"id="totp-secret">"#).unwrap() + r#"id="totp-secret">"#.len();
        let secret = &page.body[start..start + page.body[start..].find('<').unwrap()];
        let secret = helio_core::mfa::TotpSecret::from_base32(secret).unwrap();
        let code = secret.code_at(self.clock.now()).unwrap();
        let done = send(
            &self.router,
            post_with_session("/mfa/enrol", &enrolling, &[("code", &code)]),
        )
        .await;
        assert_eq!(done.status, 200, "{}", done.body);
        (session_cookie(&done), Some(secret))
    }
}

/// The staff actions in the audit trail (their names and reasons), security events left out.
pub(crate) async fn staff_actions(app: &TestApp) -> String {
    String::from_utf8_lossy(
        &helio_store::testing::dump(
            &app.store,
            "SELECT action, reason FROM audit_trail WHERE details IS NULL",
        )
        .await,
    )
    .into_owned()
}
