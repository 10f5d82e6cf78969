-- One database per subgraph (docs/architecture.md: data ownership), each reached by least-privileged roles:
--   migrator        owns every database and runs the migrations (the compose `migrate` job); not a superuser.
--   <domain>_app    what the subgraph connects as: CONNECT on its own database only, table DML but no DDL
--                   (audit_app: SELECT and INSERT only, plus moving the chain head and EXECUTE on audit_purge()).
-- Run by psql (15+) as a superuser: the postgres image runs it once, on a new cluster. Passwords come from the
-- environment (MIGRATOR_DB_PASSWORD, AUTH_DB_PASSWORD, SAMPLES_DB_PASSWORD, SUBMISSION_DB_PASSWORD,
-- FILES_DB_PASSWORD, AUDIT_DB_PASSWORD); a missing one stops the script. `-v prefix=x_` prefixes every
-- database and role name (the test in test/deploy/ uses it on a shared server).
\set ON_ERROR_STOP on
\if :{?prefix}
\else
  \set prefix ''
\endif

-- Every password first, so a missing one stops the script before it creates anything.
\unset check
\getenv check MIGRATOR_DB_PASSWORD
\if :{?check}
\else
  \warn 'MIGRATOR_DB_PASSWORD is not set'
  SELECT 1 / 0 AS "MIGRATOR_DB_PASSWORD is not set";
\endif
\unset check
\getenv check AUTH_DB_PASSWORD
\if :{?check}
\else
  \warn 'AUTH_DB_PASSWORD is not set'
  SELECT 1 / 0 AS "AUTH_DB_PASSWORD is not set";
\endif
\unset check
\getenv check SAMPLES_DB_PASSWORD
\if :{?check}
\else
  \warn 'SAMPLES_DB_PASSWORD is not set'
  SELECT 1 / 0 AS "SAMPLES_DB_PASSWORD is not set";
\endif
\unset check
\getenv check SUBMISSION_DB_PASSWORD
\if :{?check}
\else
  \warn 'SUBMISSION_DB_PASSWORD is not set'
  SELECT 1 / 0 AS "SUBMISSION_DB_PASSWORD is not set";
\endif
\unset check
\getenv check FILES_DB_PASSWORD
\if :{?check}
\else
  \warn 'FILES_DB_PASSWORD is not set'
  SELECT 1 / 0 AS "FILES_DB_PASSWORD is not set";
\endif
\unset check
\getenv check AUDIT_DB_PASSWORD
\if :{?check}
\else
  \warn 'AUDIT_DB_PASSWORD is not set'
  SELECT 1 / 0 AS "AUDIT_DB_PASSWORD is not set";
\endif
\unset check
\getenv check AI_DB_PASSWORD
\if :{?check}
\else
  \warn 'AI_DB_PASSWORD is not set'
  SELECT 1 / 0 AS "AI_DB_PASSWORD is not set";
\endif
\unset check

\set migrator :prefix 'migrator'
\getenv migrator_password MIGRATOR_DB_PASSWORD
CREATE ROLE :"migrator" LOGIN PASSWORD :'migrator_password' NOSUPERUSER NOCREATEDB NOCREATEROLE;

\set domain auth
\set password_variable AUTH_DB_PASSWORD
\ir domain.psql
\set domain samples
\set password_variable SAMPLES_DB_PASSWORD
\ir domain.psql
\set domain submission
\set password_variable SUBMISSION_DB_PASSWORD
\ir domain.psql
\set domain files
\set password_variable FILES_DB_PASSWORD
\ir domain.psql
\set domain audit
\set password_variable AUDIT_DB_PASSWORD
\ir domain.psql

\set domain ai
\set password_variable AI_DB_PASSWORD
\ir domain.psql
