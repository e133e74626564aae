/*
 * ip.c — cs_ip_truncate: the client address as stored with an event. Only the network
 * part is kept (IPv4 /24, IPv6 /48), enough for coarse geography and abuse analysis,
 * not enough to single out a household.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "storefront/clickstream.h"

bool cs_ip_truncate(const char *ip, char *out, size_t outlen)
{
    if (outlen)
        out[0] = '\0';
    if (!ip || outlen < INET6_ADDRSTRLEN)
        return false;
    unsigned char b[16];
    if (inet_pton(AF_INET, ip, b) == 1) {
        snprintf(out, outlen, "%u.%u.%u.0", b[0], b[1], b[2]);
        return true;
    }
    if (inet_pton(AF_INET6, ip, b) != 1)
        return false;
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(b, mapped, sizeof mapped) == 0) {
        /* ::ffff:a.b.c.d is an IPv4 client reached over a dual-stack socket. */
        snprintf(out, outlen, "%u.%u.%u.0", b[12], b[13], b[14]);
        return true;
    }
    memset(b + 6, 0, 10);
    return inet_ntop(AF_INET6, b, out, (socklen_t)outlen) != NULL;
}
