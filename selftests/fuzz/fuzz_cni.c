// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the CNI plugin's netconf: any bytes as stdin, the
 * first byte choosing the command. What parses must name a supported
 * version, a valid project and env and an absolute socket, and then give
 * a service name that is a DNS label or a reason; what fails must carry a
 * code and a message. ASan's leak check sees anything left behind.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cni/cni.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cni_req r;
	struct cni_err e = {};

	if (size < 1)
		return 0;
	memset(&r, 0, sizeof(r));
	r.cmd = (enum cni_cmd)(data[0] % 6);
	strcpy(r.container, "fuzz");
	strcpy(r.pod_name, "Pod_1");
	if (cni_conf_parse(&r, (const char *)data + 1, size - 1, &e)) {
		if (!e.code || !e.msg[0])
			abort();
	} else if (r.cmd != CMD_VERSION) {
		if (!cni_version_supported(r.version) || !name_valid(r.project) ||
		    !name_valid(r.env) || r.socket[0] != '/')
			abort();
		if (cni_req_name(&r, &e) == 0 && !service_name_valid(r.service))
			abort();
	}
	cni_req_free(&r);
	return 0;
}
