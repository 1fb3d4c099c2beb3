/* SPDX-License-Identifier: BSD-3-Clause */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "wgc_tun.h"

RTE_LOG_REGISTER(wgc_logtype_tun, wgc.tun, INFO);
#define TUN_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, wgc_logtype_tun, \
		"wgc.tun: " fmt "\n", ##__VA_ARGS__)

/*
 * Offload mode: a read lands in a default-pool buffer when it fits (every
 * plain packet: no extra copy) and spills into the queue's scratch buffer
 * otherwise; a super-packet is then made contiguous at the scratch's start
 * and split from there. Big enough for the largest GSO packet the TUN
 * sends (gso_max_size 64 KiB) plus IP/TCP headers.
 */
#define TUN_SCRATCH_SIZE (65536 + 1024)

struct tun_queue {
	int fd;
	uint8_t *scratch;       /* offload mode only */
	struct wgc_tun_gso gso; /* super-packet being split */
	struct wgc_tun_stats st;
} __rte_cache_aligned;

struct wgc_tun {
	char name[IFNAMSIZ];
	int ifindex;
	uint16_t nb_queues;
	bool offload;           /* IFF_VNET_HDR + TUNSETOFFLOAD */
	unsigned int features;  /* TUN_F_* accepted by the kernel */
	struct wgc_recycler *recycler;
	struct tun_queue q[WGC_TUN_QUEUES_MAX];
};

static int
tun_queue_open(const char *name, char *actual, bool vnet)
{
	struct ifreq ifr;
	int fd, flags;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE;
	if (vnet)
		ifr.ifr_flags |= IFF_VNET_HDR;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	snprintf(actual, IFNAMSIZ, "%s", ifr.ifr_name);
	return fd;
}

/* the virtio_net_hdr size and the offloads; USO only if the kernel has it */
static int
tun_set_offload(int fd, unsigned int *features)
{
	const unsigned int base = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
	const unsigned int uso = TUN_F_USO4 | TUN_F_USO6;
	int sz = (int)sizeof(struct virtio_net_hdr);

	if (ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0)
		return -errno;
	if (ioctl(fd, TUNSETOFFLOAD, base | uso) == 0) {
		*features = base | uso;
		return 0;
	}
	if (ioctl(fd, TUNSETOFFLOAD, base) == 0) {
		*features = base;
		return 0;
	}
	return -errno;
}

/* queue 0 creates the device: with offloads if asked and possible */
static int
tun_first_queue(struct wgc_tun *t, bool offload)
{
	int fd, rc;

	if (offload) {
		fd = tun_queue_open(t->name, t->name, true);
		if (fd >= 0) {
			rc = tun_set_offload(fd, &t->features);
			if (rc == 0) {
				t->offload = true;
				return fd;
			}
			close(fd);
		} else {
			rc = fd;
		}
		TUN_LOG(WARNING, "%s: IFF_VNET_HDR offloads unavailable (%s): "
			"plain packets", t->name, strerror(-rc));
	}
	t->offload = false;
	t->features = 0;
	return tun_queue_open(t->name, t->name, false);
}

static int
ifreq_ioctl(unsigned long req, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc = 0;

	if (s < 0)
		return -errno;
	if (ioctl(s, req, ifr) < 0)
		rc = -errno;
	close(s);
	return rc;
}

/* RTM_NEWADDR over rtnetlink; waits for the kernel's acknowledgement */
static int
nl_add_addr(int ifindex, const struct wgc_prefix *a)
{
	struct {
		struct nlmsghdr nh;
		struct ifaddrmsg ifa;
		char attrs[64];
	} req;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	unsigned int alen = wgc_addr_len(a->addr.family);
	char buf[512];
	struct rtattr *rta;
	struct nlmsghdr *nh;
	int s, rc = 0;
	ssize_t n;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifa));
	req.nh.nlmsg_type = RTM_NEWADDR;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE |
		NLM_F_EXCL;
	req.nh.nlmsg_seq = 1;
	req.ifa.ifa_family = a->addr.family;
	req.ifa.ifa_prefixlen = a->len;
	req.ifa.ifa_index = ifindex;
	rta = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.nh.nlmsg_len));
	rta->rta_type = IFA_LOCAL;
	rta->rta_len = RTA_LENGTH(alen);
	memcpy(RTA_DATA(rta), a->addr.bytes, alen);
	req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
	rta = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.nh.nlmsg_len));
	rta->rta_type = IFA_ADDRESS;
	rta->rta_len = RTA_LENGTH(alen);
	memcpy(RTA_DATA(rta), a->addr.bytes, alen);
	req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);

	s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (s < 0)
		return -errno;
	if (sendto(s, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&sa,
			sizeof(sa)) < 0) {
		rc = -errno;
		goto out;
	}
	n = recv(s, buf, sizeof(buf), 0);
	if (n < 0) {
		rc = -errno;
		goto out;
	}
	nh = (struct nlmsghdr *)buf;
	if (NLMSG_OK(nh, (size_t)n) && nh->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr *e = NLMSG_DATA(nh);

		rc = e->error;
	}
