/*
 * test_auth_jwks.c — the key set side of the verifier, over real HTTP on 127.0.0.1:
 * an unknown kid refetches once and is then refused for 10 s, a key added to the JWKS
 * is accepted without a restart (and a removed one stops working), a JWKS that is down
 * at start answers 503 until the background retry succeeds, a JWKS that goes down later
 * keeps known keys working, and the JWKS document and transfer are bounded.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth_internal.h"
#include "check.h"
#include "test_auth_support.h"

static tkey key_a, key_b, key_c;

static sf_status verify_new(auth_verifier *v, const tkey *k, const char *sub, sf_error *e)
{
    auth_principal p;
    char *t = ta_sign(k, ta_header(k->kid), ta_access(sub, 300, NULL));
    sf_status st = ta_verify(v, t, &p, e);
    free(t);
    return st;
}

static auth_verifier *started(jwks_server *s)
{
    auth_config cfg = ta_config(s->url);
    char err[256] = "";
    auth_verifier *v = auth_verifier_new(&cfg, err, sizeof err);
    if (!v || !ta_wait_keys(v, 5000)) {
        fprintf(stderr, "verifier did not start: %s\n", err);
        exit(1);
    }
    return v;
}

static void test_unknown_kid_refetches_once(void)
{
    jwks_server s;
    char *jwks = ta_jwks(&key_a, 1);
    jwks_server_init(&s, jwks);
    free(jwks);
    jwks_server_start(&s);
    auth_verifier *v = started(&s);
    int before = atomic_load(&s.requests);
    sf_error e;
    CHECK(verify_new(v, &key_b, "u1", &e) == SF_UNAUTHENTICATED);
    CHECK_STR(e.code, "invalid-token");
    CHECK(atomic_load(&s.requests) == before + 1);
    /* Within 10 s: other unknown kids are refused without asking the JWKS again. */
    for (int i = 0; i < 5; i++)
        CHECK(verify_new(v, &key_c, "u2", &e) == SF_UNAUTHENTICATED);
    CHECK(atomic_load(&s.requests) == before + 1);
    CHECK(verify_new(v, &key_a, "u3", &e) == SF_OK); /* known kids are unaffected */
    auth_verifier_free(v);
    jwks_server_close(&s);
}

static void test_rotation(void)
{
    jwks_server s;
    char *jwks = ta_jwks(&key_a, 1);
    jwks_server_init(&s, jwks);
    free(jwks);
    jwks_server_start(&s);
    auth_verifier *v = started(&s);
    sf_error e;
    tkey ab[] = {key_a, key_b};
    jwks = ta_jwks(ab, 2);
    jwks_server_set(&s, jwks, 200);
    free(jwks);
    int before = atomic_load(&s.requests);
    CHECK(verify_new(v, &key_b, "r1", &e) == SF_OK); /* new kid: one refetch, accepted */
    CHECK(atomic_load(&s.requests) == before + 1);
    CHECK(verify_new(v, &key_b, "r2", &e) == SF_OK);
    CHECK(verify_new(v, &key_a, "r3", &e) == SF_OK);
    CHECK(atomic_load(&s.requests) == before + 1);
    auth_stats st;
    auth_stats_get(v, &st);
    CHECK(st.keys == 2);

    /* A removed key stops working once a refetch has seen the new set (shortened
     * interval: the 10 s default is covered above). */
    auth_verifier_set_refetch_interval_ms(v, 100);
    tkey bc[] = {key_b, key_c};
    jwks = ta_jwks(bc, 2);
    jwks_server_set(&s, jwks, 200);
    free(jwks);
    usleep(150 * 1000);
    CHECK(verify_new(v, &key_c, "r4", &e) == SF_OK);
    usleep(150 * 1000);
    CHECK(verify_new(v, &key_a, "r5", &e) == SF_UNAUTHENTICATED);
    CHECK(verify_new(v, &key_b, "r6", &e) == SF_OK);
    auth_verifier_free(v);
    jwks_server_close(&s);
}

