/*
 * webhook_target.c — which URLs a webhook may call (see webhooks.h, docs/webhooks.md).
 *
 * Why: a webhook URL is a request the server makes on a staff member's behalf, from
 * inside the network. Without a guard it reaches the cloud metadata service
 * (169.254.169.254), the database, or any internal admin page (SSRF). So the host is
 * resolved and EVERY address it resolves to must be public, at registration and again
 * before every delivery (DNS answers change); the sender then pins the connection to
 * the address checked here (CURLOPT_RESOLVE), so a rebinding DNS server cannot hand
 * curl a different one between the check and the connect, and never follows redirects.
 * IPv6 forms that carry an IPv4 address (mapped ::ffff:a.b.c.d, compatible ::a.b.c.d,
 * NAT64 64:ff9b::/96, 6to4 2002::/16) are judged by the IPv4 address inside.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storefront/webhooks.h"

#define URL_MAX 2048

static bool v4_public(uint32_t a);
static bool v6_public(const unsigned char *b);
static sf_status refuse(sf_error *e, const char *field, const char *msg);

bool svc_webhook_addr_public(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return v4_public(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
    if (sa->sa_family == AF_INET6)
        return v6_public(((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr);
    return false;
}

bool svc_webhook_ip_public(const char *ip)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (ip && inet_pton(AF_INET, ip, &a4) == 1)
        return v4_public(ntohl(a4.s_addr));
    if (ip && inet_pton(AF_INET6, ip, &a6) == 1)
        return v6_public(a6.s6_addr);
    return false;
}

/* a in host order. */
static bool v4_public(uint32_t a)
{
    static const struct {
        uint32_t net, mask;
    } blocked[] = {
        {0x00000000, 0xFF000000}, /* 0/8 "this network", incl. 0.0.0.0 */
        {0x0A000000, 0xFF000000}, /* 10/8 private */
        {0x64400000, 0xFFC00000}, /* 100.64/10 carrier-grade NAT */
        {0x7F000000, 0xFF000000}, /* 127/8 loopback */
        {0xA9FE0000, 0xFFFF0000}, /* 169.254/16 link-local, the metadata service */
        {0xAC100000, 0xFFF00000}, /* 172.16/12 private */
        {0xC0000000, 0xFFFFFF00}, /* 192.0.0/24 IETF protocol assignments */
        {0xC0000200, 0xFFFFFF00}, /* 192.0.2/24 documentation */
        {0xC0A80000, 0xFFFF0000}, /* 192.168/16 private */
        {0xC6120000, 0xFFFE0000}, /* 198.18/15 benchmarking */
        {0xC6336400, 0xFFFFFF00}, /* 198.51.100/24 documentation */
        {0xCB007100, 0xFFFFFF00}, /* 203.0.113/24 documentation */
        {0xE0000000, 0xF0000000}, /* 224/4 multicast */
        {0xF0000000, 0xF0000000}, /* 240/4 reserved, incl. 255.255.255.255 */
    };
    for (size_t i = 0; i < sizeof blocked / sizeof blocked[0]; i++)
        if ((a & blocked[i].mask) == blocked[i].net)
            return false;
    return true;
}

static uint32_t v4_at(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static bool v6_public(const unsigned char *b)
{
    static const unsigned char zero10[10] = {0};
    /* ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible; :: and ::1 land here too). */
    if (memcmp(b, zero10, 10) == 0 && ((b[10] == 0xFF && b[11] == 0xFF) || (b[10] | b[11]) == 0))
        return (b[10] == 0xFF) ? v4_public(v4_at(b + 12)) : false;
    /* 64:ff9b::/96 NAT64: the IPv4 address is the last 32 bits. */
    static const unsigned char nat64[12] = {0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0};
    if (memcmp(b, nat64, 12) == 0)
        return v4_public(v4_at(b + 12));
    /* 2002::/16 6to4: the IPv4 address is bits 16..47. */
    if (b[0] == 0x20 && b[1] == 0x02)
        return v4_public(v4_at(b + 2));
    if ((b[0] & 0xFE) == 0xFC) /* fc00::/7 unique local */
        return false;
    if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) /* fe80::/10 link-local */
        return false;
    if (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0) /* fec0::/10 site-local (deprecated) */
        return false;
    if (b[0] == 0xFF) /* ff00::/8 multicast */
        return false;
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8) /* 2001:db8::/32 docs */
        return false;
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0) /* 2001::/32 Teredo */
        return false;
    if (b[0] == 0x01 && b[1] == 0 && memcmp(b + 2, zero10, 6) == 0) /* 100::/64 discard */
        return false;
    return true;
}

