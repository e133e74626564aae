-- schema/queries/session.sql — what api/db/pool.c runs on every connection: its session
-- settings once after connecting, and the transaction brackets.

-- Run once per connection, before anything else (pool.c conn_connect). UTC and ISO dates
-- so timestamps read the same whatever the server's defaults; the statement timeout from
-- DB_STATEMENT_TIMEOUT_MS; jit off: the API's statements are short, and a plan whose
-- estimated cost crosses jit_above_cost (a facet count, a trigger's bulk statement) would
-- spend 100 ms to 1 s compiling it — measured on the catalog triggers at 3k products.
-- set_config instead of SET: one statement, and the timeout is a parameter.
-- name: session_setup :exec
SELECT set_config('TimeZone', 'UTC', false), set_config('DateStyle', 'ISO', false),
       set_config('statement_timeout', @timeout_ms::int::text, false),
       set_config('jit', 'off', false);

-- The transaction brackets (db_begin, db_commit, db_rollback). Prepared like any other
-- statement: the extended protocol runs transaction control too, and a prepared ROLLBACK
-- still runs in a transaction that has failed.
-- name: tx_begin :exec
BEGIN;

-- name: tx_commit :exec
COMMIT;

-- name: tx_rollback :exec
ROLLBACK;
