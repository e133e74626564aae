-- 0017_refund_idempotency: staff refunds may carry an Idempotency-Key (docs/payments.md).
-- The key is the order's: the same key on the same order answers the refund it made
-- (and, when the payment provider was unreachable, finishes it) instead of making a
-- second one; the request hash tells a retry from another request under the same key.
ALTER TABLE refunds
    ADD COLUMN idempotency_key varchar(255),
    ADD COLUMN request_hash    varchar(64),
    ADD CONSTRAINT refunds_idempotency_key UNIQUE (order_id, idempotency_key),
    ADD CONSTRAINT refunds_idempotency_hash
        CHECK ((idempotency_key IS NULL) = (request_hash IS NULL));
