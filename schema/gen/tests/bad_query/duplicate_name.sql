-- expect: {file}:5: query `fx_bad` is already defined at {file}:2
-- name: fx_bad :exec
DELETE FROM order_tags;

-- name: fx_bad :exec
DELETE FROM orders;
