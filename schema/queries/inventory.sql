-- schema/queries/inventory.sql — the inventory ledger (issue #11, item 3): the context
-- every stock change records (reason, actor, order, note), checkout's decrement, staff
-- set and adjust, and the staff lists (low stock, a variant's movements).
--
-- The ledger rows themselves are written by the trigger of migration 0014 in the
-- statement that changes product_variants.stock, so the ledger sums to the stock
-- whatever changed it. What the trigger cannot know — why, who, for which order — it
-- reads from transaction-local settings, which stock_context_set writes first, in the
-- same transaction. Transaction-local (set_config(…, true)), so a pooled connection
-- never carries one request's context into the next.

-- Before any stock-changing statement: the reason (a stock_reason label; the cast
-- makes a typo fail here, not as a ledger row saying 'external'), the customers.id of
-- the person (0 = none), the orders.id (0 = none) and the staff member's words.
-- name: stock_context_set :exec
SELECT set_config('storefront.stock_reason', ((@reason::text)::stock_reason)::text, true) AS reason,
       set_config('storefront.stock_actor', coalesce(nullif(@actor_id::bigint, 0)::text, ''), true) AS actor,
       set_config('storefront.stock_order', coalesce(nullif(@order_id::bigint, 0)::text, ''), true) AS ord,
       set_config('storefront.stock_note', @note::text, true) AS note;

-- Checkout's conditional decrement: one row when the stock sufficed and was taken, none
-- when it did not. The ledger context (reason checkout, the shopper, the new order) is
-- folded into this statement instead of a stock_context_set before it, so the ledger
-- costs checkout no extra statement or round trip: the FROM item is evaluated before
-- the row it joins is updated, and the trigger that reads the settings runs at the end
-- of the statement. (When no row qualifies the settings may stay unset, and then there
-- is nothing to record.)
-- (customer_id 0 = a guest checkout: no actor, as in stock_context_set.)
-- name: stock_take :execrows
UPDATE product_variants v SET stock = v.stock - @quantity::int
  FROM (SELECT set_config('storefront.stock_reason', 'checkout', true) AS reason,
               set_config('storefront.stock_actor', coalesce(nullif(@customer_id::bigint, 0)::text, ''), true) AS actor,
               set_config('storefront.stock_order', @order_id::bigint::text, true) AS ord,
               set_config('storefront.stock_note', '', true) AS note) ctx
 WHERE v.id = @variant_id AND v.stock >= @quantity::int;

-- A variant's stock and revision (its ETag), for staff.
-- name: stock_variant_get :one
SELECT id, product_id, sku, name, stock, revision, active
  FROM product_variants WHERE id = @variant_id;

-- Staff set the stock (If-Match: @revision, 0 = any). The revision moves only when the
-- stock does: a set is an edit of the variant another staff member must re-read, but
-- setting what is already there changes nothing. No row: unknown variant (404) or a
-- stale revision (412); the caller looks which.
-- name: stock_set :one
UPDATE product_variants
   SET stock = @stock::int,
       revision = revision + CASE WHEN stock <> @stock::int THEN 1 ELSE 0 END
 WHERE id = @variant_id AND (@revision::int = 0 OR revision = @revision::int)
RETURNING id, product_id, sku, name, stock, revision, active;

-- Staff add or remove units. The condition keeps the stock from going below zero or
-- past the integer's range (no row: unknown variant or not enough stock; the caller looks which). The row lock
-- orders it with concurrent checkouts and cancels, so the delta is applied to the
-- stock as it is when the lock is granted, never to a stale read.
-- name: stock_adjust :one
UPDATE product_variants SET stock = stock + @delta::int
 WHERE id = @variant_id AND stock::bigint + @delta::int BETWEEN 0 AND 2147483647
RETURNING id, product_id, sku, name, stock, revision, active;

-- A variant's movements, newest first, keyset on id (@before = 0: from the newest);
-- @this_tx: only those written by the current transaction (the movement a set or an
-- adjustment just made: created_at is the transaction's now()).
-- name: stock_movements_page :many
SELECT m.id, m.variant_id, m.delta, m.stock_after, m.reason::text AS "reason!",
       m.actor_id, c.email AS "actor_email?", o.number AS "order_number?", m.note,
       m.created_at
  FROM stock_movements m
  LEFT JOIN customers c ON c.id = m.actor_id
  LEFT JOIN orders o ON o.id = m.order_id
 WHERE m.variant_id = @variant_id AND (@before::bigint = 0 OR m.id < @before::bigint)
   AND (NOT @this_tx::bool OR m.created_at = now())
 ORDER BY m.id DESC LIMIT @max_rows::int;

-- Active variants of products not archived with stock <= @threshold, lowest first,
-- keyset on (stock, id) (the first page: @after_stock = -1), walking the partial index
-- product_variants_low_stock.
-- name: stock_low_page :many
SELECT v.id, v.sku, v.name, v.stock, v.revision, p.id AS product_id, p.slug AS product_slug,
       p.name AS product_name
  FROM product_variants v JOIN products p ON p.id = v.product_id
 WHERE v.active AND v.stock <= @threshold::int AND p.archived_at IS NULL
   AND (v.stock, v.id) > (@after_stock::int, @after_id::bigint)
 ORDER BY v.stock, v.id LIMIT @max_rows::int;
