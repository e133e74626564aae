-- expect: {file}:4: unknown column type 'money' for column price
CREATE TABLE items (
    id    bigint PRIMARY KEY,
    price money NOT NULL
);
