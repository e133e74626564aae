-- 0006_discounts: discount codes a shopper applies to a cart (POST .../discount), the
-- record of each use, and the cart's applied code.
--
-- Codes are stored upper-case and matched case-insensitively (the API upper-cases the
-- input). A cart holds at most one code (carts.discount_code_id); the discount itself
-- is computed on read like every other cart figure, never stored. times_used is the
-- total usage counter: checkout (a later migration adds orders) increments it with a
-- conditional UPDATE ... WHERE usage_limit IS NULL OR times_used < usage_limit in the
-- order's transaction and inserts a discount_redemptions row, so a code with 10 uses
-- left is used at most 10 times however many checkouts race; the CHECK below is the
-- last line of defence behind that UPDATE.

CREATE TYPE discount_kind AS ENUM ('percent', 'fixed');

CREATE TABLE discount_codes (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code               varchar(32) NOT NULL UNIQUE
                       CHECK (code = upper(code) AND code ~ '^[A-Z0-9_-]{3,32}$'),
    kind               discount_kind NOT NULL,
    -- percent codes: 1..100 % of the counting subtotal, rounded down to the minor unit.
    percent_off        integer CHECK (percent_off BETWEEN 1 AND 100),
    -- fixed codes: this many minor units of currency, never more than the subtotal.
    amount_off         bigint CHECK (amount_off > 0),
    currency           char(3) CHECK (currency ~ '^[A-Z]{3}$'),
    -- The counting subtotal must be at least this (in the cart's currency).
    min_subtotal       bigint NOT NULL DEFAULT 0 CHECK (min_subtotal >= 0),
    -- Valid from starts_at (inclusive) until ends_at (exclusive); NULL = unbounded.
    starts_at          timestamptz,
    ends_at            timestamptz,
    usage_limit        integer CHECK (usage_limit >= 0),
    per_customer_limit integer CHECK (per_customer_limit >= 1),
    times_used         integer NOT NULL DEFAULT 0 CHECK (times_used >= 0),
    active             boolean NOT NULL DEFAULT true,
    created_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT discount_codes_usage CHECK (usage_limit IS NULL OR times_used <= usage_limit),
    CONSTRAINT discount_codes_window CHECK (starts_at IS NULL OR ends_at IS NULL OR starts_at < ends_at),
    CONSTRAINT discount_codes_kind CHECK (
        (kind = 'percent' AND percent_off IS NOT NULL AND amount_off IS NULL AND currency IS NULL)
        OR (kind = 'fixed' AND amount_off IS NOT NULL AND currency IS NOT NULL AND percent_off IS NULL))
);

-- One row per use, written by checkout together with the times_used increment. The
-- per-customer limit counts these rows (the index below), so it is only checkable for
-- a signed-in cart. order_id gets its foreign key when orders exist.
CREATE TABLE discount_redemptions (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    discount_code_id bigint NOT NULL REFERENCES discount_codes (id),
    customer_id      bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    order_id         bigint,
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX discount_redemptions_code_customer
    ON discount_redemptions (discount_code_id, customer_id);

-- The code applied to the cart (one per cart; applying another replaces it). A code
-- is deactivated, never deleted, while carts or redemptions point at it.
ALTER TABLE carts ADD COLUMN discount_code_id bigint REFERENCES discount_codes (id);
