-- 0004_addresses: a customer's saved postal addresses (GET/POST /v1/me/addresses...).
-- At most one default per customer, enforced by a partial unique index; the service
-- keeps exactly one while the customer has any address (the first one created becomes
-- the default, deleting the default promotes the newest remaining one). Every change
-- to a customer's addresses first locks that customer's row, so default swaps and the
-- 50-address cap are serialized per customer and never trip the index.

CREATE TABLE addresses (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    name        varchar(100),
    -- E.164, as customers.phone.
    phone       varchar(16) CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    line1       varchar(200) NOT NULL,
    line2       varchar(200),
    city        varchar(100) NOT NULL,
    region      varchar(100),
    postal_code varchar(20) CHECK (postal_code ~ '^[A-Za-z0-9 -]{1,20}$'),
    -- ISO 3166-1 alpha-2; the service checks it against the list of assigned codes.
    country     char(2) NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    is_default  boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX addresses_one_default ON addresses (customer_id) WHERE is_default;
CREATE INDEX addresses_customer_id ON addresses (customer_id, id);
