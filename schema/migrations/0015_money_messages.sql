-- 0015_money_messages: what issue #12 needs around the order: guest orders, card
-- payments through Stripe, refunds, and one transactional outbox for order e-mails and
-- partner webhooks (docs/messages.md).

-- Card payments (Stripe PaymentIntents). Added alone: a new enum value cannot be used in
-- the transaction that adds it, and nothing below uses it.
ALTER TYPE payment_method ADD VALUE IF NOT EXISTS 'card';

-- ---------------------------------------------------------------------------------
-- Guest orders. A guest order has no customer but an e-mail address and the SHA-256 of
-- its access token in hex (the token itself is given to the guest once, in the checkout answer,
-- and never stored in clear outside that stored answer). When a person signs in with the
-- same verified address, their guest orders get their customer_id (and keep the token).
ALTER TABLE orders
    ALTER COLUMN customer_id DROP NOT NULL,
    ADD COLUMN guest_email varchar(254),
    ADD COLUMN access_token_hash char(64) CHECK (access_token_hash ~ '^[0-9a-f]{64}$'),
    ADD CONSTRAINT orders_has_owner
        CHECK (customer_id IS NOT NULL
               OR (guest_email IS NOT NULL AND access_token_hash IS NOT NULL));

-- Claiming guest orders at sign-in looks them up by address, case-blind.
CREATE INDEX orders_guest_email ON orders (lower(guest_email)) WHERE customer_id IS NULL;

-- A guest checkout's Idempotency-Key belongs to the cart (a guest has no customer row):
-- the same rules and columns as idempotency_keys (0007).
CREATE TABLE cart_idempotency_keys (
    cart_id         text NOT NULL REFERENCES carts (id) ON DELETE CASCADE,
    key             varchar(255) NOT NULL,
    request_hash    text NOT NULL,
    status          idempotency_status NOT NULL DEFAULT 'in_progress',
    response_status integer,
    response_body   text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL DEFAULT now() + interval '24 hours',
    PRIMARY KEY (cart_id, key)
);

-- ---------------------------------------------------------------------------------
-- Card payments: the order's PaymentIntent. The client secret is kept so a retried
-- checkout (or the owner re-reading a pending order) gets the same one back; it is never
-- put in an e-mail or a webhook (order_document leaves it out).
ALTER TABLE orders
    ADD COLUMN payment_intent_id varchar(255) UNIQUE,
    ADD COLUMN payment_client_secret varchar(255),
    ADD COLUMN refunded_total bigint NOT NULL DEFAULT 0 CHECK (refunded_total >= 0),
    ADD CONSTRAINT orders_refund_within_total CHECK (refunded_total <= total);

-- Refunds, full or partial. A card refund is created 'pending' before Stripe is called
-- (its id is Stripe's idempotency key, so a retry never refunds twice) and follows
-- Stripe's refund status; a cod/manual refund is recorded 'succeeded' at once (staff
-- paid the money back themselves). orders.refunded_total is the sum of the succeeded ones,
-- kept by the trigger below.
CREATE TYPE refund_status AS ENUM ('pending', 'succeeded', 'failed', 'canceled');

