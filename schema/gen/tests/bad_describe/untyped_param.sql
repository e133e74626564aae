-- expect: {file}:2: fx_bad: could not determine data type of parameter $1
-- name: fx_bad :many
SELECT id FROM customers WHERE @anything IS NULL;
