-- expect: {file}:2: SQL before the first `-- name:` line
DELETE FROM orders;
-- name: fx_bad :exec
DELETE FROM order_tags;
