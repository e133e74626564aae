-- schema/queries/addresses.sql — the statements behind /v1/me/addresses that generated
-- CRUD does not cover: the per-customer lock that serializes every change to a
-- customer's addresses, the count for the cap, and the default swap/promotion.

-- Inside a transaction: locks the customer row (FOR NO KEY UPDATE, so foreign-key
-- checks from other tables are not blocked). Every change to a customer's addresses
-- takes this lock first, which serializes them per customer in one consistent order.
-- name: customer_lock_by_sub :one
SELECT id FROM customers WHERE cognito_sub = @sub FOR NO KEY UPDATE;

-- The customer's id without a lock.
-- name: customer_id_by_sub :one
SELECT id FROM customers WHERE cognito_sub = @sub;

-- name: address_count :one
SELECT count(*) AS "n!" FROM addresses WHERE customer_id = @customer_id;

-- Clears is_default on the customer's addresses other than keep_id (0 = all).
-- name: address_clear_default :exec
UPDATE addresses SET is_default = false, updated_at = now()
 WHERE customer_id = @customer_id AND is_default AND id <> @keep_id;

-- Makes the customer's newest address (highest id) the default; nothing when the
-- customer has none. Run after the previous default was removed.
-- name: address_promote_newest :exec
UPDATE addresses SET is_default = true, updated_at = now()
 WHERE id = (SELECT id FROM addresses WHERE customer_id = @customer_id ORDER BY id DESC LIMIT 1);
