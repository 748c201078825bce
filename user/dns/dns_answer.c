// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "lib/addr.h"
#include "dns/dns_answer.h"
#include "lib/names.h"

/* Labels of a name relative to the domain: [_port._proto.][N.][type.]service[.env.project]. */
#define REL_MAX_LABELS 7
/* Records in one answer: more than a 64 KiB TCP answer holds of AAAA. */
#define MAX_RECORDS 2048
#define SOA_SERIAL 1	/* constant: a serial that moved would tell of other environments' changes */

struct rel_name {
	char label[REL_MAX_LABELS][NAME_SIZE];
	int n;
};

/* What the caller may see under a name. */
struct lookup {
	bool exists;			/* the name exists for this caller */
	struct dns_group *group;	/* the service, if the name names endpoints */
	const char *type;		/* "" or NULL: any */
	bool any_replica;
	uint32_t replica;
	/* _NAME._PROTO.<name>: the replicas that declare that port */
	bool srv;
	char port[PORT_NAME_SIZE];
	uint8_t proto;
};

size_t dns_udp_limit(const struct dns_query *q)
{
	if (!q->edns)
		return DNS_UDP_MIN;
	return q->edns_udp_size > 4096 ? 4096 : q->edns_udp_size;
}

/*
 * Split name into labels relative to domain. Returns 1 if name is under
 * the domain (rel->n may be 0: the apex), 0 if not, -1 if it is under it
 * but cannot be one of ours (too many labels, or a label we never serve).
 */
static int split_relative(const char *name, const char *domain, struct rel_name *rel)
{
	size_t n = strlen(name), d = strlen(domain), rl;
	const char *p;

	if (n < d || strcmp(name + n - d, domain))
		return 0;
	if (n == d) {
		rel->n = 0;
		return 1;
	}
	if (name[n - d - 1] != '.')
		return 0;
	rl = n - d - 1;
	rel->n = 0;
	for (p = name; p < name + rl;) {
		const char *dot = memchr(p, '.', (size_t)(name + rl - p));
		size_t len = dot ? (size_t)(dot - p) : (size_t)(name + rl - p);

		if (rel->n == REL_MAX_LABELS || len == 0 || len > NAME_MAX_LEN)
			return -1;
		memcpy(rel->label[rel->n], p, len);
		rel->label[rel->n][len] = '\0';
		rel->n++;
		p += len + 1;
	}
	return 1;
}

/* [N.][type.]service in the caller's environment. */
static bool lookup_short(struct dns_view *v, const struct endpoint *caller,
			 char label[][NAME_SIZE], int n, struct lookup *lk)
{
	const char *service = n ? label[n - 1] : NULL;

	memset(lk, 0, sizeof(*lk));
	lk->any_replica = true;
	if (n < 1 || n > 3 || !service_name_valid(service))
		return false;
	if (n == 3) {
		if (replica_parse(label[0], &lk->replica) || !service_name_valid(label[1]))
			return false;
		lk->any_replica = false;
		lk->type = label[1];
	} else if (n == 2) {
		if (!replica_parse(label[0], &lk->replica))
			lk->any_replica = false;
		else if (service_name_valid(label[0]))
			lk->type = label[0];
		else
			return false;
	}
	lk->group = dns_view_service(v, caller->project, caller->env, service);
	if (!lk->group)
		return false;
	for (size_t i = 0; i < lk->group->n; i++) {
		const struct endpoint *ep = v->sorted[lk->group->first + i];

		if ((!lk->type || !strcmp(ep->type, lk->type)) &&
		    (lk->any_replica || ep->replica == lk->replica)) {
			lk->exists = true;
			return true;
		}
	}
	lk->group = NULL;
	return false;
}

static bool matches(const struct lookup *lk, const struct endpoint *ep)
{
	return (!lk->type || !strcmp(ep->type, lk->type)) &&
	       (lk->any_replica || ep->replica == lk->replica) &&
	       (!lk->srv || port_list_find(&ep->ports, lk->port, lk->proto));
}

static void lookup_name(struct dns_view *v, const struct endpoint *caller, struct rel_name *rel,
			struct lookup *lk);

/*
 * _NAME._PROTO.<name> (RFC 2782): exists when some replica <name> stands
 * for declares that port; otherwise it is a name like any that does not
 * exist, whatever the environment.
 */
