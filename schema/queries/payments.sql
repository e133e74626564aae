-- schema/queries/payments.sql — the payment webhook's dedupe row and the unpaid-order
-- sweep (api/db/payment_queries.c, db_orders.h).

-- ON CONFLICT DO NOTHING waits for a concurrent insert of the same id to commit, so of
-- two deliveries of one event exactly one goes on to change the order (1 row = first).
-- name: payment_event_record :execrows
INSERT INTO payment_events (event_id, order_id, type)
VALUES (@event_id, (SELECT id FROM orders WHERE number = @number), @type)
ON CONFLICT (event_id) DO NOTHING;

-- The batch is chosen and locked with SKIP LOCKED; the UPDATE re-checks the status, the
-- history rows and the stock increments come from its RETURNING in the same statement.
-- name: unpaid_cancel_batch :one
WITH due AS (
    SELECT id FROM orders
     WHERE status = 'pending_payment' AND payment_method <> 'cod'
       AND placed_at < now() - @ttl_seconds::int * interval '1 second'
     ORDER BY id LIMIT @batch::int FOR UPDATE SKIP LOCKED),
upd AS (
    UPDATE orders o SET status = 'cancelled', updated_at = now() FROM due
     WHERE o.id = due.id AND o.status = 'pending_payment' RETURNING o.id),
ev AS (
    INSERT INTO order_events (order_id, from_status, to_status, actor, note)
    SELECT id, 'pending_payment', 'cancelled', 'system', 'not paid in time' FROM upd),
rs AS (
    UPDATE product_variants v SET stock = v.stock + l.qty
      FROM (SELECT variant_id, sum(quantity) AS qty FROM order_lines
             WHERE order_id IN (SELECT id FROM upd) GROUP BY variant_id) l
     WHERE v.id = l.variant_id)
SELECT count(*) AS "cancelled!" FROM upd;

-- --- card payments (api/service/stripe.c, issue #12) -------------------------------

-- What attaching a PaymentIntent needs of an order: its amount and currency, and the
-- PaymentIntent already stored (NULL before the first successful create).
-- name: card_payment_get :one
SELECT id, payment_method::text AS "payment_method!", status::text AS "status!", total, currency,
       payment_intent_id, payment_client_secret
  FROM orders WHERE number = @number;

-- Stores the order's PaymentIntent. Stripe answers a repeated create (same
-- Idempotency-Key) with the same PaymentIntent, so a second writer stores the same id;
-- any other id is refused (0 rows) rather than silently replaced.
-- name: card_payment_store :execrows
UPDATE orders SET payment_intent_id = @payment_intent_id, payment_client_secret = @client_secret
 WHERE number = @number AND (payment_intent_id IS NULL OR payment_intent_id = @payment_intent_id);

-- --- cancelling the PaymentIntent of a cancelled card order (0021, intent_cancel.c) ---

-- The worker's lease, as refund_resend_lease: due rows locked with SKIP LOCKED, pushed
-- @lease_ms into the future with attempts + 1; Stripe is called after the commit.
-- name: intent_cancel_lease :many
WITH due AS (
    SELECT order_id FROM payment_intent_cancels
     WHERE due_at <= now()
     ORDER BY due_at, order_id
     LIMIT @max_rows::int
       FOR UPDATE SKIP LOCKED
)
UPDATE payment_intent_cancels c
   SET attempts = c.attempts + 1,
       due_at = now() + @lease_ms::int * interval '1 millisecond',
       updated_at = now()
  FROM due, orders o
 WHERE c.order_id = due.order_id AND o.id = c.order_id
RETURNING c.order_id, o.number, c.payment_intent_id, c.attempts;

-- Stripe answered: done, with what it said.
-- name: intent_cancel_done :execrows
UPDATE payment_intent_cancels SET due_at = NULL, outcome = @outcome, updated_at = now()
 WHERE order_id = @order_id;

-- No answer: the next try after @delay_ms.
-- name: intent_cancel_later :execrows
UPDATE payment_intent_cancels
   SET due_at = now() + @delay_ms::int * interval '1 millisecond', updated_at = now()
 WHERE order_id = @order_id AND due_at IS NOT NULL;
