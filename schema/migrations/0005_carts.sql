-- 0005_carts: shopping carts (/v1/carts/{id} for guests, /v1/me/cart for signed-in
-- customers), their lines, and the shop's shipping methods.
--
-- A cart's id is its capability: 16 random bytes (OpenSSL RAND_bytes) as 22 base64url
-- characters, so a guest cart cannot be found by guessing. A cart with a customer_id
-- belongs to that customer and is only reachable through /v1/me/cart; a customer has
-- at most one open cart (partial unique index). Prices are never stored in a cart:
-- they are read from product_variants whenever the cart is shown. Every change to a
-- cart locks its row first (SELECT ... FOR UPDATE), so concurrent adds of one variant
-- add up instead of overwriting each other.

CREATE TYPE cart_status AS ENUM ('open', 'merged', 'checked_out', 'expired');

CREATE TABLE carts (
    id          text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{22}$'),
    customer_id bigint REFERENCES customers (id) ON DELETE CASCADE,
    status      cart_status NOT NULL DEFAULT 'open',
    -- The customer cart a guest cart was merged into (status 'merged'), so merging the
    -- same guest cart again can be recognised as harmless.
    merged_into text REFERENCES carts (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    -- Every write moves it to now() + CART_IDLE_TTL_SECONDS; past it the cart is
    -- answered as missing and marked 'expired' when next touched.
    expires_at  timestamptz NOT NULL
);

CREATE UNIQUE INDEX carts_one_open_per_customer ON carts (customer_id) WHERE status = 'open';
CREATE INDEX carts_expires_at ON carts (expires_at) WHERE status = 'open';

CREATE TABLE cart_items (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cart_id    text NOT NULL REFERENCES carts (id) ON DELETE CASCADE,
    -- No ON DELETE: a variant that is in a cart is deactivated, not deleted, so its
    -- line stays visible and flagged instead of vanishing from the cart.
    variant_id bigint NOT NULL REFERENCES product_variants (id),
    -- The per-line maximum is configurable (CART_MAX_LINE_QUANTITY, at most 999); this
    -- is the hard ceiling behind it.
    quantity   integer NOT NULL CHECK (quantity BETWEEN 1 AND 999),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (cart_id, variant_id)
);

CREATE INDEX cart_items_variant_id ON cart_items (variant_id);

-- Reference data: the shipping methods the shop offers. The cart shows the cheapest
-- active one as an estimate; checkout lets the customer choose.
CREATE TABLE shipping_methods (
    code             text PRIMARY KEY CHECK (code ~ '^[a-z0-9_]{1,32}$'),
    name             varchar(100) NOT NULL,
    price_amount     bigint NOT NULL CHECK (price_amount >= 0),
    currency         char(3) NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
    -- Shipping is free when the subtotal is at least this much (same currency).
    free_over_amount bigint CHECK (free_over_amount >= 0),
    position         integer NOT NULL DEFAULT 0,
    active           boolean NOT NULL DEFAULT true
);

INSERT INTO shipping_methods (code, name, price_amount, currency, free_over_amount, position)
VALUES ('standard', 'Standard (3-5 business days)', 499, 'USD', 5000, 1),
       ('express', 'Express (1-2 business days)', 1499, 'USD', NULL, 2),
       ('next_day', 'Next business day', 2499, 'USD', NULL, 3);
