-- expect: {file}:4: write parameters as @name, not $1
-- name: fx_bad :one
SELECT id FROM customers
 WHERE id = $1;
