//! Logical snapshots of the whole database, for `helio backup` and `helio restore` (CR-7, IG-2).
//!
//! Every table is read inside one transaction, so the snapshot is one instant of the database
//! (InnoDB's consistent read on MySQL, a read transaction on SQLite's WAL), and rows come out
//! in primary-key order, so the same data gives the same snapshot on either backend. A
//! restore writes every row in one transaction into a freshly migrated, empty database: it
//! either lands whole or not at all.
//!
//! The statements are written out per table (never assembled, IN-1). The live schema is
//! compared with this list before a backup: a table or column the list does not know would be
//! silently missing from every backup, so the backup is refused instead.

use std::collections::{BTreeMap, BTreeSet};

use helio_core::backup::{Cell, Snapshot, TableRows};
use sqlx::any::{AnyRow, AnyTypeInfoKind};
use sqlx::{AnyPool, Row, ValueRef as _};

use crate::{Backend, StoreError};

/// One table's statements. Parents come before their children, as the migrations made them.
struct Table {
    name: &'static str,
    columns: &'static [&'static str],
    select: &'static str,
    insert: &'static str,
    count: &'static str,
}

const TABLES: &[Table] = &[
    Table {
        name: "data_keys",
        columns: &["version", "wrapped_key", "created_at"],
        select: "SELECT version, wrapped_key, created_at FROM data_keys ORDER BY version",
        insert: "INSERT INTO data_keys (version, wrapped_key, created_at) VALUES (?, ?, ?)",
        count: "SELECT COUNT(*) FROM data_keys",
    },
    Table {
        name: "accounts",
        columns: &[
            "id",
            "role",
            "status",
            "email_ct",
            "email_bidx",
            "name_ct",
            "phone_ct",
            "phone_bidx",
            "address_ct",
            "city_ct",
            "password_hash",
            "data_key_version",
            "email_verified_at",
            "created_at",
            "updated_at",
        ],
        select: "SELECT id, role, status, email_ct, email_bidx, name_ct, phone_ct, phone_bidx, address_ct, city_ct, password_hash, data_key_version, email_verified_at, created_at, updated_at FROM accounts ORDER BY id",
        insert: "INSERT INTO accounts (id, role, status, email_ct, email_bidx, name_ct, phone_ct, phone_bidx, address_ct, city_ct, password_hash, data_key_version, email_verified_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        count: "SELECT COUNT(*) FROM accounts",
    },
    Table {
        name: "account_tokens",
        columns: &[
            "token_hash",
            "account_id",
            "purpose",
            "expires_at",
            "used_at",
        ],
        select: "SELECT token_hash, account_id, purpose, expires_at, used_at FROM account_tokens ORDER BY token_hash",
        insert: "INSERT INTO account_tokens (token_hash, account_id, purpose, expires_at, used_at) VALUES (?, ?, ?, ?, ?)",
        count: "SELECT COUNT(*) FROM account_tokens",
    },
    Table {
        name: "outbox",
        columns: &[
            "id",
            "kind",
            "recipient_ct",
            "subject",
            "body_ct",
            "data_key_version",
            "created_at",
            "attempts",
            "next_attempt_at",
            "sent_at",
        ],
        select: "SELECT id, kind, recipient_ct, subject, body_ct, data_key_version, created_at, attempts, next_attempt_at, sent_at FROM outbox ORDER BY id",
        insert: "INSERT INTO outbox (id, kind, recipient_ct, subject, body_ct, data_key_version, created_at, attempts, next_attempt_at, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        count: "SELECT COUNT(*) FROM outbox",
    },
    Table {
        name: "sessions",
        columns: &[
            "id_hash",
            "account_id",
            "stage",
            "created_at",
            "last_seen_at",
            "idle_timeout_secs",
            "expires_at",
            "ended_at",
            "end_reason",
            "client",
            "public_id",
            "device_label",
            "seen_from",
            "close_at",
        ],
        select: "SELECT id_hash, account_id, stage, created_at, last_seen_at, idle_timeout_secs, expires_at, ended_at, end_reason, client, public_id, device_label, seen_from, close_at FROM sessions ORDER BY id_hash",
        insert: "INSERT INTO sessions (id_hash, account_id, stage, created_at, last_seen_at, idle_timeout_secs, expires_at, ended_at, end_reason, client, public_id, device_label, seen_from, close_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        count: "SELECT COUNT(*) FROM sessions",
    },
    Table {
        name: "login_throttle",
        columns: &[
            "key_hash",
            "failures",
            "window_start",
            "last_failure",
            "locked_until",
            "version",
        ],
        select: "SELECT key_hash, failures, window_start, last_failure, locked_until, version FROM login_throttle ORDER BY key_hash",
        insert: "INSERT INTO login_throttle (key_hash, failures, window_start, last_failure, locked_until, version) VALUES (?, ?, ?, ?, ?, ?)",
        count: "SELECT COUNT(*) FROM login_throttle",
    },
    Table {
        name: "mfa_totp",
        columns: &[
            "account_id",
            "secret_ct",
            "data_key_version",
            "created_at",
            "confirmed_at",
            "last_step",
        ],
        select: "SELECT account_id, secret_ct, data_key_version, created_at, confirmed_at, last_step FROM mfa_totp ORDER BY account_id",
        insert: "INSERT INTO mfa_totp (account_id, secret_ct, data_key_version, created_at, confirmed_at, last_step) VALUES (?, ?, ?, ?, ?, ?)",
        count: "SELECT COUNT(*) FROM mfa_totp",
    },
    Table {
        name: "recovery_codes",
        columns: &["code_hash", "account_id", "created_at", "used_at"],
        select: "SELECT code_hash, account_id, created_at, used_at FROM recovery_codes ORDER BY code_hash",
        insert: "INSERT INTO recovery_codes (code_hash, account_id, created_at, used_at) VALUES (?, ?, ?, ?)",
        count: "SELECT COUNT(*) FROM recovery_codes",
    },
    Table {
        name: "passkeys",
        columns: &[
            "id",
            "account_id",
            "user_handle",
            "credential_hash",
            "credential",
            "created_at",
            "last_used_at",
        ],
        select: "SELECT id, account_id, user_handle, credential_hash, credential, created_at, last_used_at FROM passkeys ORDER BY id",
        insert: "INSERT INTO passkeys (id, account_id, user_handle, credential_hash, credential, created_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        count: "SELECT COUNT(*) FROM passkeys",
    },
    Table {
        name: "webauthn_ceremonies",
        columns: &["id_hash", "purpose", "account_id", "state", "expires_at"],
        select: "SELECT id_hash, purpose, account_id, state, expires_at FROM webauthn_ceremonies ORDER BY id_hash",
        insert: "INSERT INTO webauthn_ceremonies (id_hash, purpose, account_id, state, expires_at) VALUES (?, ?, ?, ?, ?)",
        count: "SELECT COUNT(*) FROM webauthn_ceremonies",
    },
    Table {
        name: "partner_companies",
        columns: &["id", "name", "created_at"],
        select: "SELECT id, name, created_at FROM partner_companies ORDER BY id",
        insert: "INSERT INTO partner_companies (id, name, created_at) VALUES (?, ?, ?)",
        count: "SELECT COUNT(*) FROM partner_companies",
    },
    Table {
        name: "crews",
        columns: &["id", "company_id", "name", "created_at", "base_province"],
        select: "SELECT id, company_id, name, created_at, base_province FROM crews ORDER BY id",
        insert: "INSERT INTO crews (id, company_id, name, created_at, base_province) VALUES (?, ?, ?, ?, ?)",
        count: "SELECT COUNT(*) FROM crews",
    },
    Table {
        name: "crew_members",
        columns: &["account_id", "crew_id", "joined_at"],
        select: "SELECT account_id, crew_id, joined_at FROM crew_members ORDER BY account_id",
        insert: "INSERT INTO crew_members (account_id, crew_id, joined_at) VALUES (?, ?, ?)",
        count: "SELECT COUNT(*) FROM crew_members",
    },
    Table {
        name: "api_tokens",
        columns: &[
            "token_hash",
            "session_hash",
            "kind",
            "expires_at",
            "used_at",
        ],
        select: "SELECT token_hash, session_hash, kind, expires_at, used_at FROM api_tokens ORDER BY token_hash",
        insert: "INSERT INTO api_tokens (token_hash, session_hash, kind, expires_at, used_at) VALUES (?, ?, ?, ?, ?)",
        count: "SELECT COUNT(*) FROM api_tokens",
    },
    Table {
        name: "account_activity",
        columns: &[
            "id",
            "account_id",
            "at",
            "kind",
            "client",
            "device_label",
            "seen_from",
        ],
        select: "SELECT id, account_id, at, kind, client, device_label, seen_from FROM account_activity ORDER BY id",
        insert: "INSERT INTO account_activity (id, account_id, at, kind, client, device_label, seen_from) VALUES (?, ?, ?, ?, ?, ?, ?)",
        count: "SELECT COUNT(*) FROM account_activity",
    },
    Table {
        name: "login_reports",
        columns: &[
            "token_hash",
            "account_id",
            "login_at",
            "expires_at",
            "used_at",
        ],
        select: "SELECT token_hash, account_id, login_at, expires_at, used_at FROM login_reports ORDER BY token_hash",
        insert: "INSERT INTO login_reports (token_hash, account_id, login_at, expires_at, used_at) VALUES (?, ?, ?, ?, ?)",
        count: "SELECT COUNT(*) FROM login_reports",
    },
    Table {
        name: "break_glass_grants",
        columns: &[
            "id",
            "requester_id",
            "subject_id",
            "reason",
            "minutes",
            "decision",
            "requested_at",
            "decided_by",
            "decided_at",
            "refusal",
            "expires_at",
            "ended_at",
        ],
        select: "SELECT id, requester_id, subject_id, reason, minutes, decision, requested_at, decided_by, decided_at, refusal, expires_at, ended_at FROM break_glass_grants ORDER BY id",
        insert: "INSERT INTO break_glass_grants (id, requester_id, subject_id, reason, minutes, decision, requested_at, decided_by, decided_at, refusal, expires_at, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        count: "SELECT COUNT(*) FROM break_glass_grants",
    },
    Table {
        name: "orders",
        columns: &[
            "id",
            "customer_id",
            "state",
            "panels",
            "system_watts",
            "yearly_kwh",
            "price_cents",
            "latitude_milli",
            "address_ct",
            "city_ct",
            "data_key_version",
            "idempotency_hash",
            "created_at",
            "updated_at",
            "province",
            "discount_percent",
            "booked_day",
            "booked_crew_id",
        ],
        select: "SELECT id, customer_id, state, panels, system_watts, yearly_kwh, price_cents, latitude_milli, address_ct, city_ct, data_key_version, idempotency_hash, created_at, updated_at, province, discount_percent, booked_day, booked_crew_id FROM orders ORDER BY id",
        insert: "INSERT INTO orders (id, customer_id, state, panels, system_watts, yearly_kwh, price_cents, latitude_milli, address_ct, city_ct, data_key_version, idempotency_hash, created_at, updated_at, province, discount_percent, booked_day, booked_crew_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        count: "SELECT COUNT(*) FROM orders",
    },
    Table {
        name: "order_events",
        columns: &[
            "id",
            "order_id",
            "at",
            "event",
            "from_state",
            "to_state",
            "actor_id",
            "party",
        ],
        select: "SELECT id, order_id, at, event, from_state, to_state, actor_id, party FROM order_events ORDER BY id",
        insert: "INSERT INTO order_events (id, order_id, at, event, from_state, to_state, actor_id, party) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        count: "SELECT COUNT(*) FROM order_events",
    },
    Table {
        name: "payments",
        columns: &[
            "id",
            "order_id",
            "kind",
            "amount_cents",
            "provider_ref",
            "idempotency_hash",
            "created_at",
        ],
        select: "SELECT id, order_id, kind, amount_cents, provider_ref, idempotency_hash, created_at FROM payments ORDER BY id",
        insert: "INSERT INTO payments (id, order_id, kind, amount_cents, provider_ref, idempotency_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        count: "SELECT COUNT(*) FROM payments",
    },
    Table {
        name: "crew_areas",
        columns: &["crew_id", "province"],
        select: "SELECT crew_id, province FROM crew_areas ORDER BY crew_id, province",
        insert: "INSERT INTO crew_areas (crew_id, province) VALUES (?, ?)",
        count: "SELECT COUNT(*) FROM crew_areas",
    },
    Table {
        name: "crew_days",
        columns: &["crew_id", "day", "capacity", "booked"],
        select: "SELECT crew_id, day, capacity, booked FROM crew_days ORDER BY crew_id, day",
        insert: "INSERT INTO crew_days (crew_id, day, capacity, booked) VALUES (?, ?, ?, ?)",
        count: "SELECT COUNT(*) FROM crew_days",
    },
    Table {
        name: "job_offers",
        columns: &[
            "id",
            "order_id",
            "crew_id",
            "state",
            "offered_at",
            "expires_at",
            "decided_at",
            "open_order_id",
        ],
        select: "SELECT id, order_id, crew_id, state, offered_at, expires_at, decided_at, open_order_id FROM job_offers ORDER BY id",
        insert: "INSERT INTO job_offers (id, order_id, crew_id, state, offered_at, expires_at, decided_at, open_order_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        count: "SELECT COUNT(*) FROM job_offers",
    },
    Table {
        name: "crew_ratings",
        columns: &["order_id", "crew_id", "customer_id", "stars", "rated_at"],
        select: "SELECT order_id, crew_id, customer_id, stars, rated_at FROM crew_ratings ORDER BY order_id",
        insert: "INSERT INTO crew_ratings (order_id, crew_id, customer_id, stars, rated_at) VALUES (?, ?, ?, ?, ?)",
        count: "SELECT COUNT(*) FROM crew_ratings",
    },
    Table {
        name: "refunds",
        columns: &[
            "id",
            "order_id",
            "amount_cents",
            "reason",
            "requested_by",
            "requested_at",
            "state",
            "decided_by",
            "decided_at",
            "open_order_id",
        ],
        select: "SELECT id, order_id, amount_cents, reason, requested_by, requested_at, state, decided_by, decided_at, open_order_id FROM refunds ORDER BY id",
        insert: "INSERT INTO refunds (id, order_id, amount_cents, reason, requested_by, requested_at, state, decided_by, decided_at, open_order_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        count: "SELECT COUNT(*) FROM refunds",
    },
    Table {
        name: "audit_chain_head",
        columns: &["id", "seq", "head_hash"],
        select: "SELECT id, seq, head_hash FROM audit_chain_head ORDER BY id",
        insert: "INSERT INTO audit_chain_head (id, seq, head_hash) VALUES (?, ?, ?)",
        count: "SELECT COUNT(*) FROM audit_chain_head",
    },
    Table {
        name: "audit_checkpoints",
        columns: &["seq", "head_hash", "signature", "signed_at"],
        select: "SELECT seq, head_hash, signature, signed_at FROM audit_checkpoints ORDER BY seq",
        insert: "INSERT INTO audit_checkpoints (seq, head_hash, signature, signed_at) VALUES (?, ?, ?, ?)",
        count: "SELECT COUNT(*) FROM audit_checkpoints",
    },
    Table {
        name: "audit_verifications",
        columns: &["id", "at", "intact", "entries", "checkpoints", "finding"],
        select: "SELECT id, at, intact, entries, checkpoints, finding FROM audit_verifications ORDER BY id",
        insert: "INSERT INTO audit_verifications (id, at, intact, entries, checkpoints, finding) VALUES (?, ?, ?, ?, ?, ?)",
        count: "SELECT COUNT(*) FROM audit_verifications",
    },
    Table {
        name: "audit_trail",
        columns: &[
            "id",
            "at",
            "actor_id",
            "actor_role",
            "action",
            "subject_id",
            "reason",
            "seen_from",
            "request_id",
            "grant_id",
            "seq",
            "prev_hash",
            "entry_hash",
            "severity",
            "details",
        ],
        select: "SELECT id, at, actor_id, actor_role, action, subject_id, reason, seen_from, request_id, grant_id, seq, prev_hash, entry_hash, severity, details FROM audit_trail ORDER BY id",
        insert: "INSERT INTO audit_trail (id, at, actor_id, actor_role, action, subject_id, reason, seen_from, request_id, grant_id, seq, prev_hash, entry_hash, severity, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        count: "SELECT COUNT(*) FROM audit_trail",
    },
    Table {
        name: "login_failure_spread",
        columns: &["source_key", "target_key", "last_failed_at"],
        select: "SELECT source_key, target_key, last_failed_at FROM login_failure_spread ORDER BY source_key, target_key",
        insert: "INSERT INTO login_failure_spread (source_key, target_key, last_failed_at) VALUES (?, ?, ?)",
        count: "SELECT COUNT(*) FROM login_failure_spread",
    },
];

