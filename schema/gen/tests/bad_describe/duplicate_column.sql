-- expect: {file}:2: fx_bad: two result fields are named `id` (alias one)
-- name: fx_bad :one
SELECT o.id, c.id FROM orders o JOIN customers c ON c.id = o.customer_id;
