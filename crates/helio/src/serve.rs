//! `helio serve`: prepares dev mode, connects, and serves until told to stop.

use std::fs;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use helio_core::audit_chain::CheckpointSigner;
use helio_core::crypto::blind_index::BlindIndexer;
use helio_core::crypto::csrf::CsrfTokens;
use helio_core::crypto::device::DeviceCookies;
use helio_core::crypto::password::PasswordHasher;
use helio_core::keys::{MasterKeyId, MasterKeys};
use helio_core::time::{Clock, SystemClock};
use helio_store::{Backend, Readiness, Store};
use helio_web::server::{self, ServeOptions, tls_acceptor};
use helio_web::services::accounts::{AccountKeys, Accounts};
use helio_web::services::app_sessions::AppSessions;
use helio_web::services::back_office::BackOffice;
use helio_web::services::demo::Demo;
use helio_web::services::keyring::{self, Keyring};
use helio_web::services::mail;
use helio_web::services::mfa::MfaService;
use helio_web::services::operations::Operations;
use helio_web::services::orders::Orders;
use helio_web::services::partners::PartnerService;
use helio_web::services::passkeys::Passkeys;
use helio_web::services::quotes::Quotes;
use helio_web::services::sessions::{self, Sessions};
use helio_web::services::staff_admin::StaffAdmin;
use helio_web::{AppServices, AppState};
use secrecy::ExposeSecret as _;
use tokio::net::TcpListener;

use crate::config::{Mode, Settings};
use crate::keys;