static void test_down_at_start(void)
{
    jwks_server s;
    char *jwks = ta_jwks(&key_a, 1);
    jwks_server_init(&s, jwks); /* bound, not listening: connections refused */
    free(jwks);
    auth_config cfg = ta_config(s.url);
    char err[256] = "";
    auth_verifier *v = auth_verifier_new(&cfg, err, sizeof err);
    CHECK(v != NULL);
    if (!v)
        return;
    sf_error e;
    CHECK(verify_new(v, &key_a, "d1", &e) == SF_UNAVAILABLE);
    CHECK_STR(e.code, "service-unavailable");
    auth_principal p;
    CHECK(ta_verify(v, "not.a.token", &p, &e) == SF_UNAUTHENTICATED); /* still a 401 */
    CHECK(auth_verify(v, NULL, &p, &e) == SF_UNAUTHENTICATED);
    usleep(300 * 1000);
    auth_stats st;
    auth_stats_get(v, &st);
    CHECK(st.jwks_failures >= 1 && st.keys == 0);

    jwks_server_start(&s);
    CHECK(ta_wait_keys(v, 8000)); /* retried after 1 s, 2 s, ... */
    CHECK(verify_new(v, &key_a, "d2", &e) == SF_OK);
    auth_verifier_free(v);
    jwks_server_close(&s);
}

static void test_down_later(void)
{
    jwks_server s;
    char *jwks = ta_jwks(&key_a, 1);
    jwks_server_init(&s, jwks);
    free(jwks);
    jwks_server_start(&s);
    auth_verifier *v = started(&s);
    auth_verifier_set_refetch_interval_ms(v, 50);
    sf_error e;
    auth_stats before, after;
    auth_stats_get(v, &before);

    jwks_server_set(&s, "{\"error\":\"down\"}", 503);
    CHECK(verify_new(v, &key_b, "l1", &e) == SF_UNAUTHENTICATED); /* refetch fails */
    CHECK_STR(e.code, "invalid-token");
    CHECK(verify_new(v, &key_a, "l2", &e) == SF_OK); /* the old set is kept */
    usleep(100 * 1000);
    jwks_server_set(&s, "{\"keys\":", 200); /* truncated document */
    CHECK(verify_new(v, &key_b, "l3", &e) == SF_UNAUTHENTICATED);
    CHECK(verify_new(v, &key_a, "l4", &e) == SF_OK);
    usleep(100 * 1000);
    jwks_server_set(&s, "", 200);
    CHECK(verify_new(v, &key_b, "l5", &e) == SF_UNAUTHENTICATED);
    CHECK(verify_new(v, &key_a, "l6", &e) == SF_OK);
    auth_stats_get(v, &after);
    CHECK(after.jwks_failures == before.jwks_failures + 3);
    CHECK(after.keys == 1);
    auth_verifier_free(v);
    jwks_server_close(&s);
}

static void test_transfer_limits(void)
{
    jwks_server s;
    /* Over 64 KiB: refused even though it would parse. */
    char *jwks = ta_jwks(&key_a, 1);
    size_t big = 70 * 1024;
    char *body = malloc(big + strlen(jwks) + 32);
    int n = sprintf(body, "{\"pad\":\"");
    memset(body + n, 'x', big);
    sprintf(body + n + big, "\",%s", jwks + 1);
    jwks_server_init(&s, body);
    free(body);
    jwks_server_start(&s);
    auth_config cfg = ta_config(s.url);
    char err[256];
    auth_verifier *v = auth_verifier_new(&cfg, err, sizeof err);
    CHECK(!ta_wait_keys(v, 500));
    auth_stats st;
    auth_stats_get(v, &st);
    CHECK(st.jwks_failures >= 1 && st.keys == 0);
    auth_verifier_free(v);

    /* A redirect to another scheme is not followed. */
    jwks_server_set(&s, jwks, 302);
    jwks_server_headers(&s, "Location: file:///etc/passwd\r\n");
    v = auth_verifier_new(&cfg, err, sizeof err);
    CHECK(!ta_wait_keys(v, 500));
    auth_stats_get(v, &st);
    CHECK(st.jwks_failures >= 1 && st.keys == 0);
    auth_verifier_free(v);
    jwks_server_close(&s);
    free(jwks);

    /* https only unless allowed, whatever the case of the scheme. */
    cfg = ta_config("HTTP://127.0.0.1:1/jwks.json");
    cfg.allow_http_jwks = false;
    err[0] = '\0';
    CHECK(auth_verifier_new(&cfg, err, sizeof err) == NULL && strstr(err, "https://"));
    cfg = ta_config("https://127.0.0.1:1/jwks json");
    CHECK(auth_verifier_new(&cfg, err, sizeof err) == NULL);
}

