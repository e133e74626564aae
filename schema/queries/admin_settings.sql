-- admin_settings.sql — the shop's settings that staff edit (issue #11, item 4):
-- discount codes (0006), shipping methods (0005) and tax rates (0007), under
-- /v1/admin/discount-codes, /v1/admin/shipping-methods and /v1/admin/tax-rates
-- (api/service/settings_*.c).
--
-- Every update bumps `revision` (0014), the row's ETag. Partial updates of discount
-- codes and shipping methods lock the row first (…_lock), merge and validate in C, then
-- write everything with the optimistic WHERE below: the lock keeps times_used (which
-- checkout increments) still while usage_limit is checked against it. @revision 0 is
-- If-Match: * (any revision).

-- ---------------------------------------------------------------------------------
-- Discount codes

-- ON CONFLICT DO NOTHING: a duplicate code gives no row (SF_NOT_FOUND), which the
-- service turns into a 409 naming the code, with no race between a check and the insert.
-- name: settings_discount_insert :one
INSERT INTO discount_codes (code, kind, percent_off, amount_off, currency, min_subtotal,
                            starts_at, ends_at, usage_limit, per_customer_limit, active)
VALUES (@code, (@kind::text)::discount_kind, @percent_off?::int, @amount_off?::bigint,
        @currency?::text, @min_subtotal::bigint, @starts_at?::timestamptz,
        @ends_at?::timestamptz, @usage_limit?::int, @per_customer_limit?::int,
        @active::boolean)
ON CONFLICT (code) DO NOTHING
RETURNING sfgen.embed(discount_codes);

-- name: settings_discount_get :one
SELECT sfgen.embed(discount_codes) FROM discount_codes WHERE id = @id;

-- name: settings_discount_lock :one
SELECT sfgen.embed(discount_codes) FROM discount_codes WHERE id = @id FOR UPDATE;

-- Another code's id with this code text (a rename onto an existing code is a 409).
-- name: settings_discount_id_by_code :one
SELECT id FROM discount_codes WHERE code = @code;

-- name: settings_discount_update :one
UPDATE discount_codes
   SET code = @code, kind = (@kind::text)::discount_kind, percent_off = @percent_off?::int,
       amount_off = @amount_off?::bigint, currency = @currency?::text,
       min_subtotal = @min_subtotal::bigint, starts_at = @starts_at?::timestamptz,
       ends_at = @ends_at?::timestamptz, usage_limit = @usage_limit?::int,
       per_customer_limit = @per_customer_limit?::int, active = @active::boolean,
       revision = revision + 1
 WHERE id = @id AND (@revision::int = 0 OR revision = @revision::int)
RETURNING sfgen.embed(discount_codes);

-- What keeps a code from being deleted (0006: "deactivated, never deleted, while carts
-- or redemptions point at it"). Neither column is indexed on its own (redemptions are
-- indexed by (code, customer), which serves this; carts are not): a staff DELETE is
-- rare, and EXISTS stops at the first hit.
-- name: settings_discount_refs :one
SELECT EXISTS (SELECT 1 FROM carts WHERE discount_code_id = @id) AS "in_carts!",
       EXISTS (SELECT 1 FROM discount_redemptions WHERE discount_code_id = @id) AS "redeemed!";

-- name: settings_discount_delete :execrows
DELETE FROM discount_codes WHERE id = @id AND (@revision::int = 0 OR revision = @revision::int);

-- Newest first (id DESC, the primary key's order), keyset on id; the filters are
-- optional. starts_with, not LIKE: codes may contain `_`, a LIKE wildcard.
-- name: settings_discount_page :many
SELECT sfgen.embed(discount_codes) FROM discount_codes
 WHERE (@active?::boolean IS NULL OR active = @active::boolean)
   AND (@prefix?::text IS NULL OR starts_with(code, @prefix::text))
   AND (@after_id::bigint = 0 OR id < @after_id::bigint)
 ORDER BY id DESC LIMIT @max_rows::int;

-- ---------------------------------------------------------------------------------
-- Shipping methods (the code is the key: orders reference it)

-- name: settings_shipping_insert :one
INSERT INTO shipping_methods (code, name, price_amount, currency, free_over_amount, position,
                              active)
VALUES (@code, @name, @price_amount::bigint, @currency, @free_over_amount?::bigint,
        @position::int, @active::boolean)
ON CONFLICT (code) DO NOTHING
RETURNING sfgen.embed(shipping_methods);

-- name: settings_shipping_get :one
SELECT sfgen.embed(shipping_methods) FROM shipping_methods WHERE code = @code;

-- name: settings_shipping_lock :one
SELECT sfgen.embed(shipping_methods) FROM shipping_methods WHERE code = @code FOR UPDATE;

-- name: settings_shipping_update :one
UPDATE shipping_methods
   SET name = @name, price_amount = @price_amount::bigint, currency = @currency,
       free_over_amount = @free_over_amount?::bigint, position = @position::int,
       active = @active::boolean, revision = revision + 1
 WHERE code = @code AND (@revision::int = 0 OR revision = @revision::int)
RETURNING sfgen.embed(shipping_methods);

-- An order that shipped with this method keeps it (orders.shipping_method REFERENCES
-- shipping_methods, no ON DELETE): such a method is deactivated, not deleted. orders
-- has no index on shipping_method, so this scans; a staff DELETE is rare.
-- name: settings_shipping_used :one
SELECT EXISTS (SELECT 1 FROM orders WHERE shipping_method = @code) AS "used!";

-- name: settings_shipping_delete :execrows
DELETE FROM shipping_methods
 WHERE code = @code AND (@revision::int = 0 OR revision = @revision::int);

-- The order the storefront offers them in (position, code), keyset on that pair.
-- name: settings_shipping_page :many
SELECT sfgen.embed(shipping_methods) FROM shipping_methods
 WHERE (@active?::boolean IS NULL OR active = @active::boolean)
   AND (@after_code?::text IS NULL OR (position, code) > (@after_position::int, @after_code::text))
 ORDER BY position, code LIMIT @max_rows::int;

-- ---------------------------------------------------------------------------------
-- Tax rates (the country is the key; a country without a row pays no tax)

-- name: settings_tax_insert :one
INSERT INTO tax_rates (country, rate_bp) VALUES (@country, @rate_bp::int)
ON CONFLICT (country) DO NOTHING
RETURNING sfgen.embed(tax_rates);

-- name: settings_tax_get :one
SELECT sfgen.embed(tax_rates) FROM tax_rates WHERE country = @country;

-- One field, so no merge: the optimistic UPDATE alone; no row means missing (404) or
-- stale (412), told apart by settings_tax_get.
-- name: settings_tax_update :one
UPDATE tax_rates SET rate_bp = @rate_bp::int, revision = revision + 1
 WHERE country = @country AND (@revision::int = 0 OR revision = @revision::int)
RETURNING sfgen.embed(tax_rates);

-- name: settings_tax_delete :execrows
DELETE FROM tax_rates WHERE country = @country AND (@revision::int = 0 OR revision = @revision::int);

-- name: settings_tax_page :many
SELECT sfgen.embed(tax_rates) FROM tax_rates
 WHERE (@after_country?::text IS NULL OR country > @after_country::text)
 ORDER BY country LIMIT @max_rows::int;
