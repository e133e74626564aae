/*
 * client_addr.c — who is calling: the peer address, or the address a trusted chain of
 * proxies (TRUSTED_PROXY_HOPS) recorded in X-Forwarded-For. Entries left of the trusted
 * ones were written by the client itself and are never believed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "http/http.h"

static bool peer_addr(const http_ctx *c, char *out, size_t outlen);
static bool nth_from_right(const char *xff, int n, char *out, size_t outlen);

bool http_client_addr(const http_ctx *c, char *out, size_t outlen)
{
    out[0] = '\0';
    int hops = c->app->cfg.trusted_proxy_hops;
    if (hops > 0) {
        const char *xff = u_map_get_case(c->req->map_header, "X-Forwarded-For");
        if (xff && nth_from_right(xff, hops, out, outlen))
            return true;
    }
    return peer_addr(c, out, outlen);
}

static bool peer_addr(const http_ctx *c, char *out, size_t outlen)
{
    const struct sockaddr *sa = c->req->client_address;
    if (!sa || outlen < INET6_ADDRSTRLEN)
        return false;
    if (sa->sa_family == AF_INET)
        return inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                         (socklen_t)outlen) != NULL;
    if (sa->sa_family == AF_INET6)
        return inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                         (socklen_t)outlen) != NULL;
    return false;
}

/* The n-th comma-separated entry from the right (n = 1: the last), trimmed, if it is
 * an IPv4 or IPv6 address. */
static bool nth_from_right(const char *xff, int n, char *out, size_t outlen)
{
    const char *end = xff + strlen(xff);
    for (int i = 1; i <= n; i++) {
        const char *start = end;
        while (start > xff && start[-1] != ',')
            start--;
        if (i == n) {
            while (start < end && (*start == ' ' || *start == '\t'))
                start++;
            while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
                end--;
            size_t len = (size_t)(end - start);
            char buf[INET6_ADDRSTRLEN];
            unsigned char bin[16];
            if (len == 0 || len >= sizeof buf || len >= outlen)
                return false;
            memcpy(buf, start, len);
            buf[len] = '\0';
            if (inet_pton(AF_INET, buf, bin) != 1 && inet_pton(AF_INET6, buf, bin) != 1)
                return false;
            memcpy(out, buf, len + 1);
            return true;
        }
        if (start == xff)
            return false; /* fewer entries than trusted hops */
        end = start - 1;
    }
    return false;
}
