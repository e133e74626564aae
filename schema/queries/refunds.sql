-- schema/queries/refunds.sql — staff refunds and their reconciliation by the payment
-- webhook (api/service/refunds.c, payments.c). orders.refunded_total follows the
-- succeeded refunds through the refunds_total_kept trigger (0015); nothing here writes it.

-- The order a refund is for, locked: two refunds of one order are decided one after the
-- other, so together they can never exceed what was paid.
-- name: refund_order_lock :one
SELECT o.id, o.status::text AS "status!", o.payment_method::text AS "payment_method!",
       o.paid_at IS NOT NULL AS "paid!", o.total, o.refunded_total, o.currency,
       o.payment_intent_id
  FROM orders o WHERE o.number = @number
   FOR UPDATE OF o;

-- What is spoken for: the succeeded and the still pending refunds (a pending one may yet
-- succeed). A statement of its own, run after the lock: under READ COMMITTED a subquery
-- of the locking SELECT would read the snapshot taken before it waited for the lock, and
-- miss the refund the previous holder just committed.
-- name: refund_outstanding :one
SELECT coalesce(sum(amount), 0)::bigint AS "outstanding!"
  FROM refunds WHERE order_id = @order_id AND status IN ('pending', 'succeeded');

-- A refund made earlier under this Idempotency-Key for this order.
-- name: refund_by_key :one
SELECT id, request_hash AS "request_hash!", status::text AS "status!", amount,
       provider_refund_id, reason
  FROM refunds WHERE order_id = @order_id AND idempotency_key = @key;

-- name: refund_insert :one
INSERT INTO refunds (order_id, amount, currency, status, reason, actor_id, idempotency_key,
                     request_hash, provider_refund_id)
VALUES (@order_id, @amount, @currency, (@status::text)::refund_status, @reason?,
        nullif(@actor_id::bigint, 0), @key?, @request_hash?, @provider_refund_id?)
RETURNING id;

-- The provider's answer to our create (or a later webhook): its id and status. A refund
-- that already reached a final status in a webhook is not moved back by a late answer.
-- name: refund_set_provider :execrows
UPDATE refunds SET provider_refund_id = coalesce(provider_refund_id, @provider_refund_id),
       status = (@status::text)::refund_status, failure_reason = @failure_reason?,
       updated_at = now()
 WHERE id = @id AND status = 'pending';

-- When the refund sender (refund_sender.c) may send a card refund still waiting for
-- Stripe's answer: at insert, @delay_ms beyond the request's own call (its timeout and
-- some slack: the call is never raced, yet a refund whose server died mid-call is sent
-- again); after an unknown outcome (no answer, 429, 5xx), the next try of the backoff.
-- A refund that has Stripe's id or a final status is left alone.
-- name: refund_schedule_resend :execrows
UPDATE refunds SET resend_at = now() + @delay_ms::int * interval '1 millisecond'
 WHERE id = @id AND status = 'pending' AND provider_refund_id IS NULL;

-- The sender's lease, one statement and so one short transaction: due refunds locked with
-- SKIP LOCKED (two servers never send one at once), pushed @lease_ms into the future with
-- send_attempts + 1. Only refund rows are locked (orders is read, not locked; status is
-- not written, so no trigger runs): the order-before-refund lock order is kept because
-- this never waits for a lock. Stripe is called after the commit. key_old: the refund
-- was first sent more than @key_age_s ago, so Stripe may have pruned its idempotency key
-- (kept at least 24 hours) and a resend could make a second refund: the sender looks
-- for it in Stripe first.
-- name: refund_resend_lease :many
WITH due AS (
    SELECT id FROM refunds
     WHERE status = 'pending' AND provider_refund_id IS NULL AND resend_at <= now()
     ORDER BY resend_at, id
     LIMIT @max_rows::int
       FOR UPDATE SKIP LOCKED
)
UPDATE refunds r
   SET send_attempts = r.send_attempts + 1,
       resend_at = now() + @lease_ms::int * interval '1 millisecond'
  FROM due, orders o
 WHERE r.id = due.id AND o.id = r.order_id
RETURNING r.id, o.number, o.payment_intent_id, r.amount, r.reason,
          coalesce(r.actor_id, 0) AS "actor_id!", r.send_attempts,
          r.created_at < now() - @key_age_s::int * interval '1 second' AS "key_old!";

-- A webhook's refund, by the provider's id or, when our create never got its answer,
-- by the refund id we put in its metadata; who made it and why, for the order's history.
-- name: refund_find_provider :one
SELECT r.id, r.status::text AS "status!", o.number, coalesce(r.actor_id, 0) AS "actor_id!",
       r.reason
  FROM refunds r JOIN orders o ON o.id = r.order_id
 WHERE r.provider_refund_id = @provider_refund_id
    OR (r.id = @refund_id::bigint AND r.provider_refund_id IS NULL)
 ORDER BY (r.provider_refund_id = @provider_refund_id) DESC NULLS LAST
 LIMIT 1;

-- Status from a webhook. Stripe may move a succeeded refund to failed later (the bank
-- returned it), so any change is taken; the trigger adjusts refunded_total both ways.
-- name: refund_set_status :execrows
UPDATE refunds SET status = (@status::text)::refund_status,
       provider_refund_id = coalesce(provider_refund_id, @provider_refund_id),
       failure_reason = coalesce(@failure_reason?, failure_reason), updated_at = now()
 WHERE id = @id AND status IS DISTINCT FROM (@status::text)::refund_status;

-- The order a PaymentIntent paid (for a refund made in Stripe's dashboard).
-- name: refund_order_by_intent :one
SELECT id, number, currency FROM orders WHERE payment_intent_id = @payment_intent_id;

-- Staff's list of an order's refunds, oldest first, with the provider's side.
-- name: refund_list :one
SELECT coalesce(json_agg(json_build_object(
           'id', r.id,
           'amount', json_build_object('amount', r.amount, 'currency', r.currency),
           'status', r.status, 'reason', r.reason,
           'provider_refund_id', r.provider_refund_id, 'failure_reason', r.failure_reason,
           'created_at', to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
           'updated_at', to_char(r.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
           ORDER BY r.id), '[]')::text AS "json!",
       (SELECT count(*) FROM orders WHERE number = @number) AS "found!"
  FROM refunds r JOIN orders o ON o.id = r.order_id AND o.number = @number;

-- One refund of an order in the same shape (the POST answer, GET …/refunds/{id}).
-- name: refund_json :one
SELECT json_build_object(
           'id', r.id,
           'amount', json_build_object('amount', r.amount, 'currency', r.currency),
           'status', r.status, 'reason', r.reason,
           'provider_refund_id', r.provider_refund_id, 'failure_reason', r.failure_reason,
           'created_at', to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
           'updated_at', to_char(r.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text
           AS "json!"
  FROM refunds r JOIN orders o ON o.id = r.order_id AND o.number = @number
 WHERE r.id = @id;