static sf_status refuse(sf_error *e, const char *field, const char *msg)
{
    sf_field_fail(e, field, "%s", msg);
    return SF_INVALID;
}

sf_status svc_webhook_target_check(const char *url, bool allow_private, const char *field,
                                   svc_webhook_target *t, sf_error *e)
{
    size_t n = url ? strlen(url) : 0;
    if (n == 0 || n > URL_MAX)
        return refuse(e, field, "must be an https URL of at most 2048 characters");
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)url[i];
        if (ch <= 0x20 || ch >= 0x7F)
            return refuse(e, field, "must be an https URL without spaces or control characters");
    }
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL, *frag = NULL;
    sf_status s = SF_OK;
    if (!u) {
        return sf_fail(e, SF_INTERNAL, NULL, "out of memory");
    }
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        s = refuse(e, field, "is not a valid absolute URL");
        goto out;
    }
    bool https = strcmp(scheme, "https") == 0;
    if (!https && strcmp(scheme, "http") != 0) {
        s = refuse(e, field, "must use https");
        goto out;
    }
    if (!https && !allow_private) {
        s = refuse(e, field,
                   "must use https (http only with WEBHOOK_ALLOW_PRIVATE_TARGETS=1, "
                   "in development)");
        goto out;
    }
    if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK && user) {
        s = refuse(e, field, "must not contain a user name or password");
        goto out;
    }
    if (curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0) == CURLUE_OK && frag) {
        s = refuse(e, field, "must not contain a #fragment");
        goto out;
    }
    int portnum = https ? 443 : 80;
    if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK && port)
        portnum = atoi(port);
    /* An IPv6 literal comes back in brackets. */
    char h[256];
    size_t hl = strlen(host);
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
        if (hl - 2 >= sizeof h) {
            s = refuse(e, field, "has a host name that is too long");
            goto out;
        }
        memcpy(h, host + 1, hl - 2);
        h[hl - 2] = '\0';
        char *zone = strchr(h, '%');
        if (zone) {
            s = refuse(e, field, "must not name an IPv6 zone");
            goto out;
        }
    } else if (hl == 0 || hl >= sizeof h) {
        s = refuse(e, field, "has a missing or too long host name");
        goto out;
    } else {
        memcpy(h, host, hl + 1);
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int rc = getaddrinfo(h, NULL, &hints, &res);
    if (rc != 0 || !res) {
        s = refuse(e, field, "names a host that does not resolve");
        goto out;
    }
    char first[64] = "";
    bool first_v6 = false;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
            continue;
        if (!allow_private && !svc_webhook_addr_public(ai->ai_addr)) {
            s = refuse(e, field,
                       "resolves to a loopback, private, link-local or otherwise internal "
                       "address, which webhooks may not call");
            break;
        }
        if (!first[0]) {
            const void *src = ai->ai_family == AF_INET
                                  ? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
                                  : (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
            inet_ntop(ai->ai_family, src, first, sizeof first);
            first_v6 = ai->ai_family == AF_INET6;
        }
    }
    freeaddrinfo(res);
    if (s == SF_OK && !first[0])
        s = refuse(e, field, "names a host that does not resolve");
    if (s == SF_OK && t) {
        snprintf(t->host, sizeof t->host, "%s", h);
        t->port = portnum;
        snprintf(t->address, sizeof t->address, "%s", first);
        t->ipv6 = first_v6;
    }
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(user);
    curl_free(frag);
    curl_url_cleanup(u);
    return s;
}