/// Runs the service; with `demo` (dev mode only), seeds the demo first.
pub(crate) async fn serve(settings: Settings, demo: bool) -> anyhow::Result<()> {
    if demo && settings.mode != Mode::Dev {
        anyhow::bail!(
            "--demo is refused in production mode: it creates accounts whose passwords it prints"
        );
    }
    let keys_dir = settings
        .keys_dir
        .as_deref()
        .context("keys.dir is not set")?;
    if settings.mode == Mode::Dev {
        prepare_dev(&settings, keys_dir)?;
    }
    // Loaded now so a bad key stops the start, not the first request that needs it.
    let master_keys =
        keys::load(keys_dir).map_err(|problems| keys::unusable("master", &problems))?;
    if settings.migrate_on_start {
        migrate_at_start(&settings).await?;
    }
    let store = Store::connect(&settings.database_url, &settings.pool)
        .await
        .context("cannot connect to the database")?;
    match store.readiness().await {
        Ok(Readiness::Ready) => {}
        Ok(state) => tracing::warn!(
            ?state,
            "database not ready; /readyz answers 503 until it is"
        ),
        Err(error) => tracing::warn!(%error, "database check failed; /readyz answers 503"),
    }
    let tls = match &settings.tls {
        Some(files) => Some(tls_acceptor(&files.cert, &files.key)?),
        None => None,
    };
    let listener = TcpListener::bind(settings.bind)
        .await
        .with_context(|| format!("cannot listen on {}", settings.bind))?;
    let url = listening_url(tls.is_some(), listener.local_addr()?);
    let public_url = settings.public_url.clone().unwrap_or_else(|| url.clone());
    let state = application(&settings, &store, master_keys, &public_url, demo).await?;
    helio_web::check_api_document()
        .map_err(|error| anyhow::anyhow!("the API document is incomplete: {error}"))?;
    let metrics = TcpListener::bind(settings.metrics_bind)
        .await
        .with_context(|| format!("cannot listen for metrics on {}", settings.metrics_bind))?;
    let metrics_url = format!("http://{}/metrics", metrics.local_addr()?);
    tracing::info!(%url, mode = %settings.mode, backend = %store.backend(), "listening");
    crate::output::err(&format!("Helio is listening on {url}/"));
    crate::output::err(&format!("Metrics are served on {metrics_url}"));
    // Plain HTTP on its own port, reachable only by Prometheus (NetworkPolicy in deploy/);
    // it stops with the process.
    let metrics = tokio::spawn(server::serve(
        metrics,
        None,
        helio_web::metrics::router(&state),
        ServeOptions {
            max_connections: 16,
            ..settings.serve.clone()
        },
        std::future::pending::<()>(),
    ));
    server::serve(
        listener,
        tls,
        helio_web::app(state),
        settings.serve.clone(),
        shutdown_signal(),
    )
    .await;
    metrics.abort();
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// The address the service answers on, as people should type it. A loopback listener is
/// named `localhost`: browsers treat it as a secure context and accept it as a passkey
/// domain, which they refuse for a bare IP address.
pub(crate) fn listening_url(tls: bool, local: std::net::SocketAddr) -> String {
    let scheme = if tls { "https" } else { "http" };
    if local.ip().is_loopback() || local.ip().is_unspecified() {
        format!("{scheme}://localhost:{}", local.port())
    } else {
        format!("{scheme}://{local}")
    }
}

/// Dev mode only: the SQLite file and any missing local master key.
pub(crate) fn prepare_dev(settings: &Settings, keys_dir: &Path) -> anyhow::Result<()> {
    prepare_dev_keys(settings, keys_dir, &MasterKeyId::ALL)
}

/// Dev mode: the SQLite directory, and whichever of `keys` are missing, generated.
pub(crate) fn prepare_dev_keys(
    settings: &Settings,
    keys_dir: &Path,
    keys: &[MasterKeyId],
) -> anyhow::Result<()> {
    prepare_sqlite_dir(settings)?;
    let created = keys::generate_missing(keys_dir, keys)?;
    if !created.is_empty() {
        let names: Vec<_> = created.iter().map(|k| k.file_name()).collect();
        tracing::warn!(
            dir = %keys_dir.display(),
            created = %names.join(", "),
            "dev mode: generated local master keys (never use these in production)"
        );
    }
    Ok(())
}

pub(crate) async fn migrate_at_start(settings: &Settings) -> anyhow::Result<()> {
    let migrator = Store::connect(&settings.migration_url, &settings.pool)
        .await
        .context("cannot connect to the database with the migration URL")?;
    migrator
        .migrate()
        .await
        .context("migration at start failed")?;
    migrator.close().await;
    Ok(())
}

/// The store and services for a one-shot operator command (`staff`, `partners`): the same
/// keys, migrations and wiring as `serve`, without listening.
pub(crate) async fn open_for_command(settings: &Settings) -> anyhow::Result<(Store, Services)> {
    let keys_dir = settings
        .keys_dir
        .as_deref()
        .context("keys.dir is not set")?;
    if settings.mode == Mode::Dev {
        prepare_dev(settings, keys_dir)?;
    }
    let master_keys =
        keys::load(keys_dir).map_err(|problems| keys::unusable("master", &problems))?;
    if settings.migrate_on_start {
        migrate_at_start(settings).await?;
    }
    let store = Store::connect(&settings.database_url, &settings.pool)
        .await
        .context("cannot connect to the database")?;
    let public_url = settings
        .public_url
        .clone()
        .unwrap_or_else(|| listening_url(settings.tls.is_some(), settings.bind));
    let services = services(settings, &store, master_keys, &public_url).await?;
    Ok((store, services))
}

/// The application services, built once at start.
pub(crate) struct Services {
    pub(crate) accounts: Accounts,
    pub(crate) sessions: Sessions,
    pub(crate) mfa: MfaService,
    pub(crate) passkeys: Passkeys,
    pub(crate) back_office: BackOffice,
    pub(crate) partners: PartnerService,
    pub(crate) keys: Arc<Keyring>,
    pub(crate) indexer: Arc<BlindIndexer>,
    pub(crate) audit_signer: Arc<CheckpointSigner>,
}

/// Loads the data keys and builds the services: blind indexer, device cookies, password
/// hasher (on the blocking pool, one slot per core), sessions and second factors.
pub(crate) async fn services(
    settings: &Settings,
    store: &Store,
    master_keys: MasterKeys,
    public_url: &str,
) -> anyhow::Result<Services> {
    let MasterKeys {
        kek,
        blind_index,
        mac,
        audit_signing,
    } = master_keys;
    let audit_signer = Arc::new(CheckpointSigner::from_seed(audit_signing.expose()));
    let keys = Keyring::load(store.clone(), kek)
        .await
        .context("cannot load the data keys")?;
    let hasher = PasswordHasher::new(settings.password_hashing)
        .context("passwords.argon2_* parameters are refused by Argon2")?;
    let hash_slots = std::thread::available_parallelism().map_or(1, usize::from);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let accounts = Accounts::new(
        store.clone(),
        Arc::clone(&keys),
        AccountKeys {
            indexer: BlindIndexer::new(&blind_index),
            devices: DeviceCookies::new(&mac),
        },
        Arc::new(hasher),
        hash_slots,
        public_url,
        Arc::clone(&clock),
    );
    let indexer = Arc::new(BlindIndexer::new(&blind_index));
    let mfa = MfaService::new(
        store.clone(),
        Arc::clone(&keys),
        Arc::clone(&indexer),
        Arc::clone(&clock),
    );
    let back_office = BackOffice::new(
        store.clone(),
        Arc::clone(&keys),
        Arc::clone(&indexer),
        Arc::clone(&clock),
    );
    let passkeys = Passkeys::new(
        store.clone(),
        public_url,
        Arc::clone(&indexer),
        Arc::clone(&clock),
    )
    .with_context(|| {
        format!("passkeys need server.public_url to name a domain; it is {public_url}")
    })?;
    Ok(Services {
        accounts,
        partners: PartnerService::new(store.clone(), Arc::clone(&clock)),
        sessions: Sessions::new(
            store.clone(),
            clock,
            CsrfTokens::new(&mac),
            settings.sessions,
        ),
        mfa,
        passkeys,
        back_office,
        keys,
        indexer,
        audit_signer,
    })
}

/// Seeds the demo and prints its logins, once (the passwords go to this terminal only,
/// never to the log).
async fn seed_demo(demo: Demo) -> anyhow::Result<()> {
    match demo.seed().await.context("the demo could not be seeded")? {
        None => crate::output::err(
            "Demo data is already in this database; log in with the accounts printed when it was seeded (remove the dev database to seed it again).",
        ),
        Some(logins) => {
            let mut text = String::from(
                "Demo seeded. These logins are shown once (staff and installers set up two-step verification at their first login):",
            );
            for login in logins {
                text.push_str(&format!(
                    "\n  {:<9} {}  password: {}",
                    login.role.as_str(),
                    login.email,
                    login.password
                ));
            }
            crate::output::err(&text);
        }
    }
    Ok(())
}

/// The services behind the routes and, in dev mode, the mail sender that writes to the log;
/// with `demo`, the demo seeded first.
async fn application(
    settings: &Settings,
    store: &Store,
    master_keys: MasterKeys,
    public_url: &str,
    demo: bool,
) -> anyhow::Result<AppState> {
    let services = services(settings, store, master_keys, public_url).await?;
    let delivery: Arc<dyn mail::Deliver> = match &settings.mail {
        Some((url, from)) => Arc::new(
            mail::SmtpDelivery::new(url.expose_secret(), from)
                .context("mail.smtp_url or mail.from is unusable")?,
        ),
        // Validation refuses production without SMTP; dev mode shows mail in the log.
        None => Arc::new(mail::LogDelivery),
    };
    tokio::spawn(keyring::run_refresher(Arc::clone(&services.keys)));
    tokio::spawn(helio_web::services::audit_integrity::run_verifier(
        store.clone(),
        services.audit_signer.public_key(),
        Arc::new(SystemClock),
        Duration::from_secs(60 * 60),
    ));
    tokio::spawn(helio_web::services::audit_integrity::run_checkpointer(
        store.clone(),
        Arc::clone(&services.audit_signer),
        Arc::new(SystemClock),
        Duration::from_secs(10 * 60),
    ));
    tokio::spawn(sessions::run_sweeper(
        services.sessions.clone(),
        Duration::from_secs(60),
    ));
    tokio::spawn(helio_web::services::counters::run_throttle_pruner(
        store.clone(),
        Duration::from_secs(60 * 60),
    ));
    tokio::spawn(mail::run_sender(
        store.clone(),
        Arc::clone(&services.keys),
        delivery,
        Duration::from_secs(if settings.mode == Mode::Dev { 1 } else { 5 }),
    ));
    let jobs = helio_web::services::jobs::Jobs::new(
        store.clone(),
        Arc::clone(&services.keys),
        Arc::new(SystemClock),
    );
    tokio::spawn(helio_web::services::jobs::run_sweeper(
        jobs.clone(),
        Duration::from_secs(30),
    ));
    let orders = Orders::new(
        store.clone(),
        Arc::clone(&services.keys),
        Arc::clone(&services.indexer),
        Arc::new(SystemClock),
        settings.pricing,
        // No real provider is integrated yet: dev mode uses the built-in one, which moves no
        // money; production refuses payments (503) rather than fake them.
        (settings.mode == Mode::Dev).then(|| {
            Arc::new(helio_web::services::payments::DevProvider)
                as Arc<dyn helio_web::services::payments::PaymentProvider>
        }),
    );
    if demo {
        seed_demo(Demo {
            accounts: services.accounts.clone(),
            orders: orders.clone(),
            jobs: jobs.clone(),
            partners: PartnerService::new(store.clone(), Arc::new(SystemClock)),
            store: store.clone(),
            clock: Arc::new(SystemClock),
        })
        .await?;
    }
    let staff_admin = StaffAdmin::new(
        services.accounts.clone(),
        store.clone(),
        Arc::clone(&services.keys),
        Arc::new(SystemClock),
    );
    Ok(AppState::new(
        store.clone(),
        settings.http.clone(),
        AppServices {
            accounts: services.accounts,
            sessions: services.sessions,
            app_sessions: AppSessions::new(
                store.clone(),
                Arc::new(SystemClock),
                settings.sessions.limits,
            ),
            mfa: services.mfa,
            passkeys: services.passkeys,
            back_office: services.back_office,
            staff_admin,
            quotes: Quotes::new(
                store.clone(),
                Arc::clone(&services.indexer),
                Arc::new(SystemClock),
                settings.pricing,
            ),
            orders: orders.clone(),
            jobs: jobs.clone(),
            operations: Operations::new(
                store.clone(),
                &crate::config::Report::new(settings).to_string(),
                services.audit_signer.public_key(),
                Arc::new(SystemClock),
            ),
        },
    ))
}

/// Creates the directory of a SQLite database file (0700) and the file itself (0600), so the
/// dev default works in an empty checkout and the database is readable by its owner only.
/// SQLite gives its `-wal` and `-shm` files the permissions of the database file.
pub(crate) fn prepare_sqlite_dir(settings: &Settings) -> anyhow::Result<()> {
    let url = settings.migration_url.expose_secret();
    if Backend::from_url(url)? != Backend::Sqlite {
        return Ok(());
    }
    let path = Path::new(
        url.trim_start_matches("sqlite://")
            .trim_start_matches("sqlite:")
            .split('?')
            .next()
            .unwrap_or_default(),
    );
    if path.as_os_str().is_empty() || path.as_os_str() == ":memory:" {
        return Ok(());
    }
    if let Some(dir) = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.exists())
    {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
    }
    if !path.exists() {
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
    }
    Ok(())
}

/// Completes on ctrl-c or SIGTERM (what Kubernetes sends before killing a pod).
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = interrupt => tracing::info!("interrupt received; shutting down"),
        () = terminate => tracing::info!("SIGTERM received; shutting down"),
    }
}
