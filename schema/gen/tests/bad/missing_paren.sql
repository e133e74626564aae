-- expect: {file}:5: syntax error: expected ','
CREATE TABLE items (
    id    bigint PRIMARY KEY,
    name  text NOT NULL
;
