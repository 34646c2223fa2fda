-- The runtime user's grants, table by table (AC-6, AC-3, IG-2). Applied after every
-- migration (a table-level grant needs its table). deploy/mysql/check-grants proves on
-- MariaDB that the service runs with exactly these and that every table has a line here.
--   Append-only history: the audit trail and its checkpoints and verifications take INSERT
--   and SELECT only; the chain head takes SELECT and UPDATE (appends queue on it).
--   Records of who saw and moved what take no DELETE: break-glass grants, order moves,
--   payments, refunds, offers, ratings.
--   The migration table is read by /readyz only.
--   Everything else: SELECT, INSERT, UPDATE, DELETE. No DDL anywhere.
GRANT SELECT, INSERT ON `@DATABASE@`.`audit_trail` TO '@APP@'@'@HOST@';
GRANT SELECT, INSERT ON `@DATABASE@`.`audit_checkpoints` TO '@APP@'@'@HOST@';
GRANT SELECT, INSERT ON `@DATABASE@`.`audit_verifications` TO '@APP@'@'@HOST@';
GRANT SELECT, UPDATE ON `@DATABASE@`.`audit_chain_head` TO '@APP@'@'@HOST@';
GRANT SELECT, INSERT, UPDATE ON `@DATABASE@`.`break_glass_grants` TO '@APP@'@'@HOST@';
GRANT SELECT, INSERT, UPDATE ON `@DATABASE@`.`order_events` TO '@APP@'@'@HOST@';
GRANT SELECT, INSERT, UPDATE ON `@DATABASE@`.`payments` TO '@APP@'@'@HOST@';
GRANT SELECT, INSERT, UPDATE ON `@DATABASE@`.`refunds` TO '@APP@'@'@HOST@';
GRANT SELECT, INSERT, UPDATE ON `@DATABASE@`.`job_offers` TO '@APP@'@'@HOST@';
GRANT SELECT, INSERT, UPDATE ON `@DATABASE@`.`crew_ratings` TO '@APP@'@'@HOST@';
GRANT SELECT ON `@DATABASE@`.`_sqlx_migrations` TO '@APP@'@'@HOST@';
GRANT SELECT, INSERT, UPDATE, DELETE ON `@DATABASE@`.`accounts` TO '@APP@'@'@HOST@';
GRANT SELECT, INSERT, UPDATE, DELETE ON `@DATABASE@`.`account_activity` TO '@APP@'@'@HOST@';
GRANT SELECT, INSERT, UPDATE, DELETE ON `@DATABASE@`.`account_tokens` TO '@APP@'@'@HOST@';
GRANT SELECT, INSERT, UPDATE, DELETE ON `@DATABASE@`.`api_tokens` TO '@APP@'@'@HOST@';
GRANT SELECT, INSERT, UPDATE, DELETE ON `@DATABASE@`.`crew_areas` TO '@APP@'@'@HOST@';
GRANT SELECT, INSERT, UPDATE, DELETE ON `@DATABASE@`.`crew_days` TO '@APP@'@'@HOST@';
GRANT SELECT, INSERT, UPDATE, DELETE ON `@DATABASE@`.`crew_members` TO '@APP@'@'@HOST@';
GRANT SELECT, INSERT, UPDATE, DELETE ON `@DATABASE@`.`crews` TO '@APP@'@'@HOST@';
GRANT SELECT, INSERT, UPDATE, DELETE ON `@DATABASE@`.`data_keys` TO '@APP@'@'@HOST@';
GRANT SELECT, INSERT, UPDATE, DELETE ON `@DATABASE@`.`login_failure_spread` TO '@APP@'@'@HOST@';
GRANT SELECT, INSERT, UPDATE, DELETE ON `@DATABASE@`.`login_reports` TO '@APP@'@'@HOST@';
GRANT SELECT, INSERT, UPDATE, DELETE ON `@DATABASE@`.`login_throttle` TO '@APP@'@'@HOST@';
GRANT SELECT, INSERT, UPDATE, DELETE ON `@DATABASE@`.`mfa_totp` TO '@APP@'@'@HOST@';
GRANT SELECT, INSERT, UPDATE, DELETE ON `@DATABASE@`.`orders` TO '@APP@'@'@HOST@';
GRANT SELECT, INSERT, UPDATE, DELETE ON `@DATABASE@`.`outbox` TO '@APP@'@'@HOST@';
GRANT SELECT, INSERT, UPDATE, DELETE ON `@DATABASE@`.`partner_companies` TO '@APP@'@'@HOST@';
GRANT SELECT, INSERT, UPDATE, DELETE ON `@DATABASE@`.`passkeys` TO '@APP@'@'@HOST@';
GRANT SELECT, INSERT, UPDATE, DELETE ON `@DATABASE@`.`recovery_codes` TO '@APP@'@'@HOST@';
GRANT SELECT, INSERT, UPDATE, DELETE ON `@DATABASE@`.`sessions` TO '@APP@'@'@HOST@';
GRANT SELECT, INSERT, UPDATE, DELETE ON `@DATABASE@`.`webauthn_ceremonies` TO '@APP@'@'@HOST@';
