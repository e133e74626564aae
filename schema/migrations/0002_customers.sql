-- 0002_customers: shoppers and staff as the shop knows them, keyed by their Cognito
-- identity (`sub`). A row is created on a person's first authenticated request; the
-- profile fields are theirs to edit through PATCH /v1/me.

CREATE TABLE customers (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cognito_sub      varchar(64) NOT NULL UNIQUE,
    username         varchar(128) NOT NULL DEFAULT '',
    email            varchar(254),
    display_name     varchar(100),
    -- E.164: a plus, a country code, up to 15 digits in all.
    phone            varchar(16) CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    marketing_opt_in boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
