-- 0007_orders: orders made by checkout (POST /v1/checkout), their line snapshots and
-- status history, the idempotency keys that make a retried checkout safe, and the tax
-- rate per country.
--
-- Money is bigint minor units of the order's currency. An order copies everything it
-- shows (sku, name, unit price, the shipping address) so later catalog or address
-- edits never change it. total = subtotal - discount_total + shipping_total +
-- tax_total; tax = (subtotal - discount_total) x rate_bp / 10000 rounded half up.

CREATE TYPE order_status AS ENUM
    ('pending_payment', 'paid', 'fulfilled', 'shipped', 'delivered', 'cancelled', 'refunded');
CREATE TYPE payment_method AS ENUM ('cod', 'manual');
CREATE TYPE order_actor AS ENUM ('customer', 'staff', 'system');
CREATE TYPE idempotency_status AS ENUM ('in_progress', 'done');

-- Human-readable order numbers: SF-YYMMDD-NNNNNN (date of placing, database clock).
CREATE SEQUENCE order_number_seq;

CREATE TABLE orders (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number            varchar(20) NOT NULL UNIQUE,
    customer_id       bigint NOT NULL REFERENCES customers (id),
    status            order_status NOT NULL DEFAULT 'pending_payment',
    currency          char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    subtotal          bigint NOT NULL CHECK (subtotal >= 0),
    discount_total    bigint NOT NULL DEFAULT 0 CHECK (discount_total >= 0),
    shipping_total    bigint NOT NULL DEFAULT 0 CHECK (shipping_total >= 0),
    tax_total         bigint NOT NULL DEFAULT 0 CHECK (tax_total >= 0),
    total             bigint NOT NULL CHECK (total >= 0),
    shipping_method   text NOT NULL REFERENCES shipping_methods (code),
    payment_method    payment_method NOT NULL,
    ship_name         varchar(100),
    ship_phone        varchar(16),
    ship_line1        varchar(200) NOT NULL,
    ship_line2        varchar(200),
    ship_city         varchar(100) NOT NULL,
    ship_region       varchar(100),
    ship_postal_code  varchar(20),
    ship_country      char(2) NOT NULL,
    discount_code     varchar(32),
    cart_id           text REFERENCES carts (id),
    placed_at         timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- GET /v1/me/orders: newest first, keyset on (placed_at, id).
CREATE INDEX orders_customer_placed ON orders (customer_id, placed_at DESC, id DESC);

CREATE TABLE order_lines (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id   bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    variant_id bigint NOT NULL REFERENCES product_variants (id),
    sku        varchar(64) NOT NULL,
    name       varchar(400) NOT NULL,
    unit_price bigint NOT NULL CHECK (unit_price >= 0),
    quantity   integer NOT NULL CHECK (quantity >= 1),
    line_total bigint NOT NULL CHECK (line_total >= 0)
);

CREATE INDEX order_lines_order_id ON order_lines (order_id);

-- The order's history: one row per status change, the first with from_status NULL.
CREATE TABLE order_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id    bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    from_status order_status,
    to_status   order_status NOT NULL,
    actor       order_actor NOT NULL,
    note        varchar(500),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX order_events_order_id ON order_events (order_id);

ALTER TABLE discount_redemptions ADD FOREIGN KEY (order_id) REFERENCES orders (id);

-- One row per (customer, Idempotency-Key) of POST /v1/checkout. Inserted
-- 'in_progress' in its own transaction before the checkout runs; set 'done' with the
-- answer in the checkout's transaction (or in a second one for a 4xx). A row past
-- expires_at is deleted and the key starts afresh.
CREATE TABLE idempotency_keys (
    customer_id     bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    key             varchar(255) NOT NULL,
    request_hash    text NOT NULL,
    status          idempotency_status NOT NULL DEFAULT 'in_progress',
    response_status integer,
    response_body   text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL DEFAULT now() + interval '24 hours',
    PRIMARY KEY (customer_id, key)
);

-- Tax rate per shipping country in basis points (1900 = 19 %); a country without a
-- row pays no tax.
CREATE TABLE tax_rates (
    country char(2) PRIMARY KEY CHECK (country ~ '^[A-Z]{2}$'),
    rate_bp integer NOT NULL CHECK (rate_bp BETWEEN 0 AND 10000)
);

INSERT INTO tax_rates (country, rate_bp)
VALUES ('DE', 1900), ('FR', 2000), ('GB', 2000), ('NL', 2100), ('VN', 1000), ('US', 0);
