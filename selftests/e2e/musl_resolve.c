// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A workload's first lookup, as an Alpine container makes it: built
 * statically against musl, whose resolver asks every nameserver at once
 * and takes the first answer, and never retries an NXDOMAIN. If a name
 * did not resolve the moment `endpoint add` returned, this would fail.
 *
 *   warren-musl-resolve NAME [NAME...]   prints "NAME ADDRESS" per address
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
	int status = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: warren-musl-resolve NAME [NAME...]\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM };
		struct addrinfo *res, *ai;
		int ret = getaddrinfo(argv[i], NULL, &hints, &res);

		if (ret) {
			printf("%s error %s\n", argv[i], gai_strerror(ret));
			status = 1;
			continue;
		}
		for (ai = res; ai; ai = ai->ai_next) {
			char buf[INET6_ADDRSTRLEN];
			const void *a = ai->ai_family == AF_INET ?
				(const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr :
				(const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;

			inet_ntop(ai->ai_family, a, buf, sizeof(buf));
			printf("%s %s\n", argv[i], buf);
		}
		freeaddrinfo(res);
	}
	return status;
}