/// Why a snapshot cannot be taken or restored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotProblem {
    /// The live schema has tables or columns the backup does not cover (or lacks some).
    #[error("the database's schema differs from what backups cover: {0}")]
    SchemaNotCovered(String),
    /// The target already holds data; a restore never merges.
    #[error("the target database is not empty (table {0} has rows)")]
    TargetNotEmpty(&'static str),
    /// The snapshot's tables or columns are not this build's.
    #[error("the snapshot does not match this release's schema: {0}")]
    SnapshotMismatch(String),
}

/// What a restore wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Restored {
    /// Tables written.
    pub tables: usize,
    /// Rows written in all.
    pub rows: usize,
}

/// Takes and restores snapshots.
#[derive(Debug, Clone, Copy)]
pub struct Snapshots<'a> {
    pool: &'a AnyPool,
    backend: Backend,
}

impl<'a> Snapshots<'a> {
    pub(crate) fn new(pool: &'a AnyPool, backend: Backend) -> Self {
        Self { pool, backend }
    }

    /// Every table's name and columns as the database has them: migration history aside, and
    /// generated columns aside (the database computes them again on insert).
    async fn live_schema(&self) -> Result<BTreeMap<String, BTreeSet<String>>, StoreError> {
        let rows =
            match self.backend {
                Backend::Sqlite => sqlx::query(
                    "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite%' \
                     AND m.name <> '_sqlx_migrations'",
                )
                .fetch_all(self.pool)
                .await?,
                Backend::MySql => sqlx::query(
                    "SELECT CAST(table_name AS CHAR(64)) AS t, CAST(column_name AS CHAR(64)) AS c \
                     FROM information_schema.columns \
                     WHERE table_schema = DATABASE() AND table_name <> '_sqlx_migrations' \
                     AND extra NOT LIKE '%GENERATED%'",
                )
                .fetch_all(self.pool)
                .await?,
            };
        let mut schema: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for row in &rows {
            let table: String = row.try_get(0)?;
            let column: String = row.try_get(1)?;
            schema.entry(table).or_default().insert(column);
        }
        Ok(schema)
    }

