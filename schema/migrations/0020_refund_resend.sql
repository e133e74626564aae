-- 0020_refund_resend: a card refund whose call to Stripe ended without a definite answer
-- (connection failure, timeout, 429, 5xx: Stripe may or may not have made it) stays
-- 'pending' and is sent again by the refund sender (api/service/refund_sender.c, issue
-- 12) under the same Stripe Idempotency-Key "refund-<id>", so Stripe makes it at most
-- once. Recording it 'failed' instead freed its amount for a second refund: the
-- customer could be refunded twice.
--
-- resend_at: when the sender may send the refund (again); NULL = never (no card refund,
-- or Stripe has answered: the row has its provider_refund_id or a final status). A card
-- refund is inserted with resend_at a little beyond the call's timeout, so one whose
-- server died mid-call is picked up too; the sender pushes it forward (a lease) before
-- each attempt. send_attempts: the calls made so far, for the capped backoff.
ALTER TABLE refunds
    ADD COLUMN resend_at     timestamptz,
    ADD COLUMN send_attempts integer NOT NULL DEFAULT 0 CHECK (send_attempts >= 0);

-- The sender's scan: only refunds still waiting for Stripe's answer, by due time.
CREATE INDEX refunds_resend_due ON refunds (resend_at)
    WHERE status = 'pending' AND provider_refund_id IS NULL AND resend_at IS NOT NULL;
