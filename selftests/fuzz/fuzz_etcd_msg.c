// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the etcd client's reading of gateway answers: any
 * bytes as a unary answer to the operation the first byte picks, and as
 * a line of a watch stream. What is read must be consistent (an error
 * with a reason and no half result, or keys that are not empty, events
 * in revision order); ASan's leak check sees anything left behind.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "directory/etcd_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct etcd_reply rep;
	struct etcd_watch_msg m;
	const char *body;

	if (size < 1)
		return 0;
	body = (const char *)data + 1;
	etcd_msg_reply((enum etcd_op)(data[0] % (ETCD_OP_REVOKE + 1)), data[0] & 0x80 ? 404 : 200,
		       body, size - 1, &rep);
	if (!rep.res.msg || !rep.res.msg[0])
		abort();
	if (rep.res.err && (rep.res.kvs || rep.res.n_kvs))
		abort();
	for (size_t i = 0; i < rep.res.n_kvs; i++)
		if (!rep.res.kvs[i].key_len)
			abort();
	etcd_reply_free(&rep);

	etcd_msg_watch(body, size - 1, &m);
	if (m.err && (m.events || m.n_events || !m.msg[0]))
		abort();
	for (size_t i = 1; i < m.n_events; i++)
		if (m.events[i].kv.mod_revision < m.events[i - 1].kv.mod_revision)
			abort();
	etcd_watch_msg_free(&m);
	return 0;
}
