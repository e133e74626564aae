-- expect: {file}:5: fx_bad: operator does not exist: bigint = text
-- A type mismatch is PostgreSQL's error, reported at the query's line.
-- name: fx_bad :one
SELECT id FROM customers
 WHERE id = @email::text;
