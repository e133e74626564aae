-- schema/queries/orders.sql — every statement of checkout and orders (api/db/order_queries.c,
-- db_orders.h). The Order representation is built by one SELECT with json_build_object,
-- so the answer stored under an Idempotency-Key and a later GET /v1/me/orders/{number}
-- are the same representation. Money is {amount, currency}; times are RFC 3339 UTC with
-- microseconds. Statuses, actors and payment methods travel as text (the service's
-- order_states.h speaks in labels) and are cast to their enums here.

-- An expired key starts afresh; so does a claim left 'in_progress' for longer than
-- stale_seconds by a server that died between claiming the key and committing its
-- checkout. A live checkout holds its row locked (idem_hold), so this DELETE waits for it
-- and then re-checks the row: a key that became 'done' meanwhile is never deleted.
-- name: idem_expire :exec
DELETE FROM idempotency_keys
 WHERE customer_id = @customer_id AND key = @key
   AND (expires_at <= now()
        OR (status = 'in_progress' AND created_at <= now() - make_interval(secs => @stale_seconds::int)));

-- ON CONFLICT DO NOTHING waits for a concurrent insert of the same key to commit, so of
-- two racing requests exactly one claims the key (and gets a row).
-- name: idem_insert :many
INSERT INTO idempotency_keys (customer_id, key, request_hash)
VALUES (@customer_id, @key, @request_hash)
ON CONFLICT (customer_id, key) DO NOTHING
RETURNING created_at::text AS claim;

-- The claim's created_at is its token: after a stale claim was taken over, the old
-- claimant's hold and release match no row.
-- name: idem_hold :many
SELECT 1 AS "held!" FROM idempotency_keys
 WHERE customer_id = @customer_id AND key = @key AND status = 'in_progress'
   AND created_at = @claim::timestamptz
   FOR UPDATE;

-- name: idem_find :one
SELECT request_hash, status = 'done' AS "done!", coalesce(response_status, 0) AS "response_status!",
       response_body
  FROM idempotency_keys WHERE customer_id = @customer_id AND key = @key;

-- name: idem_finish :exec
UPDATE idempotency_keys SET status = 'done', response_status = @response_status::int,
       response_body = @response_body
 WHERE customer_id = @customer_id AND key = @key;

-- name: idem_release :exec
DELETE FROM idempotency_keys
 WHERE customer_id = @customer_id AND key = @key AND status = 'in_progress'
   AND created_at = @claim::timestamptz;

