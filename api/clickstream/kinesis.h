/*
 * kinesis.h — one PutRecords call to Kinesis Data Streams over libcurl, signed with
 * libcurl's built-in AWS SigV4 (internal to api/clickstream/; no database here).
 */
#ifndef STOREFRONT_CLICKSTREAM_KINESIS_H
#define STOREFRONT_CLICKSTREAM_KINESIS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

/* Kinesis' PutRecords limits. */
#define KINESIS_MAX_RECORDS       500
#define KINESIS_MAX_REQUEST_BYTES (5 * 1024 * 1024) /* data + partition keys */
#define KINESIS_MAX_RECORD_BYTES  (1024 * 1024)     /* data + partition key */
#define KINESIS_MAX_PARTITION_KEY 256

typedef struct kinesis_target {
    const char *endpoint; /* https://kinesis.<region>.amazonaws.com or an emulator */
    const char *region, *stream;
    const char *access_key, *secret_key, *session_token; /* token may be NULL */
    const atomic_bool *stop; /* non-NULL: a true value aborts the transfer */
} kinesis_target;

typedef struct kinesis_record {
    const char *data; /* raw bytes (sent base64-encoded) */
    size_t len;
    const char *part_key;
    /* Out: ok, or err (a short message, owned by the caller's result). */
    bool ok;
    char err[160];
} kinesis_record;

typedef enum kinesis_outcome {
    KINESIS_SENT,    /* HTTP 200: each record's ok/err is set */
    KINESIS_FAILED,  /* transport error, non-200, or an unreadable answer: none stored */
    KINESIS_ABORTED, /* stop was raised during the transfer */
} kinesis_outcome;

/* Sends the n records (n <= KINESIS_MAX_RECORDS, within the byte limits) as one
 * PutRecords request with bounded timeouts. On KINESIS_FAILED, err says why. */
kinesis_outcome kinesis_put_records(const kinesis_target *t, kinesis_record *recs, size_t n,
                                    char *err, size_t errlen);

#endif
