// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* --directory's member list. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "directory/directory.h"

int directory_parse_urls(const char *s, struct directory_config *dc, char *err)
{
	char buf[4096], *save = NULL, *tok;
	const char *scheme = NULL;

	dc->etcd.n_members = 0;
	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, ERR_SIZE, "the member list is too long");
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const char *hostport = tok, *sep = strstr(tok, "://");
		size_t i = dc->etcd.n_members;

		if (sep) {
			if (!strncmp(tok, "etcd://", 7) || !strncmp(tok, "http://", 7))
				scheme = "http";
			else if (!strncmp(tok, "https://", 8))
				scheme = "https";
			else {
				snprintf(err, ERR_SIZE, "\"%.64s\": the scheme must be etcd://, http:// "
					 "or https://", tok);
				return -EINVAL;
			}
			hostport = sep + 3;
		} else if (!scheme) {
			snprintf(err, ERR_SIZE, "\"%.64s\": the first member needs a scheme "
				 "(etcd://, http:// or https://)", tok);
			return -EINVAL;
		}
		if (!hostport[0] || strchr(hostport, '/') || !strchr(hostport, ':')) {
			snprintf(err, ERR_SIZE, "\"%.64s\": a member is HOST:PORT", tok);
			return -EINVAL;
		}
		if (i == ETCD_MAX_MEMBERS) {
			snprintf(err, ERR_SIZE, "at most %d members", ETCD_MAX_MEMBERS);
			return -EINVAL;
		}
		if (snprintf(dc->members[i], sizeof(dc->members[i]), "%s://%s", scheme, hostport) >=
		    (int)sizeof(dc->members[i])) {
			snprintf(err, ERR_SIZE, "\"%.64s\": too long", tok);
			return -EINVAL;
		}
		dc->etcd.members[i] = dc->members[i];
		dc->etcd.n_members++;
	}
	if (!dc->etcd.n_members) {
		snprintf(err, ERR_SIZE, "no member given");
		return -EINVAL;
	}
	return 0;
}
