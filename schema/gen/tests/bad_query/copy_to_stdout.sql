-- expect: {file}:2: a :copy query is `COPY <table> [(columns)] FROM STDIN` with no parameters (`fx_bad`)
-- name: fx_bad :copy
COPY customers TO STDOUT;
