/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef WGC_ADDR_H
#define WGC_ADDR_H

/**
 * @file
 * The address types every wgc library uses: an IP address, a UDP endpoint
 * and a prefix. The family is AF_INET or AF_INET6 (0: none); the address
 * bytes are in network order; an endpoint's port is in host order.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <rte_byteorder.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Longest text form: "[v6]:port" or "v6/len", with the NUL. */
#define WGC_ADDR_STR_LEN 64

/** An IPv4 or IPv6 address (network byte order). */
struct wgc_addr {
	uint8_t family;      /**< AF_INET or AF_INET6; 0 = none */
	uint8_t pad[3];
	union {
		struct in_addr v4;
		struct in6_addr v6;
		rte_be32_t ip4;      /**< IPv4 as one word */
		uint8_t bytes[16];   /**< IPv4 in the first 4 bytes */
	};
};

/** A UDP endpoint (24 bytes). */
struct wgc_endpoint {
	struct wgc_addr addr; /**< family 0 = no endpoint */
	uint16_t port;        /**< host byte order */
	uint16_t pad;
};

/** An address with a prefix length. */
struct wgc_prefix {
	struct wgc_addr addr;
	uint8_t len;          /**< 0..32 or 0..128 */
	uint8_t pad[3];
};

/** Bytes of the address of @p family: 4, 16, or 0 if unknown. */
static inline unsigned int
wgc_addr_len(uint8_t family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

/** Set an IPv4 address (the 12 bytes after it are zeroed). */
static inline void
wgc_addr_set4(struct wgc_addr *a, rte_be32_t ip4)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	a->ip4 = ip4;
}

/** True if two addresses are the same (family and address bytes). */
static inline bool
wgc_addr_equal(const struct wgc_addr *a, const struct wgc_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->ip4 == b->ip4;
	return a->family != AF_INET6 || memcmp(a->bytes, b->bytes, 16) == 0;
}

/** True if two endpoints are the same (family, address and port). */
static inline bool
wgc_endpoint_equal(const struct wgc_endpoint *a, const struct wgc_endpoint *b)
{
	return a->port == b->port && wgc_addr_equal(&a->addr, &b->addr);
}

/**
 * Fill @p ss from @p e. Any thread.
 *
 * @return the sockaddr's length, or 0 if @p e has no family.
 */
socklen_t wgc_endpoint_to_sockaddr(const struct wgc_endpoint *e,
		struct sockaddr_storage *ss);

/** Parse a bare IPv4 or IPv6 address (inet_pton strict). 0 or -1. */
int wgc_addr_parse(struct wgc_addr *a, const char *s);

/** Format an address ("(none)" without a family); returns @p buf. */
char *wgc_addr_format(const struct wgc_addr *a, char *buf, size_t len);

/** Prefix parse modes. */
enum wgc_prefix_mode {
	WGC_PREFIX_ROUTE,   /**< allowed IP: clear host bits, "/len" optional */
	WGC_PREFIX_STRICT,  /**< route: host bits set is an error */
	WGC_PREFIX_IFADDR,  /**< interface address: keep host bits, need /len */
};

/**
 * Parse "a.b.c.d/len" or "v6/len". Any thread.
 *
 * @return 0, or -1 with a reason in @p why (static string) if non-NULL.
 */
int wgc_prefix_parse(struct wgc_prefix *c, const char *s,
		enum wgc_prefix_mode mode, const char **why);

/** Format "addr/len"; returns @p buf. Any thread. */
char *wgc_prefix_format(const struct wgc_prefix *c, char *buf, size_t len);

/** True if two prefixes are the same (family, length, masked bits). */
bool wgc_prefix_equal(const struct wgc_prefix *a, const struct wgc_prefix *b);

/** Clear the host bits of @p c. Any thread. */
void wgc_prefix_normalise(struct wgc_prefix *c);

/**
 * Parse "a.b.c.d:port" or "[v6]:port" (no host names; port 1..65535;
 * v6 zone ids are rejected). Any thread.
 *
 * @return 0, or -1 with a reason in @p why if non-NULL.
 */
int wgc_endpoint_parse(struct wgc_endpoint *e, const char *s,
		const char **why);

/**
 * Parse a bare IPv4 or IPv6 address (port 0) or an endpoint as
 * wgc_endpoint_parse() does: "a.b.c.d", "v6", "a.b.c.d:port",
 * "[v6]:port", for inputs whose port is optional. Any thread.
 *
 * @return 0, or -1 with a reason in @p why if non-NULL.
 */
int wgc_endpoint_parse_lenient(struct wgc_endpoint *e, const char *s,
		const char **why);

/** Format "a.b.c.d:port" or "[v6]:port"; returns @p buf. Any thread. */
char *wgc_endpoint_format(const struct wgc_endpoint *e, char *buf,
		size_t len);

#ifdef __cplusplus
}
#endif

#endif /* WGC_ADDR_H */
