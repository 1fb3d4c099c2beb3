/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _PL_PRIVATE_H_
#define _PL_PRIVATE_H_

/*
 * lib/pipeline internals shared by its files:
 *   wgc_pipeline.c   workers, the handshake stage, life cycle
 *   pl_inner.c       inner packets above the tunnel MTU (ICMP errors back
 *                    to the sender, rate-limited) and TCP MSS clamping
 */

#include <stdbool.h>
#include <stdint.h>

#include "wgc_iobuf.h"
#include "wgc_pipeline.h"

/* ICMP errors per second and burst of a pipeline (all workers together),
 * as Linux's net.ipv4.icmp_msgs_per_sec / icmp_msgs_burst */
#define PL_ICMP_RATE 1000
#define PL_ICMP_BURST 50

/* largest ICMP error we build: RFC 1812 (IPv4), RFC 4443 (IPv6) */
#define PL_ICMP4_MAX 576
#define PL_ICMP6_MAX 1280

/* a token bucket in nanoseconds of credit (one lcore only) */
struct pl_bucket {
	uint64_t credit;        /* ns of credit, at most cap */
	uint64_t cap;           /* burst * cost */
	uint64_t cost;          /* ns per token */
	uint64_t last;          /* time of the last refill */
};

/* rate tokens per second, burst at most; full at `now` */
void pl_bucket_init(struct pl_bucket *b, uint32_t rate, uint32_t burst,
		uint64_t now);

/* take one token if there is one */
bool pl_bucket_take(struct pl_bucket *b, uint64_t now);

/*
 * An inner packet (view at its IP header) longer than the tunnel MTU:
 * counted as a drop (too_big; IPv4 without DF: too_big_no_df). When an
 * error is due (IPv4 with DF: "fragmentation needed", IPv6: "packet too
 * big"; never about an ICMP error, a non-first fragment or a multicast /
 * broadcast / unspecified address) and the bucket allows it, the error is
 * built in place in v's buffer, claimed into *icmp, counted (icmp_tx) and
 * 1 is returned; otherwise v is released (icmp_rate_limited when the
 * bucket said no) and 0 is returned. Worker only.
 */
unsigned int pl_inner_too_big(const struct wgc_pipeline_conf *c,
		struct pl_bucket *b, struct wgc_pipeline_stats *st,
		struct wgc_view *v, uint64_t now, struct wgc_view *icmp);

/*
 * Clamp the MSS option of a TCP SYN (or SYN-ACK) in the IP packet at ip
 * (len bytes) to mss4 (IPv4) / mss6 (IPv6; 0: leave that family alone),
 * updating the TCP checksum incrementally (RFC 1624). Fragments, IPv6
 * with extension headers, truncated headers and malformed options are
 * left alone; nothing is read past ip + len.
 *
 * @return true if the MSS was lowered.
 */
bool pl_mss_clamp(uint8_t *ip, uint32_t len, uint16_t mss4, uint16_t mss6);

#endif /* _PL_PRIVATE_H_ */
