-- 0021_intent_cancel: a card order cancelled before it was paid (by the customer, by
-- staff, or by the unpaid-order sweeper) has its PaymentIntent cancelled in Stripe, so
-- the customer can no longer pay for an order that no longer exists (before, a
-- confirm after the cancel took the money and left staff a refund to make by hand).
--
-- The cancel is marked due by a trigger in the same transaction as the order's change,
-- so every path that cancels is covered and a rolled-back cancel marks nothing; the
-- refund sender's worker (api/service/intent_cancel.c) calls
-- POST /v1/payment_intents/{id}/cancel after the commit, retried with the refunds'
-- backoff until Stripe answers.
--
-- due_at: when the worker may call (again); NULL once Stripe has answered. outcome: the
-- PaymentIntent's status after the call (`canceled`, or e.g. `succeeded` when the
-- customer paid first: then the webhook reports `not_payable` and staff refund), or
-- Stripe's refusal.
CREATE TABLE payment_intent_cancels (
    order_id          bigint PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
    payment_intent_id varchar(255) NOT NULL,
    due_at            timestamptz,
    attempts          integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    outcome           varchar(500),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- The worker's scan: only cancels still waiting for Stripe's answer, by due time.
CREATE INDEX payment_intent_cancels_due ON payment_intent_cancels (due_at)
    WHERE due_at IS NOT NULL;

-- Cancelled and unpaid with a PaymentIntent: also when the PaymentIntent is stored after
-- the order was cancelled (a checkout's Stripe call still running while the order is
-- cancelled). Once per order.
CREATE FUNCTION orders_intent_cancel() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO payment_intent_cancels (order_id, payment_intent_id, due_at)
    VALUES (NEW.id, NEW.payment_intent_id, now())
    ON CONFLICT (order_id) DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER orders_intent_cancel AFTER UPDATE OF status, payment_intent_id ON orders
    FOR EACH ROW
    -- ::text: 'card' was added to the enum by 0015, and a fresh database may apply
    -- every migration in one transaction, where a new enum value cannot be a literal.
    WHEN (NEW.status = 'cancelled' AND NEW.payment_method::text = 'card'
          AND NEW.payment_intent_id IS NOT NULL AND NEW.paid_at IS NULL)
    EXECUTE FUNCTION orders_intent_cancel();
