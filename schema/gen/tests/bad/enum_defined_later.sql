-- expect: {file}:2: unknown column type 'mood' for column feeling
CREATE TABLE t (id bigint PRIMARY KEY, feeling mood);
CREATE TYPE mood AS ENUM ('happy');
