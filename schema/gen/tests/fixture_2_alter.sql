-- fixture_2_alter: a later migration that changes the tables of fixture_1_base.
ALTER TYPE order_status ADD VALUE 'cancelled';
ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded' BEFORE 'shipped';

ALTER TABLE customers ADD COLUMN nickname varchar(30), DROP COLUMN raw;
ALTER TABLE customers DROP COLUMN IF EXISTS search;
ALTER TABLE orders ADD notes text NOT NULL DEFAULT '';
ALTER TABLE orders ALTER COLUMN placed_at SET NOT NULL;
ALTER TABLE currencies ALTER COLUMN note DROP DEFAULT;
ALTER TABLE order_lines ADD COLUMN IF NOT EXISTS sku varchar(64);
-- An ALTER the generator has no use for: it must be ignored. (Not OWNER TO: the
-- tests run as a non-superuser role, as the app does.)
ALTER TABLE orders SET (fillfactor = 90);

CREATE TABLE scratch (id int PRIMARY KEY);
DROP TABLE scratch;

-- "-sses" plurals: db_address, not db_addresse.
CREATE TABLE addresses (id int PRIMARY KEY, line1 text NOT NULL);

COMMENT ON TABLE orders IS 'a ; inside a string';