CREATE TABLE refunds (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id           bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    amount             bigint NOT NULL CHECK (amount > 0),
    currency           char(3) NOT NULL,
    status             refund_status NOT NULL DEFAULT 'pending',
    provider_refund_id varchar(255) UNIQUE,
    reason             varchar(500),
    failure_reason     varchar(500),
    actor_id           bigint REFERENCES customers (id) ON DELETE SET NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX refunds_order ON refunds (order_id, id);

CREATE FUNCTION refunds_total_kept() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    delta bigint := (CASE WHEN NEW.status = 'succeeded' THEN NEW.amount ELSE 0 END)
                  - (CASE WHEN TG_OP = 'UPDATE' AND OLD.status = 'succeeded' THEN OLD.amount
                          ELSE 0 END);
BEGIN
    IF delta <> 0 THEN
        UPDATE orders SET refunded_total = refunded_total + delta, updated_at = now()
         WHERE id = NEW.order_id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER refunds_total_kept AFTER INSERT OR UPDATE OF status ON refunds
    FOR EACH ROW EXECUTE FUNCTION refunds_total_kept();

-- ---------------------------------------------------------------------------------
-- The order as clients, e-mails and webhooks see it (the body of GET /v1/me/orders/{n},
-- the checkout answer, and data.object of order.* events). One definition: the
-- order_json query renders it, and the outbox triggers below copy it into events.
CREATE FUNCTION order_document(p_order_id bigint) RETURNS json LANGUAGE sql STABLE AS $$
SELECT json_build_object(
    'number', o.number, 'status', o.status, 'currency', o.currency,
    'subtotal', json_build_object('amount', o.subtotal, 'currency', o.currency),
    'discount', json_build_object('amount', o.discount_total, 'currency', o.currency),
    'discount_code', o.discount_code,
    'shipping', json_build_object('amount', o.shipping_total, 'currency', o.currency),
    'tax', json_build_object('amount', o.tax_total, 'currency', o.currency),
    'total', json_build_object('amount', o.total, 'currency', o.currency),
    'refunded', json_build_object('amount', o.refunded_total, 'currency', o.currency),
    'shipping_method', o.shipping_method, 'payment_method', o.payment_method,
    'tracking_number', o.tracking_number,
    'paid_at', to_char(o.paid_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'email', coalesce(o.guest_email, (SELECT c.email FROM customers c WHERE c.id = o.customer_id)),
    'guest', o.customer_id IS NULL,
    'shipping_address', json_build_object('name', o.ship_name, 'phone', o.ship_phone,
        'line1', o.ship_line1, 'line2', o.ship_line2, 'city', o.ship_city,
        'region', o.ship_region, 'postal_code', o.ship_postal_code, 'country', o.ship_country),
    'lines', (SELECT coalesce(json_agg(json_build_object('variant_id', l.variant_id,
                  'sku', l.sku, 'name', l.name,
                  'unit_price', json_build_object('amount', l.unit_price, 'currency', o.currency),
                  'quantity', l.quantity,
                  'line_total', json_build_object('amount', l.line_total, 'currency', o.currency))
                  ORDER BY l.id), '[]')
                FROM order_lines l WHERE l.order_id = o.id),
    'refunds', (SELECT coalesce(json_agg(json_build_object('id', r.id,
                    'amount', json_build_object('amount', r.amount, 'currency', r.currency),
                    'status', r.status, 'reason', r.reason,
                    'created_at', to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
                    ORDER BY r.id), '[]')
                  FROM refunds r WHERE r.order_id = o.id),
    'history', (SELECT coalesce(json_agg(json_build_object('from_status', ev.from_status,
                    'to_status', ev.to_status, 'actor', ev.actor, 'note', ev.note,
                    'at', to_char(ev.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
                    ORDER BY ev.id), '[]')
                  FROM order_events ev WHERE ev.order_id = o.id),
    'placed_at', to_char(o.placed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'updated_at', to_char(o.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
  FROM orders o WHERE o.id = p_order_id
$$;

-- ---------------------------------------------------------------------------------
-- Partner webhooks: endpoints staff register. The secret signs every delivery
-- (Storefront-Signature: t=<unix>,v1=<HMAC-SHA256(secret, "<t>.<body>")>), so it is kept.
CREATE TABLE webhook_endpoints (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url         varchar(2048) NOT NULL,
    secret      varchar(255) NOT NULL,
    -- (a DEFAULT only for sfgen, which leaves array columns out of the table structs;
    -- the CHECK refuses it, so every endpoint names its types)
    event_types text[] NOT NULL DEFAULT '{}' CHECK (cardinality(event_types) BETWEEN 1 AND 16),
    description varchar(500),
    active      boolean NOT NULL DEFAULT true,
    revision    integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Shop-wide settings that triggers read (one row).
CREATE TABLE shop_settings (
    id                  boolean PRIMARY KEY DEFAULT true CHECK (id),
    stock_low_threshold integer NOT NULL DEFAULT 5 CHECK (stock_low_threshold >= 0)
);
INSERT INTO shop_settings DEFAULT VALUES;

-- ---------------------------------------------------------------------------------
-- The transactional outbox. One row per (event, recipient): an order e-mail (channel
-- 'email', recipient = the address) or a webhook delivery (channel 'webhook',
-- endpoint_id). Rows are written by the triggers below in the transaction that made the
-- change, so a committed change always has its rows and a rolled-back one never does.
-- The senders (api/service/mailer.c, webhook_sender.c) take due rows, send, and mark
-- them; per (channel, endpoint or recipient, resource) only the oldest pending row is
-- due, so a resource's events arrive in order. payload is the event's `data`:
-- {"object": <the resource>, ...}.
CREATE TYPE outbox_channel AS ENUM ('email', 'webhook');
CREATE TYPE outbox_state AS ENUM ('pending', 'sent', 'failed');

CREATE TABLE message_outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel         outbox_channel NOT NULL,
    event_id        uuid NOT NULL,
    event_type      varchar(64) NOT NULL,
    resource        varchar(100) NOT NULL,  -- 'order:SF-…', 'product:42', 'variant:7'
    recipient       varchar(254),
    endpoint_id     bigint REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    payload         jsonb NOT NULL,
    state           outbox_state NOT NULL DEFAULT 'pending',
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_status     integer,                -- the HTTP status of the last attempt
    last_error      varchar(512),
    replay_of       bigint REFERENCES message_outbox (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    CHECK ((channel = 'email') = (recipient IS NOT NULL)),
    CHECK ((channel = 'webhook') = (endpoint_id IS NOT NULL))
);

-- The senders' scan: due pending rows of a channel.
CREATE INDEX message_outbox_due ON message_outbox (channel, next_attempt_at, id)
    WHERE state = 'pending';
-- "Is an older row of this resource still pending for this target?" (in-order delivery).
CREATE INDEX message_outbox_resource_email ON message_outbox (recipient, resource, id)
    WHERE state = 'pending' AND channel = 'email';
CREATE INDEX message_outbox_resource_webhook ON message_outbox (endpoint_id, resource, id)
    WHERE state = 'pending' AND channel = 'webhook';
-- Staff list an endpoint's deliveries newest first.
CREATE INDEX message_outbox_endpoint ON message_outbox (endpoint_id, id DESC)
    WHERE endpoint_id IS NOT NULL;

-- Writes one event's rows: an e-mail when `email` is given, and a delivery to every
-- active endpoint subscribed to its type. All rows of one event share its event_id
-- (the receivers' deduplication key).
CREATE FUNCTION outbox_emit(p_type text, p_resource text, p_payload jsonb, p_email text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    ev uuid := gen_random_uuid();
BEGIN
    IF p_email IS NOT NULL THEN
        INSERT INTO message_outbox (channel, event_id, event_type, resource, recipient, payload)
        VALUES ('email', ev, p_type, p_resource, p_email, p_payload);
    END IF;
    INSERT INTO message_outbox (channel, event_id, event_type, resource, endpoint_id, payload)
    SELECT 'webhook', ev, p_type, p_resource, w.id, p_payload
      FROM webhook_endpoints w
     WHERE w.active AND p_type = ANY (w.event_types);
END $$;

-- Order events. Deferred to COMMIT: an order's lines are inserted after the order row,
-- and a transition may touch the row twice; at commit the document is complete and final.
--   order.created    the order row is inserted
--   order.paid       paid_at goes from NULL to a time (a cod order can be paid while shipped)
--   order.shipped    status becomes shipped (tracking_number in the document)
--   order.cancelled  status becomes cancelled
-- order.refunded comes from refunds (below), once per succeeded refund.
CREATE FUNCTION orders_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    kind text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        kind := 'order.created';
    ELSIF OLD.paid_at IS NULL AND NEW.paid_at IS NOT NULL THEN
        kind := 'order.paid';
    ELSIF NEW.status IS DISTINCT FROM OLD.status AND NEW.status = 'shipped' THEN
        kind := 'order.shipped';
    ELSIF NEW.status IS DISTINCT FROM OLD.status AND NEW.status = 'cancelled' THEN
        kind := 'order.cancelled';
    ELSE
        RETURN NULL;
    END IF;
    PERFORM outbox_emit(kind, 'order:' || NEW.number,
                        jsonb_build_object('object', order_document(NEW.id)),
                        coalesce(NEW.guest_email,
                                 (SELECT c.email FROM customers c WHERE c.id = NEW.customer_id)));
    -- Paid and shipped in one transaction (a cod order paid on delivery of the parcel):
    -- both events, in that order.
    IF kind = 'order.paid' AND NEW.status IS DISTINCT FROM OLD.status
       AND NEW.status IN ('shipped', 'cancelled') THEN
        PERFORM outbox_emit('order.' || NEW.status, 'order:' || NEW.number,
                            jsonb_build_object('object', order_document(NEW.id)),
                            coalesce(NEW.guest_email,
                                     (SELECT c.email FROM customers c WHERE c.id = NEW.customer_id)));
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER orders_outbox AFTER INSERT OR UPDATE ON orders
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION orders_outbox();

CREATE FUNCTION refunds_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    o orders;
BEGIN
    IF NEW.status <> 'succeeded' OR (TG_OP = 'UPDATE' AND OLD.status = 'succeeded') THEN
        RETURN NULL;
    END IF;
    SELECT * INTO o FROM orders WHERE id = NEW.order_id;
    PERFORM outbox_emit('order.refunded', 'order:' || o.number,
                        jsonb_build_object('object', order_document(o.id),
                            'refund', jsonb_build_object('id', NEW.id,
                                'amount', jsonb_build_object('amount', NEW.amount,
                                                             'currency', NEW.currency),
                                'reason', NEW.reason)),
                        coalesce(o.guest_email,
                                 (SELECT c.email FROM customers c WHERE c.id = o.customer_id)));
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER refunds_outbox AFTER INSERT OR UPDATE OF status ON refunds
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refunds_outbox();

-- product.updated: any UPDATE of a product row by staff (its revision moved) — not the
-- roll-ups triggers keep (rating, price range), which leave the revision alone.
-- Statement-level like the derived-data triggers (0013): a bulk update costs one
-- INSERT … SELECT, and nothing at all while no endpoint subscribes.
CREATE FUNCTION products_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhook_endpoints
                    WHERE active AND 'product.updated' = ANY (event_types)) THEN
        RETURN NULL;
    END IF;
    PERFORM outbox_emit('product.updated', 'product:' || n.id,
                        jsonb_build_object('object', jsonb_build_object(
                            'id', n.id, 'slug', n.slug, 'name', n.name, 'active', n.active,
                            'revision', n.revision,
                            'archived', n.archived_at IS NOT NULL)),
                        NULL)
      FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE n.revision IS DISTINCT FROM o.revision;
    RETURN NULL;
END $$;

CREATE TRIGGER products_outbox AFTER UPDATE ON products
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION products_outbox();

-- stock.low: a variant's stock falls to the shop's threshold or below (from above it).
CREATE FUNCTION variants_stock_low_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    lim integer;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhook_endpoints
                    WHERE active AND 'stock.low' = ANY (event_types)) THEN
        RETURN NULL;
    END IF;
    SELECT stock_low_threshold INTO lim FROM shop_settings;
    PERFORM outbox_emit('stock.low', 'variant:' || n.id,
                        jsonb_build_object('object', jsonb_build_object(
                            'variant_id', n.id, 'product_id', n.product_id, 'sku', n.sku,
                            'stock', n.stock, 'threshold', lim)),
                        NULL)
      FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE n.stock <= lim AND o.stock > lim;
    RETURN NULL;
END $$;

CREATE TRIGGER variants_stock_low_outbox AFTER UPDATE ON product_variants
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION variants_stock_low_outbox();
