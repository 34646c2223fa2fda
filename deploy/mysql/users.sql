-- Helio's three database users (AC-6, least privilege). Placeholders in @...@ are filled in
-- by whoever applies this file (deploy/mysql/apply, or the bootstrap of the RDS instance):
-- the passwords come from AWS Secrets Manager, never from this repository.
--   @MIGRATOR@  runs migrations (the migration Job): DDL and DML on Helio's database only.
--   @APP@       the service: DML only, and nothing that changes or removes history.
--   @BACKUP@    the logical backup: reads only.
-- Production also requires TLS for each (RDS sets require_secure_transport; see
-- deploy/terraform). Each user may connect from the cluster's network only (@HOST@).
CREATE USER IF NOT EXISTS '@MIGRATOR@'@'@HOST@' IDENTIFIED BY '@MIGRATOR_PASSWORD@';
CREATE USER IF NOT EXISTS '@APP@'@'@HOST@' IDENTIFIED BY '@APP_PASSWORD@';
CREATE USER IF NOT EXISTS '@BACKUP@'@'@HOST@' IDENTIFIED BY '@BACKUP_PASSWORD@';

GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, DROP, INDEX, REFERENCES
    ON `@DATABASE@`.* TO '@MIGRATOR@'@'@HOST@';
GRANT SELECT ON `@DATABASE@`.* TO '@BACKUP@'@'@HOST@';
