/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The etcd client's insides, shared by directory/etcd.c (members, the
 * request queue, time) and directory/etcd_watch.c (watches).
 */
#ifndef WARREN_ETCD_INT_H
#define WARREN_ETCD_INT_H

#include "directory/etcd.h"
#include "directory/etcd_http.h"
#include "directory/etcd_msg.h"

/* Room for a member's URL, a path and curl's or etcd's words. */
#define ETCD_MSG_SIZE 512

struct etcd_request;

struct etcd {
	struct loop *loop;
	struct etcd_http *http;
	char *members[ETCD_MAX_MEMBERS];
	size_t n_members;
	size_t cur;			/* the member requests go to first */
	uint32_t down;			/* members that failed last time (logged once) */
	int timeout_ms;
	struct etcd_request *reqs;	/* in the order they were queued */
	struct etcd_request *reqs_tail;
	size_t n_reqs, in_flight;
	struct etcd_watch *watches;
	int depth;			/* inside one of the caller's callbacks */
};

int64_t etcd_now_ms(void);
/* The first member from the current one on that is not in tried, or -1. */
int etcd_pick_member(const struct etcd *e, uint32_t tried);
/* Member m did not answer: if it is the current one, the next one is. */
void etcd_member_failed(struct etcd *e, size_t m, const char *why);
/* Member m answered. */
void etcd_member_ok(struct etcd *e, size_t m);

/* etcd_watch.c: the watches' part of etcd_next_timeout_ms/etcd_tick/etcd_free. */
int64_t etcd_watch_due(const struct etcd *e);	/* the earliest ms a watch needs, -1: none */
void etcd_watch_tick(struct etcd *e, int64_t now);
/* Free cancelled watches, unless inside a callback (which may hold one). */
void etcd_watch_sweep(struct etcd *e);
void etcd_watch_free_all(struct etcd *e);

#endif
