-- 0016_guest_redemptions: what quotes and guest checkout (issue #12, docs/checkout.md)
-- add to 0015's guest orders.
--
-- Delivery estimates of the shipping methods, shown by the quote next to each method's
-- price: business days from placing to delivery. NULL = no estimate (a method staff
-- made without one); the quote then shows null and says nothing it does not know.
ALTER TABLE shipping_methods
    ADD COLUMN delivery_min_days integer CHECK (delivery_min_days BETWEEN 0 AND 365),
    ADD COLUMN delivery_max_days integer CHECK (delivery_max_days BETWEEN 0 AND 365),
    ADD CONSTRAINT shipping_methods_delivery_range
        CHECK (delivery_min_days IS NULL OR delivery_max_days IS NULL
               OR delivery_min_days <= delivery_max_days);

-- The three methods 0005 made: the estimates their names already promise.
UPDATE shipping_methods SET delivery_min_days = 3, delivery_max_days = 5 WHERE code = 'standard';
UPDATE shipping_methods SET delivery_min_days = 1, delivery_max_days = 2 WHERE code = 'express';
UPDATE shipping_methods SET delivery_min_days = 1, delivery_max_days = 1 WHERE code = 'next_day';

-- (Claiming guest orders at sign-in reads orders_guest_email, made by 0015.)
