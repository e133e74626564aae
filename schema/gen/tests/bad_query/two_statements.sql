-- expect: {file}:3: one statement per query (`fx_bad`)
-- name: fx_bad :exec
DELETE FROM order_tags; DELETE FROM orders;