static void test_key_filtering(void)
{
    tkey small = ta_key("k1024", 1024);
    json_t *keys = json_array();
    json_array_append_new(keys, ta_jwk(&small, NULL));
    tkey enc = key_b, rs512 = key_c, noalg = key_c;
    snprintf(enc.kid, sizeof enc.kid, "enc");
    snprintf(rs512.kid, sizeof rs512.kid, "rs512");
    snprintf(noalg.kid, sizeof noalg.kid, "noalg");
    json_t *k = ta_jwk(&enc, NULL);
    json_object_set_new(k, "use", json_string("enc"));
    json_array_append_new(keys, k);
    k = ta_jwk(&rs512, NULL);
    json_object_set_new(k, "alg", json_string("RS512"));
    json_array_append_new(keys, k);
    k = ta_jwk(&noalg, NULL);
    json_object_del(k, "alg");
    json_object_del(k, "use");
    json_array_append_new(keys, k);
    k = ta_jwk(&key_a, NULL);
    json_object_set_new(k, "kty", json_string("EC"));
    json_array_append_new(keys, k);
    json_array_append_new(keys, ta_jwk(&key_a, NULL));
    json_array_append_new(keys, ta_jwk(&key_a, NULL)); /* duplicate kid: first kept */
    k = ta_jwk(&key_b, NULL);
    json_object_set_new(k, "kid", json_string("bad\nkid"));
    json_array_append_new(keys, k);
    k = ta_jwk(&key_b, NULL);
    json_object_set_new(k, "kid", json_string("even-e"));
    json_object_set_new(k, "e", json_string("AQAA"));
    json_array_append_new(keys, k);
    json_array_append_new(keys, json_string("not a key"));
    json_t *doc = json_pack("{s:o}", "keys", keys);
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);

    char err[256] = "";
    auth_keyset *ks = auth_keyset_parse(text, strlen(text), err, sizeof err);
    CHECK(ks && ks->nkeys == 2);
    if (ks) {
        CHECK(auth_keyset_find(ks, "kA") != NULL);
        CHECK(auth_keyset_find(ks, "noalg") != NULL); /* use and alg may be absent */
        CHECK(auth_keyset_find(ks, "k1024") == NULL);
        CHECK(auth_keyset_find(ks, "enc") == NULL);
        CHECK(auth_keyset_find(ks, "rs512") == NULL);
        CHECK(auth_keyset_find(ks, "even-e") == NULL);
    }
    auth_keyset_unref(ks);
    free(text);
    CHECK(auth_keyset_parse("[]", 2, err, sizeof err) == NULL);
    CHECK(auth_keyset_parse("{\"keys\":{}}", 11, err, sizeof err) == NULL);
    const char *dup = "{\"keys\":[],\"keys\":[]}";
    CHECK(auth_keyset_parse(dup, strlen(dup), err, sizeof err) == NULL);
    ks = auth_keyset_parse("{\"keys\":[]}", 11, err, sizeof err);
    CHECK(ks && ks->nkeys == 0); /* well-formed and empty: the issuer's word */
    auth_keyset_unref(ks);

    /* And end to end: a token from the 1024-bit key is refused even with its kid listed. */
    jwks_server s;
    tkey both[] = {small, key_a};
    char *jwks = ta_jwks(both, 2);
    jwks_server_init(&s, jwks);
    free(jwks);
    jwks_server_start(&s);
    auth_verifier *v = started(&s);
    sf_error e;
    CHECK(verify_new(v, &small, "s1", &e) == SF_UNAUTHENTICATED);
    CHECK(verify_new(v, &key_a, "s2", &e) == SF_OK);
    auth_verifier_free(v);
    jwks_server_close(&s);
    EVP_PKEY_free(small.pkey);
}

int main(void)
{
    key_a = ta_key("kA", 2048);
    key_b = ta_key("kB", 2048);
    key_c = ta_key("kC", 3072);

    test_unknown_kid_refetches_once();
    test_rotation();
    test_down_at_start();
    test_down_later();
    test_transfer_limits();
    test_key_filtering();

    EVP_PKEY_free(key_a.pkey);
    EVP_PKEY_free(key_b.pkey);
    EVP_PKEY_free(key_c.pkey);
    return check_done();
}
