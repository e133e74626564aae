-- schema/queries/carts.sql — carts (api/db/cart_queries.c, db_carts.h): the row locks,
-- creation and expiry by the database clock, the joined read of a cart's lines and the
-- writes scoped to one cart.

-- `expired` travels with the row so "expired" is judged by one clock, the database's,
-- the same one that set expires_at.
-- name: cart_find :one
SELECT sfgen.embed(carts), expires_at <= now() AS "expired!" FROM carts WHERE id = @id;

-- name: cart_find_lock :one
SELECT sfgen.embed(carts), expires_at <= now() AS "expired!" FROM carts WHERE id = @id
   FOR UPDATE;

-- name: cart_find_open_by_customer :one
SELECT sfgen.embed(carts), expires_at <= now() AS "expired!" FROM carts
 WHERE customer_id = @customer_id AND status = 'open';

-- name: cart_find_open_by_customer_lock :one
SELECT sfgen.embed(carts), expires_at <= now() AS "expired!" FROM carts
 WHERE customer_id = @customer_id AND status = 'open'
   FOR UPDATE;

-- ON CONFLICT on the partial unique index: a concurrent first request of the same
-- customer waits for the other insert and then does nothing (0 rows), instead of failing.
-- customer_id NULL = a guest cart.
-- name: cart_create :execrows
INSERT INTO carts (id, customer_id, expires_at)
VALUES (@id, @customer_id?, now() + make_interval(secs => @ttl_seconds::int))
ON CONFLICT (customer_id) WHERE status = 'open' DO NOTHING;

-- name: cart_expire :exec
UPDATE carts SET status = 'expired' WHERE id = @id AND status = 'open' AND expires_at <= now();

-- A write to the cart: it lives ttl_seconds from now.
-- name: cart_touch :exec
UPDATE carts SET updated_at = now(), expires_at = now() + make_interval(secs => @ttl_seconds::int)
 WHERE id = @id;

-- name: cart_mark_merged :exec
UPDATE carts SET status = 'merged', merged_into = @into, updated_at = now() WHERE id = @id;

-- Every line as shown: the item, its variant and the variant's product, oldest first.
-- name: cart_lines :many
SELECT ci.id, ci.variant_id, p.id AS product_id, ci.quantity, v.stock,
       v.active AND p.active AS "sellable!", v.sku, v.name AS variant_name, v.options,
       v.currency, v.price_amount, v.compare_at_amount, p.slug AS product_slug,
       p.name AS product_name, p.image_url, p.image_alt
  FROM cart_items ci
  JOIN product_variants v ON v.id = ci.variant_id
  JOIN products p ON p.id = v.product_id
 WHERE ci.cart_id = @cart_id
 ORDER BY ci.id;

-- Sets the quantity of the cart's line for this variant, inserting the line if needed.
-- name: cart_item_put :exec
INSERT INTO cart_items (cart_id, variant_id, quantity) VALUES (@cart_id, @variant_id, @quantity)
ON CONFLICT (cart_id, variant_id) DO UPDATE SET quantity = EXCLUDED.quantity, updated_at = now();

-- 1 row when item_id is a line of cart_id.
-- name: cart_item_set_quantity :execrows
UPDATE cart_items SET quantity = @quantity, updated_at = now()
 WHERE id = @item_id AND cart_id = @cart_id;

-- name: cart_item_remove :execrows
DELETE FROM cart_items WHERE id = @item_id AND cart_id = @cart_id;

-- name: shipping_methods_active :many
SELECT sfgen.embed(shipping_methods) FROM shipping_methods
 WHERE active AND currency = @currency
 ORDER BY position, code;

-- A discount code with what its validity depends on, judged by the database clock. The
-- columns are unqualified: only discount_codes is in the outer FROM. A NULL customer
-- counts nothing, which is what a guest cart should see.
-- name: discount_facts_by_code :one
SELECT sfgen.embed(discount_codes d),
       starts_at IS NOT NULL AND starts_at > now() AS "not_started!",
       ends_at IS NOT NULL AND ends_at <= now() AS "ended!",
       (SELECT count(*) FROM discount_redemptions r
         WHERE r.discount_code_id = d.id AND r.customer_id = @customer_id?::bigint) AS "customer_uses!"
  FROM discount_codes d WHERE code = @code;

-- name: discount_facts_by_id :one
SELECT sfgen.embed(discount_codes d),
       starts_at IS NOT NULL AND starts_at > now() AS "not_started!",
       ends_at IS NOT NULL AND ends_at <= now() AS "ended!",
       (SELECT count(*) FROM discount_redemptions r
         WHERE r.discount_code_id = d.id AND r.customer_id = @customer_id?::bigint) AS "customer_uses!"
  FROM discount_codes d WHERE id = @id;

-- discount_code_id NULL = no code.
-- name: cart_set_discount :exec
UPDATE carts SET discount_code_id = @discount_code_id?::bigint WHERE id = @cart_id;