    /// Checks that [`TABLES`] covers the live schema exactly.
    pub async fn check_coverage(&self) -> Result<Result<(), SnapshotProblem>, StoreError> {
        let live = self.live_schema().await?;
        let covered: BTreeMap<String, BTreeSet<String>> = TABLES
            .iter()
            .map(|table| {
                (
                    table.name.to_owned(),
                    table.columns.iter().map(|c| (*c).to_owned()).collect(),
                )
            })
            .collect();
        if live == covered {
            return Ok(Ok(()));
        }
        let mut differences = Vec::new();
        for (table, columns) in &live {
            match covered.get(table) {
                None => differences.push(format!("table {table} is not backed up")),
                Some(known) => {
                    for column in columns.difference(known) {
                        differences.push(format!("column {table}.{column} is not backed up"));
                    }
                    for column in known.difference(columns) {
                        differences.push(format!("column {table}.{column} does not exist"));
                    }
                }
            }
        }
        for table in covered.keys().filter(|table| !live.contains_key(*table)) {
            differences.push(format!("table {table} does not exist"));
        }
        Ok(Err(SnapshotProblem::SchemaNotCovered(
            differences.join("; "),
        )))
    }

    /// Reads every row of every table at one instant. Needs SELECT only (the backup user).
    pub async fn take(
        &self,
        schema_version: i64,
    ) -> Result<Result<Snapshot, SnapshotProblem>, StoreError> {
        if let Err(problem) = self.check_coverage().await? {
            return Ok(Err(problem));
        }
        let mut tx = self.pool.begin().await?;
        let mut tables = Vec::with_capacity(TABLES.len());
        for table in TABLES {
            let rows = sqlx::query(table.select).fetch_all(&mut *tx).await?;
            let rows = rows
                .iter()
                .map(|row| cells_of(row, table.columns.len()))
                .collect::<Result<Vec<_>, _>>()?;
            tables.push(TableRows {
                table: table.name.to_owned(),
                columns: table.columns.iter().map(|c| (*c).to_owned()).collect(),
                rows,
            });
        }
        tx.commit().await?;
        Ok(Ok(Snapshot {
            schema_version,
            tables,
        }))
    }