static bool lookup_srv(struct dns_view *v, const struct endpoint *caller, struct rel_name *rel,
		       struct lookup *lk)
{
	const char *port = rel->label[0], *proto = rel->label[1];
	char name[PORT_NAME_SIZE];
	uint8_t pr;

	if (rel->n < 3 || port[0] != '_' || proto[0] != '_')
		return false;
	memset(lk, 0, sizeof(*lk));
	if (!port_name_valid(port + 1) || (strcmp(proto, "_tcp") && strcmp(proto, "_udp")))
		return true;
	pr = !strcmp(proto, "_tcp") ? PORT_TCP : PORT_UDP;
	/* The rest names replicas as any name does; lk points into rel, so shift it in place. */
	snprintf(name, sizeof(name), "%s", port + 1);
	rel->n -= 2;
	memmove(rel->label, rel->label + 2, sizeof(rel->label[0]) * (size_t)rel->n);
	lookup_name(v, caller, rel, lk);
	lk->exists = false;
	if (!lk->group)
		return true;
	lk->srv = true;
	strcpy(lk->port, name);
	lk->proto = pr;
	for (size_t i = 0; i < lk->group->n && !lk->exists; i++)
		lk->exists = matches(lk, v->sorted[lk->group->first + i]);
	if (!lk->exists)
		lk->group = NULL;
	return true;
}

/*
 * Resolve a relative name for the caller. A build-phase caller, or no
 * caller, sees nothing: its lookups fail the same way unknown names do.
 */
static void lookup(struct dns_view *v, const struct endpoint *caller, struct rel_name *rel,
		   struct lookup *lk)
{
	memset(lk, 0, sizeof(*lk));
	if (!caller || caller->build)
		return;
	/* Labels of ours never start with '_': any such name is looked up here. */
	if (!lookup_srv(v, caller, rel, lk))
		lookup_name(v, caller, rel, lk);
}

static void lookup_name(struct dns_view *v, const struct endpoint *caller, struct rel_name *rel,
			struct lookup *lk)
{
	int n = rel->n;

	memset(lk, 0, sizeof(*lk));
	if (!caller || caller->build)
		return;
	if (n == 0) {
		lk->exists = true;	/* the apex */
		return;
	}
	/* The fully qualified form names the caller's own environment only. */
	if (n >= 2 && !strcmp(rel->label[n - 2], caller->env) &&
	    !strcmp(rel->label[n - 1], caller->project)) {
		if (n == 2) {
			lk->exists = true;	/* the environment's own apex: no records */
			return;
		}
		if (lookup_short(v, caller, rel->label, n - 2, lk))
			return;
	}
	lookup_short(v, caller, rel->label, n, lk);
}

/* The records of the group matching lk, rotated: one step per answer. */
static int add_records(struct dns_view *v, struct lookup *lk, uint16_t qtype, struct dns_msg *m)
{
	const struct endpoint *sel[MAX_RECORDS];
	size_t n = 0, start;
	int added = 0;

	for (size_t i = 0; i < lk->group->n && n < sizeof(sel) / sizeof(sel[0]); i++) {
		const struct endpoint *ep = v->sorted[lk->group->first + i];

		if (matches(lk, ep))
			sel[n++] = ep;
	}
	start = n ? lk->group->rr % n : 0;
	for (size_t k = 0; k < n; k++) {
		const struct endpoint *ep = sel[(start + k) % n];

		if ((qtype == DNS_TYPE_A || qtype == DNS_TYPE_ANY) && ep->has_v4) {
			if (dns_msg_add_addr(m, DNS_TYPE_A, v->ttl, &ep->ipv4))
				break;
			added++;
		}
		if ((qtype == DNS_TYPE_AAAA || qtype == DNS_TYPE_ANY) && ep->has_v6) {
			if (dns_msg_add_addr(m, DNS_TYPE_AAAA, v->ttl, ep->ipv6))
				break;
			added++;
		}
	}
	if (added)
		lk->group->rr++;
	return added;
}

/*
 * One SRV per replica declaring the port (priority 0, equal weights),
 * rotated as addresses are; its target N.<service>.<domain> resolves to
 * the replica in the caller's view. The targets' addresses follow in the
 * additional section as far as they fit.
 */
