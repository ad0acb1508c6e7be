-- The business database's two roles (docs/operations.md, database roles), for psql:
--
--   shuangsui_owner  NOLOGIN; owns the database `shuangsui` and every table in it. Only
--                    the migrations act as it (airflow-init: the superuser's connection
--                    with role=shuangsui_owner), so only they can alter, disable the
--                    triggers of, or drop audit_event.
--   shuangsui        the application (SHUANGSUI_DB_URL; its password is set from .env by
--                    docker/ensure_business_db.py): SELECT, INSERT, UPDATE, DELETE on the
--                    business tables, only SELECT and INSERT on audit_event (0007).
--
-- The postgres service runs it once, on a new data volume (/docker-entrypoint-initdb.d).
-- It is idempotent: on a stack made before the roles, run it by hand once, then
-- `docker compose up -d` (docs/operations.md); it moves what the application's role
-- owns to the owner and grants it back what it needs.
-- Names can be given: psql -v owner=… -v app=… -v database=… (the tests do).

\set ON_ERROR_STOP on
\if :{?owner}
\else
\set owner shuangsui_owner
\endif
\if :{?app}
\else
\set app shuangsui
\endif
\if :{?database}
\else
\set database shuangsui
\endif

SELECT format('CREATE ROLE %I NOLOGIN', :'owner')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN', :'app')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app') \gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING ''UTF8'' TEMPLATE template0', :'database', :'owner')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'database') \gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', :'database', :'owner') \gexec

\connect :"database"
-- A stack made before the roles: its tables belong to the application's role.
REASSIGN OWNED BY :"app" TO :"owner";
-- The owner's tables, those there and those the migrations create later.
GRANT USAGE ON SCHEMA public TO :"app";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO :"app";
-- audit_event (once the migrations made it): read and append only.
SELECT format('REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_event FROM %I', :'app')
WHERE to_regclass('public.audit_event') IS NOT NULL \gexec
SELECT format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM %I', :'app')
WHERE to_regclass('public.alembic_version') IS NOT NULL \gexec
