-- schema/queries/migrate.sql — `storefront migrate` (api/db/migrate.c): the advisory lock
-- that serialises concurrent runs, and schema_migrations, the record of what was applied
-- with each file's SHA-256. The migration files themselves run as they are (PQexec of
-- the text compiled into the binary): they are many statements, not one query.

-- The session lock, without waiting: false when another migrate holds it.
-- name: migrate_try_lock :one
SELECT pg_try_advisory_lock(@key::bigint) AS "locked!";

-- Waits for the other migrate to finish.
-- name: migrate_lock :exec
SELECT pg_advisory_lock(@key::bigint);

-- Closing the session would release the lock too; unlocking explicitly keeps the lock's
-- lifetime obvious when reading the code.
-- name: migrate_unlock :exec
SELECT pg_advisory_unlock(@key::bigint);

-- Keeps "already exists, skipping" notices off the console.
-- name: migrate_quiet :exec
SET client_min_messages = warning;

-- Run under the lock, so two first-ever runs cannot race on creating the table.
-- name: migrate_create_table :exec
CREATE TABLE IF NOT EXISTS schema_migrations (
    name text PRIMARY KEY,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- name: migrate_applied :many
SELECT name, checksum FROM schema_migrations ORDER BY name;

-- In the migration's own transaction: the row and the schema change commit together.
-- name: migrate_record :exec
INSERT INTO schema_migrations (name, checksum) VALUES (@name, @checksum);