    /// Writes a snapshot into this database, which must be migrated to the snapshot's schema
    /// and empty (only the audit chain's genesis head, which the migration writes). One
    /// transaction: on any failure nothing is left behind.
    pub async fn restore(
        &self,
        snapshot: &Snapshot,
    ) -> Result<Result<Restored, SnapshotProblem>, StoreError> {
        if let Err(problem) = matches_tables(snapshot) {
            return Ok(Err(problem));
        }
        let mut tx = self.pool.begin().await?;
        for table in TABLES {
            let count: i64 = sqlx::query(table.count)
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
            let allowed = i64::from(table.name == "audit_chain_head");
            if count > allowed {
                return Ok(Err(SnapshotProblem::TargetNotEmpty(table.name)));
            }
        }
        sqlx::query("DELETE FROM audit_chain_head WHERE id = 1 AND seq = 0")
            .execute(&mut *tx)
            .await?;
        let heads: i64 = sqlx::query("SELECT COUNT(*) FROM audit_chain_head")
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        if heads != 0 {
            return Ok(Err(SnapshotProblem::TargetNotEmpty("audit_chain_head")));
        }
        let mut rows = 0;
        for (table, dumped) in TABLES.iter().zip(&snapshot.tables) {
            for row in &dumped.rows {
                let mut query = sqlx::query(table.insert);
                for cell in row {
                    query = match cell {
                        Cell::Null => query.bind(None::<i64>),
                        Cell::Integer(value) => query.bind(*value),
                        Cell::Text(value) => query.bind(value.clone()),
                        Cell::Bytes(value) => query.bind(value.clone()),
                    };
                }
                query.execute(&mut *tx).await?;
                rows += 1;
            }
        }
        tx.commit().await?;
        Ok(Ok(Restored {
            tables: TABLES.len(),
            rows,
        }))
    }
}

