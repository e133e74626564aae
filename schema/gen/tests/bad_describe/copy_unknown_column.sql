-- expect: {file}:2: fx_bad: ERROR:  column "emial" of relation "customers" does not exist
-- name: fx_bad :copy
COPY customers (id, emial) FROM STDIN;
