-- 0008_payments: what the order state machine (api/service/order_states.c) needs beyond
-- 0007: when an order was paid (a cod order can be paid while fulfilled or shipped, so
-- the status alone does not say it), the tracking number given when it ships, and the
-- payment provider's webhook events already applied (their id is the dedupe key: a
-- replayed event finds its row and changes nothing).

ALTER TABLE orders
    ADD COLUMN paid_at timestamptz,
    ADD COLUMN tracking_number varchar(64);

-- GET /v1/admin/orders: newest first over every customer, keyset on (placed_at, id).
CREATE INDEX orders_placed ON orders (placed_at DESC, id DESC);
CREATE INDEX orders_status_placed ON orders (status, placed_at DESC, id DESC);

CREATE TABLE payment_events (
    event_id    varchar(255) PRIMARY KEY,
    order_id    bigint REFERENCES orders (id) ON DELETE CASCADE,
    type        varchar(100) NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