out:
	close(s);
	return rc;
}

struct wgc_tun *
wgc_tun_open(const struct wgc_tun_conf *conf)
{
	struct wgc_tun *t;
	struct ifreq ifr;
	unsigned int i;
	int rc;

	if (conf == NULL || conf->name == NULL ||
			strlen(conf->name) >= IFNAMSIZ || conf->nb_queues == 0 ||
			conf->nb_queues > WGC_TUN_QUEUES_MAX ||
			conf->nb_addrs > WGC_TUN_ADDRS_MAX ||
			conf->recycler == NULL ||
			wgc_recycler_mempool(conf->recycler) == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	t = rte_zmalloc("wgc_tun", sizeof(*t), RTE_CACHE_LINE_SIZE);
	if (t == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	t->recycler = conf->recycler;
	for (i = 0; i < WGC_TUN_QUEUES_MAX; i++)
		t->q[i].fd = -1;
	snprintf(t->name, sizeof(t->name), "%s", conf->name);
	for (i = 0; i < conf->nb_queues; i++) {
		if (i == 0)
			rc = tun_first_queue(t, conf->offload);
		else
			rc = tun_queue_open(t->name, t->name, t->offload);
		if (rc < 0) {
			TUN_LOG(ERR, "%s: queue %u: %s", conf->name, i,
				strerror(-rc));
			goto fail;
		}
		t->q[i].fd = rc;
		t->nb_queues++;
		if (t->offload) {
			t->q[i].scratch = rte_malloc("wgc_tun_scratch",
				TUN_SCRATCH_SIZE, RTE_CACHE_LINE_SIZE);
			if (t->q[i].scratch == NULL) {
				rc = -ENOMEM;
				goto fail;
			}
		}
	}
	t->ifindex = (int)if_nametoindex(t->name);
	if (t->ifindex == 0) {
		rc = -errno;
		goto fail;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", t->name);
	if (conf->mtu != 0) {
		ifr.ifr_mtu = conf->mtu;
		rc = ifreq_ioctl(SIOCSIFMTU, &ifr);
		if (rc < 0) {
			TUN_LOG(ERR, "%s: MTU %u: %s", t->name, conf->mtu,
				strerror(-rc));
			goto fail;
		}
	}
	/* up before addresses: IPv6 addresses need the link up */
	rc = ifreq_ioctl(SIOCGIFFLAGS, &ifr);
	if (rc == 0) {
		ifr.ifr_flags |= IFF_UP;
		rc = ifreq_ioctl(SIOCSIFFLAGS, &ifr);
	}
	if (rc < 0) {
		TUN_LOG(ERR, "%s: link up: %s", t->name, strerror(-rc));
		goto fail;
	}
	for (i = 0; i < conf->nb_addrs; i++) {
		const struct wgc_prefix *a = &conf->addrs[i];

		if (wgc_addr_len(a->addr.family) == 0 ||
				a->len > wgc_addr_len(a->addr.family) * 8) {
			rc = -EINVAL;
			goto fail;
		}
		rc = nl_add_addr(t->ifindex, a);
		if (rc < 0 && rc != -EEXIST) {
			TUN_LOG(ERR, "%s: address %u: %s", t->name, i,
				strerror(-rc));
			goto fail;
		}
	}
	TUN_LOG(INFO, "%s: ifindex %d, %u queues, MTU %u, %u addresses, "
		"offloads %s%s", t->name, t->ifindex, t->nb_queues, conf->mtu,
		conf->nb_addrs, t->offload ? "csum tso4 tso6" : "off",
		(t->features & TUN_F_USO4) ? " uso4 uso6" : "");
	return t;
fail:
	wgc_tun_close(t);
	rte_errno = -rc;
	return NULL;
}

void
wgc_tun_close(struct wgc_tun *t)
{
	unsigned int i;

	if (t == NULL)
		return;
	for (i = 0; i < WGC_TUN_QUEUES_MAX; i++) {
		if (t->q[i].fd >= 0)
			close(t->q[i].fd);
		rte_free(t->q[i].scratch);
	}
	rte_free(t);
}

/*
 * Offload mode RX: finish the super-packet being split, then read. Each
 * read is scattered: virtio_net_hdr, then a default-pool buffer, then the
 * queue's scratch. A plain packet stays in its buffer (a partial checksum
 * is completed there); a super-packet is gathered at the scratch's start
 * and split into new buffers. One that does not fit in this burst is
 * continued at the next poll.
 */
static uint16_t
tun_rx_vnet(struct wgc_tun *t, struct tun_queue *q, struct wgc_view *v,
		uint16_t n)
{
	struct wgc_view spare[WGC_IOBUF_BURST_MAX];
	struct virtio_net_hdr h;
	struct iovec iov[3];
	uint16_t got = 0, ns, si = 0, plain = 0;
	uint64_t bytes = 0;

	if (wgc_tun_gso_pending(&q->gso)) {
		got = wgc_tun_gso_next(&q->gso, t->recycler, v, n, &q->st);
		if (wgc_tun_gso_pending(&q->gso))
			return got;
	}
	ns = n - got;
	if (ns == 0)
		return got;
	if (wgc_view_alloc_bulk(t->recycler, spare, ns) != ns) {
		q->st.rx_nobuf++;
		return got;
	}
	while (got < n && si < ns) {
		struct wgc_view *s = &spare[si];
		uint32_t room = s->tailroom > 16 ? s->tailroom - 16u : 0;
		uint32_t len;
		ssize_t r;

		room = RTE_MIN(room, (uint32_t)TUN_SCRATCH_SIZE);
		iov[0].iov_base = &h;
		iov[0].iov_len = sizeof(h);
		iov[1].iov_base = s->data;
		iov[1].iov_len = room;
		iov[2].iov_base = q->scratch + room;
		iov[2].iov_len = TUN_SCRATCH_SIZE - room;
		r = readv(q->fd, iov, 3);
		if (r <= 0) {
			if (r < 0 && errno != EAGAIN && errno != EINTR)
				q->st.rx_errors++;
			break;
		}
		if ((size_t)r < sizeof(h)) {
			q->st.rx_errors++;
			continue;
		}
		len = (uint32_t)r - sizeof(h);
		if (h.gso_type == VIRTIO_NET_HDR_GSO_NONE) {
			if (len > room) {
				q->st.rx_too_big++;
				continue;
			}
			if (wgc_tun_vnet_rx(&h, s->data, len, room, &q->gso,
					&q->st) != 0)
				continue;
			wgc_view_append(s, (uint16_t)len);
			bytes += len;
			plain++;
			wgc_view_claim(&v[got++], s);
			si++;
			continue;
		}
		if (len >= TUN_SCRATCH_SIZE) {
			q->st.rx_too_big++;
			continue;
		}
		memcpy(q->scratch, s->data, RTE_MIN(len, room));
		if (wgc_tun_vnet_rx(&h, q->scratch, len, room, &q->gso,
				&q->st) != 1)
			continue;
		got += wgc_tun_gso_next(&q->gso, t->recycler, v + got,
			n - got, &q->st);
		if (wgc_tun_gso_pending(&q->gso))
			break;
	}
	wgc_view_release_all(spare, ns);
	q->st.rx_packets += plain;
	q->st.rx_bytes += bytes;
	return got;
}

uint16_t
wgc_tun_rx_burst(struct wgc_tun *t, uint16_t qid, struct wgc_view *v,
		uint16_t n)
{
	struct tun_queue *q = &t->q[qid];
	struct wgc_view spare[WGC_IOBUF_BURST_MAX];
	uint16_t got = 0, i;
	uint64_t bytes = 0;

	/* one bulk allocation per poll, returned unused: the pool's per-lcore
	 * cache makes this a couple of pointer copies */
	n = RTE_MIN(n, (uint16_t)WGC_IOBUF_BURST_MAX);
	if (t->offload)
		return tun_rx_vnet(t, q, v, n);
	if (wgc_view_alloc_bulk(t->recycler, spare, n) != n) {
		q->st.rx_nobuf++;
		return 0;
	}
	for (i = 0; i < n; i++) {
		struct wgc_view *s = &spare[i];
		uint32_t room = s->tailroom > 16 ? s->tailroom - 16u : 0;
		ssize_t r = read(q->fd, s->data, room);

		if (r <= 0) {
			if (r < 0 && errno != EAGAIN && errno != EINTR)
				q->st.rx_errors++;
			break;
		}
		wgc_view_append(s, (uint16_t)r);
		bytes += (uint64_t)r;
		wgc_view_claim(&v[got++], s);
	}
	wgc_view_release_all(spare + got, n - got);
	q->st.rx_packets += got;
	q->st.rx_bytes += bytes;
	return got;
}

/*
 * Offload mode TX: runs of consecutive segments of one TCP flow go to the
 * kernel as one GSO packet (wgc_tun_gro(): one writev of the first
 * packet and the others' payloads, no copy); everything else behind a
 * zero virtio_net_hdr.
 */
static void
tun_tx_vnet(struct tun_queue *q, struct wgc_view *v, uint16_t n)
{
	struct iovec iov[WGC_IOBUF_BURST_MAX + 1];
	struct virtio_net_hdr h;
	uint16_t i = 0, j, k;
	uint64_t bytes = 0;
	uint16_t sent = 0;

	while (i < n) {
		size_t total;
		ssize_t r;

		if (wgc_view_is_empty(&v[i])) {
			i++;
			continue;
		}
		k = wgc_tun_gro(&v[i], RTE_MIN((uint16_t)(n - i),
			(uint16_t)WGC_IOBUF_BURST_MAX), &h);
		iov[0].iov_base = &h;
		iov[0].iov_len = sizeof(h);
		iov[1].iov_base = v[i].data;
		iov[1].iov_len = v[i].len;
		total = v[i].len;
		for (j = 1; j < k; j++) {
			iov[j + 1].iov_base = v[i + j].data + h.hdr_len;
			iov[j + 1].iov_len = v[i + j].len - h.hdr_len;
			total += iov[j + 1].iov_len;
		}
		r = writev(q->fd, iov, k + 1);
		if (r == (ssize_t)(total + sizeof(h))) {
			sent += k;
			bytes += total;
			if (k > 1) {
				q->st.tx_gro++;
				q->st.tx_gro_segs += k;
			}
		} else {
			q->st.tx_errors += k;
		}
		i += k;
	}
	q->st.tx_packets += sent;
	q->st.tx_bytes += bytes;
}

uint16_t
wgc_tun_tx_burst(struct wgc_tun *t, uint16_t qid, struct wgc_view *v,
		uint16_t n)
{
	struct tun_queue *q = &t->q[qid];
	uint64_t before = q->st.tx_packets;
	uint16_t i, sent = 0;
	uint64_t bytes = 0;

	if (t->offload) {
		tun_tx_vnet(q, v, n);
		wgc_view_release_all(v, n);
		return (uint16_t)(q->st.tx_packets - before);
	}
	for (i = 0; i < n; i++) {
		ssize_t r;

		if (wgc_view_is_empty(&v[i]))
			continue;
		r = write(q->fd, v[i].data, v[i].len);
		if (r == (ssize_t)v[i].len) {
			sent++;
			bytes += v[i].len;
		} else {
			q->st.tx_errors++;
		}
	}
	wgc_view_release_all(v, n);
	q->st.tx_packets += sent;
	q->st.tx_bytes += bytes;
	return sent;
}

int
wgc_tun_ifindex(const struct wgc_tun *t)
{
	return t->ifindex;
}

const char *
wgc_tun_name(const struct wgc_tun *t)
{
	return t->name;
}

uint16_t
wgc_tun_nb_queues(const struct wgc_tun *t)
{
	return t->nb_queues;
}

void
wgc_tun_stats(const struct wgc_tun *t, struct wgc_tun_stats *st)
{
	unsigned int i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < t->nb_queues; i++) {
		const struct wgc_tun_stats *s = &t->q[i].st;

		st->rx_packets += s->rx_packets;
		st->rx_bytes += s->rx_bytes;
		st->rx_nobuf += s->rx_nobuf;
		st->rx_errors += s->rx_errors;
		st->tx_packets += s->tx_packets;
		st->tx_bytes += s->tx_bytes;
		st->tx_errors += s->tx_errors;
		st->tx_gro += s->tx_gro;
		st->tx_gro_segs += s->tx_gro_segs;
		st->rx_gso += s->rx_gso;
		st->rx_gso_segs += s->rx_gso_segs;
		st->rx_csum += s->rx_csum;
		st->rx_too_big += s->rx_too_big;
		st->rx_bad_csum += s->rx_bad_csum;
		st->rx_gso_bad_type += s->rx_gso_bad_type;
		st->rx_gso_ecn += s->rx_gso_ecn;
		st->rx_gso_bad_size += s->rx_gso_bad_size;
		st->rx_gso_bad_hdr_len += s->rx_gso_bad_hdr_len;
		st->rx_gso_bad_headers += s->rx_gso_bad_headers;
	}
}

bool
wgc_tun_offload(const struct wgc_tun *t)
{
	return t->offload;
}