static int add_srv_records(struct dns_view *v, struct lookup *lk, struct dns_msg *m)
{
	const struct endpoint *sel[MAX_RECORDS], *shown[MAX_RECORDS];
	size_t off[MAX_RECORDS];
	size_t n = 0, start, added = 0;
	bool room = true;

	for (size_t i = 0; i < lk->group->n && n < MAX_RECORDS; i++) {
		const struct endpoint *ep = v->sorted[lk->group->first + i];

		if (matches(lk, ep))
			sel[n++] = ep;
	}
	start = n ? lk->group->rr % n : 0;
	for (size_t k = 0; k < n; k++) {
		const struct endpoint *ep = sel[(start + k) % n];
		const struct port_spec *p = port_list_find(&ep->ports, lk->port, lk->proto);
		char target[DNS_NAME_STR_SIZE];

		snprintf(target, sizeof(target), "%u.%s.%s", ep->replica, ep->service, v->domain);
		if (dns_msg_add_srv(m, v->ttl, 0, 1, p->number, target, &off[added]))
			break;
		shown[added++] = ep;
	}
	for (size_t k = 0; k < added && room; k++) {
		if (shown[k]->has_v4)
			room = !dns_msg_add_extra_addr(m, off[k], DNS_TYPE_A, v->ttl, &shown[k]->ipv4);
		if (room && shown[k]->has_v6)
			room = !dns_msg_add_extra_addr(m, off[k], DNS_TYPE_AAAA, v->ttl,
						       shown[k]->ipv6);
	}
	if (added)
		lk->group->rr++;
	return (int)added;
}

/* Reverse names of fabric addresses are ours to refuse, never upstream's. */
static bool reverse_in_fabric(struct dns_view *v, const char *name)
{
	const struct fabric_config *cfg = &v->m->cfg;
	unsigned int o[4];
	uint8_t a6[16] = {};
	char tail[16];
	size_t n = strlen(name);

	if (sscanf(name, "%3u.%3u.%3u.%3u.%15s", &o[0], &o[1], &o[2], &o[3], tail) == 5 &&
	    !strcmp(tail, "in-addr.arpa") && o[0] < 256 && o[1] < 256 && o[2] < 256 &&
	    o[3] < 256) {
		uint32_t a = htonl(o[3] << 24 | o[2] << 16 | o[1] << 8 | o[0]);

		return prefix4_contains(&cfg->fabric4, a);
	}
	if (n == 64 + 8 && !strcmp(name + 64, "ip6.arpa")) {
		for (int i = 0; i < 32; i++) {
			char c = name[i * 2];
			int nib = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

			if (nib < 0 || name[i * 2 + 1] != '.')
				return false;
			a6[15 - i / 2] |= (uint8_t)(i % 2 ? nib << 4 : nib);
		}
		return prefix6_contains(&cfg->fabric6, a6);
	}
	return false;
}

static void begin_or_die(struct dns_msg *m, uint8_t *out, size_t outsize, size_t cap,
			 const uint8_t *pkt, const struct dns_query *q, uint8_t rcode, bool aa)
{
	/* The question came in a packet no larger than cap allows for queries. */
	if (dns_msg_begin(m, out, outsize, cap, pkt, q, rcode, aa)) {
		struct dns_query bare = *q;

		bare.has_question = false;
		dns_msg_begin(m, out, outsize, cap, pkt, &bare, rcode, aa);
	}
}

static size_t finish(struct dns_msg *m, const struct dns_query *q, uint8_t rcode)
{
	if (q->edns || rcode > 15)
		dns_msg_add_opt(m, 1232, rcode, q->edns_do);
	return dns_msg_finish(m);
}

size_t dns_answer_empty(const uint8_t *pkt, const struct dns_query *q, uint8_t rcode, bool tc,
			uint8_t *out, size_t outsize)
{
	struct dns_msg m;

	begin_or_die(&m, out, outsize, outsize, pkt, q, rcode, false);
	if (tc)
		m.truncated = true;
	return finish(&m, q, rcode);
}