/// The snapshot holds exactly this build's tables, in order, with their columns in order,
/// and every row has one value per column.
fn matches_tables(snapshot: &Snapshot) -> Result<(), SnapshotProblem> {
    let mismatch = |text: String| Err(SnapshotProblem::SnapshotMismatch(text));
    if snapshot.tables.len() != TABLES.len() {
        return mismatch(format!(
            "{} tables where this release has {}",
            snapshot.tables.len(),
            TABLES.len()
        ));
    }
    for (table, dumped) in TABLES.iter().zip(&snapshot.tables) {
        if dumped.table != table.name || dumped.columns != table.columns {
            return mismatch(format!("expected table {} with its columns", table.name));
        }
        if dumped
            .rows
            .iter()
            .any(|row| row.len() != table.columns.len())
        {
            return mismatch(format!(
                "a row of {} has the wrong number of values",
                table.name
            ));
        }
    }
    Ok(())
}

/// One row's values, typed by what the database says each value is.
fn cells_of(row: &AnyRow, columns: usize) -> Result<Vec<Cell>, StoreError> {
    (0..columns)
        .map(|index| {
            let raw = row.try_get_raw(index)?;
            if raw.is_null() {
                return Ok(Cell::Null);
            }
            let kind = raw.type_info().kind();
            Ok(match kind {
                AnyTypeInfoKind::SmallInt | AnyTypeInfoKind::Integer | AnyTypeInfoKind::BigInt => {
                    Cell::Integer(row.try_get(index)?)
                }
                AnyTypeInfoKind::Text => Cell::Text(row.try_get(index)?),
                AnyTypeInfoKind::Blob => Cell::Bytes(row.try_get(index)?),
                AnyTypeInfoKind::Null => Cell::Null,
                AnyTypeInfoKind::Bool | AnyTypeInfoKind::Real | AnyTypeInfoKind::Double => {
                    return Err(StoreError::Corrupt("a column type backups do not carry"));
                }
            })
        })
        .collect()
}