-- (stock_take, checkout's decrement, is in inventory.sql with the ledger context.)

-- One row when the code was still usable and one use was counted.
-- name: discount_use :execrows
UPDATE discount_codes SET times_used = times_used + 1
 WHERE id = @code_id AND active AND (usage_limit IS NULL OR times_used < usage_limit);

-- name: discount_customer_uses :one
SELECT count(*) AS "uses!" FROM discount_redemptions
 WHERE discount_code_id = @code_id AND customer_id = @customer_id;

-- name: discount_redeem :exec
INSERT INTO discount_redemptions (discount_code_id, customer_id, order_id)
VALUES (@code_id, @customer_id, @order_id);

-- A fresh order number, SF-YYMMDD-NNNNNN, for an order about to be inserted: a guest
-- order's access token is made from its number (docs/checkout.md), and the token's hash
-- goes into the same INSERT.
-- name: order_number_new :one
SELECT 'SF-' || to_char(now() AT TIME ZONE 'UTC', 'YYMMDD') || '-'
       || lpad(nextval('order_number_seq')::text, 6, '0') AS "number!";

-- The order and its first history row in one statement; its number is @number when
-- given (order_number_new), else a fresh SF-YYMMDD-NNNNNN (COALESCE evaluates the
-- sequence only when @number is NULL).
-- customer_id 0 = a guest order (guest_email and access_token_hash set instead).
-- name: order_insert :one
WITH o AS (
    INSERT INTO orders (number, customer_id, currency, subtotal, discount_total,
                        shipping_total, tax_total, total, shipping_method, payment_method,
                        ship_name, ship_phone, ship_line1, ship_line2, ship_city, ship_region,
                        ship_postal_code, ship_country, discount_code, cart_id, guest_email,
                        access_token_hash)
    VALUES (coalesce(@number?::text, 'SF-' || to_char(now() AT TIME ZONE 'UTC', 'YYMMDD') || '-'
                || lpad(nextval('order_number_seq')::text, 6, '0')),
            nullif(@customer_id::bigint, 0), @currency, @subtotal, @discount_total, @shipping_total, @tax_total,
            @total, @shipping_method, (@payment_method::text)::payment_method, @ship_name?,
            @ship_phone?, @ship_line1, @ship_line2?, @ship_city, @ship_region?,
            @ship_postal_code?, @ship_country, @discount_code?, @cart_id?, @guest_email?,
            @access_token_hash?)
    RETURNING id, number),
ev AS (
    INSERT INTO order_events (order_id, from_status, to_status, actor, note)
    SELECT id, NULL, 'pending_payment', 'customer', 'placed' FROM o)
SELECT id AS "id!", number AS "number!" FROM o;

-- name: order_line_insert :exec
INSERT INTO order_lines (order_id, variant_id, sku, name, unit_price, quantity, line_total)
VALUES (@order_id, @variant_id, @sku, @name, @unit_price::bigint, @quantity::int,
        @unit_price::bigint * @quantity::int);

-- name: cart_check_out :exec
UPDATE carts SET status = 'checked_out', updated_at = now() WHERE id = @cart_id;

-- name: tax_rate :one
SELECT rate_bp FROM tax_rates WHERE country = @country;

-- A customer's orders, newest first, after the keyset `before` (0 = from the newest):
-- the id for the cursor and the OrderSummary as JSON.
-- name: orders_page :many
SELECT o.id,
       json_build_object('number', o.number, 'status', o.status,
           'total', json_build_object('amount', o.total, 'currency', o.currency),
           'item_count', (SELECT coalesce(sum(quantity), 0) FROM order_lines l
                           WHERE l.order_id = o.id),
           'placed_at', to_char(o.placed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text
           AS "summary!"
  FROM orders o
 WHERE o.customer_id = @customer_id AND (@before::bigint = 0 OR o.id < @before::bigint)
 ORDER BY o.id DESC LIMIT @max_rows::int;

-- Staff's order list, newest placed first, with optional filters (NULL / 0 = any); the
-- keyset is (placed_at in microseconds since the epoch, id).
-- name: admin_orders_page :many
SELECT o.id,
       json_build_object('number', o.number, 'status', o.status,
           'total', json_build_object('amount', o.total, 'currency', o.currency),
           'item_count', (SELECT coalesce(sum(quantity), 0) FROM order_lines l
                           WHERE l.order_id = o.id),
           'placed_at', to_char(o.placed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text
           AS "summary!",
       (extract(epoch FROM o.placed_at) * 1000000)::bigint AS "placed_us!"
  FROM orders o
 WHERE ((@status?::text)::order_status IS NULL OR o.status = (@status::text)::order_status)
   AND (@customer_id::bigint = 0 OR o.customer_id = @customer_id::bigint)
   AND (@placed_from?::timestamptz IS NULL OR o.placed_at >= @placed_from::timestamptz)
   AND (@placed_to?::timestamptz IS NULL OR o.placed_at < @placed_to::timestamptz)
   AND (@after_id::bigint = 0
        OR (o.placed_at, o.id) < ('epoch'::timestamptz + @after_us::bigint * interval '1 microsecond',
                                  @after_id::bigint))
 ORDER BY o.placed_at DESC, o.id DESC LIMIT @max_rows::int;

-- name: order_lock :one
SELECT id, status::text AS "status!" FROM orders
 WHERE customer_id = @customer_id AND number = @number
   FOR UPDATE;

-- The lines are taken in ascending variant id order, like checkout's decrements.
-- name: order_restock :exec
UPDATE product_variants v SET stock = v.stock + l.qty
  FROM (SELECT variant_id, sum(quantity) AS qty FROM order_lines
         WHERE order_id = @order_id GROUP BY variant_id ORDER BY variant_id) l
 WHERE v.id = l.variant_id;

-- The status changes only while it is still `from` (and, for pay = 'pay', while the order
-- is unpaid), so of two concurrent transitions of one order exactly one wins (1 row);
-- the event row is written by the same statement.
-- name: order_transition :execrows
WITH o AS (
    UPDATE orders
       SET status = (@to_status::text)::order_status, updated_at = now(),
           paid_at = CASE WHEN @pay::text IN ('pay', 'settle') THEN coalesce(paid_at, now())
                          ELSE paid_at END,
           tracking_number = coalesce(@tracking_number?::text, tracking_number)
     WHERE id = @order_id AND status = (@from_status::text)::order_status
       AND (@pay::text <> 'pay' OR paid_at IS NULL)
    RETURNING id)
INSERT INTO order_events (order_id, from_status, to_status, actor, note)
SELECT id, (@from_status::text)::order_status, (@to_status::text)::order_status,
       (@actor::text)::order_actor, @note?::text
  FROM o;

-- name: order_find :one
SELECT id, status::text AS "status!", payment_method::text AS "payment_method!",
       paid_at IS NOT NULL AS "paid!"
  FROM orders WHERE number = @number;

-- The Order representation (customer_id 0 = any customer's: staff); order_document
-- (migration 0015) is the one definition, shared with the order events.
-- name: order_json :one
SELECT order_document(o.id)::text AS "json!"
  FROM orders o
 WHERE (@customer_id::bigint = 0 OR o.customer_id = @customer_id::bigint) AND o.number = @number;

-- --- guest checkout and guest orders (issue #12, docs/checkout.md) -----------------
-- A guest checkout's Idempotency-Key belongs to the cart: the same five steps as the
-- idem_* statements above, on cart_idempotency_keys (0015).

-- name: cart_idem_expire :exec
DELETE FROM cart_idempotency_keys
 WHERE cart_id = @cart_id AND key = @key
   AND (expires_at <= now()
        OR (status = 'in_progress' AND created_at <= now() - make_interval(secs => @stale_seconds::int)));

-- name: cart_idem_insert :many
INSERT INTO cart_idempotency_keys (cart_id, key, request_hash)
VALUES (@cart_id, @key, @request_hash)
ON CONFLICT (cart_id, key) DO NOTHING
RETURNING created_at::text AS claim;

-- name: cart_idem_hold :many
SELECT 1 AS "held!" FROM cart_idempotency_keys
 WHERE cart_id = @cart_id AND key = @key AND status = 'in_progress'
   AND created_at = @claim::timestamptz
   FOR UPDATE;

-- name: cart_idem_find :one
SELECT request_hash, status = 'done' AS "done!", coalesce(response_status, 0) AS "response_status!",
       response_body
  FROM cart_idempotency_keys WHERE cart_id = @cart_id AND key = @key;

-- name: cart_idem_finish :exec
UPDATE cart_idempotency_keys SET status = 'done', response_status = @response_status::int,
       response_body = @response_body
 WHERE cart_id = @cart_id AND key = @key;

-- name: cart_idem_release :exec
DELETE FROM cart_idempotency_keys
 WHERE cart_id = @cart_id AND key = @key AND status = 'in_progress'
   AND created_at = @claim::timestamptz;

-- A guest order's token hash (only orders that have one: a customer's own order made
-- while signed in has none, so a token can never open it). The caller compares the hash
-- in constant time; `lock` takes the row for a cancel.
-- name: order_guest_token :one
SELECT id, access_token_hash AS "access_token_hash!" FROM orders
 WHERE number = @number AND access_token_hash IS NOT NULL;

-- name: order_guest_lock :one
SELECT id, access_token_hash AS "access_token_hash!" FROM orders
 WHERE number = @number AND access_token_hash IS NOT NULL
   FOR UPDATE;

-- Guest orders placed with this address become the customer's (their verified e-mail),
-- case-blind; orders_guest_email (0015) is the index. guest_email and the token stay,
-- so an e-mail link sent earlier still opens the order.
-- name: guest_orders_claim :execrows
UPDATE orders SET customer_id = @customer_id, updated_at = now()
 WHERE customer_id IS NULL AND lower(guest_email) = lower(@email);

-- The same claim for the caller of /v1/me/orders, keyed by their Cognito sub, so a guest
-- order placed after their profile was copied is theirs on their next look (issue #12).
-- Only an address Cognito verified claims: email_verified is copied from Cognito by
-- customer_profile_store, and NULL (never copied; an ID token's address) is not verified.
-- Cheap with nothing to claim: one customers row by its unique cognito_sub, then
-- orders_guest_email, a partial index holding only unclaimed guest orders; no row
-- updated, nothing written. Two claims at once: the later waits for the row lock,
-- re-checks customer_id IS NULL on the committed row and skips it, so an order is claimed
-- once; rows are locked in index (heap) order, so two claims do not deadlock.
-- name: guest_orders_claim_by_sub :execrows
UPDATE orders o SET customer_id = c.id, updated_at = now()
  FROM customers c
 WHERE c.cognito_sub = @sub AND c.email_verified AND c.email IS NOT NULL
   AND o.customer_id IS NULL AND lower(o.guest_email) = lower(c.email);