static enum dns_action reply_internal(struct dns_view *v, const struct endpoint *caller,
				      struct rel_name *rel, const uint8_t *pkt,
				      const struct dns_query *q, struct dns_msg *m, size_t cap,
				      uint8_t *out, size_t outsize, size_t *out_len,
				      struct dns_stats *st)
{
	struct lookup lk;
	uint8_t rcode;
	int added = 0;

	lookup(v, caller, rel, &lk);
	rcode = lk.exists ? DNS_RCODE_NOERROR : DNS_RCODE_NXDOMAIN;
	begin_or_die(m, out, outsize, cap, pkt, q, rcode, true);
	if (lk.exists && rel->n == 0) {
		if (q->qtype == DNS_TYPE_SOA || q->qtype == DNS_TYPE_ANY)
			added += !dns_msg_add_soa(m, false, v->domain, v->ttl, SOA_SERIAL, v->ttl);
		if (q->qtype == DNS_TYPE_NS || q->qtype == DNS_TYPE_ANY)
			added += !dns_msg_add_ns(m, v->domain, v->ttl);
	} else if (lk.group && lk.srv) {
		if (q->qtype == DNS_TYPE_SRV || q->qtype == DNS_TYPE_ANY)
			added = add_srv_records(v, &lk, m);
	} else if (lk.group) {
		added = add_records(v, &lk, q->qtype, m);
	}
	if (!added)
		dns_msg_add_soa(m, true, v->domain, v->ttl, SOA_SERIAL, v->ttl);
	if (!lk.exists)
		st->nxdomain++;
	else if (added)
		st->answered++;
	else
		st->nodata++;
	if (m->truncated)
		st->truncated++;
	*out_len = finish(m, q, rcode);
	return DNS_ACT_REPLY;
}

enum dns_action dns_answer(struct dns_view *v, const struct endpoint *caller, const uint8_t *pkt,
			   size_t len, bool tcp, struct dns_query *q, uint8_t *out,
			   size_t outsize, size_t *out_len, struct dns_stats *st)
{
	struct rel_name rel;
	struct dns_msg m;
	size_t cap;
	int ret, under;

	ret = dns_parse_query(pkt, len, q);
	if (ret == DNS_PARSE_DROP) {
		st->dropped++;
		return DNS_ACT_DROP;
	}
	st->queries++;
	cap = tcp ? DNS_MSG_MAX : dns_udp_limit(q);
	if (ret > 0) {
		st->malformed++;
		begin_or_die(&m, out, outsize, cap, pkt, q, (uint8_t)ret, false);
		*out_len = finish(&m, q, (uint8_t)ret);
		return DNS_ACT_REPLY;
	}
	/* Only workloads of this host are served: the shim is no open resolver. */
	if (!caller) {
		st->refused++;
		*out_len = dns_answer_empty(pkt, q, DNS_RCODE_REFUSED, false, out,
					    outsize < cap ? outsize : cap);
		return DNS_ACT_REPLY;
	}
	dns_view_refresh(v);
	under = split_relative(q->name, v->domain, &rel);
	if (under && q->qclass != DNS_CLASS_IN && q->qclass != DNS_TYPE_ANY) {
		st->refused++;
		*out_len = dns_answer_empty(pkt, q, DNS_RCODE_REFUSED, false, out,
					    outsize < cap ? outsize : cap);
		return DNS_ACT_REPLY;
	}
	if (under < 0) {
		/* Under the domain but no name we could serve: NXDOMAIN. */
		rel.n = REL_MAX_LABELS + 1;
		return reply_internal(v, NULL, &rel, pkt, q, &m, cap, out, outsize, out_len, st);
	}
	if (under)
		return reply_internal(v, caller, &rel, pkt, q, &m, cap, out, outsize, out_len, st);
	if (reverse_in_fabric(v, q->name)) {
		rel.n = REL_MAX_LABELS + 1;
		return reply_internal(v, NULL, &rel, pkt, q, &m, cap, out, outsize, out_len, st);
	}
	if (q->qtype == DNS_TYPE_AXFR || q->qtype == DNS_TYPE_IXFR) {
		st->refused++;
		*out_len = dns_answer_empty(pkt, q, DNS_RCODE_REFUSED, false, out,
					    outsize < cap ? outsize : cap);
		return DNS_ACT_REPLY;
	}
	st->forwarded++;
	return DNS_ACT_FORWARD;
}
