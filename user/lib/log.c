// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>

#include "lib/log.h"

static enum log_level current_level = LOG_INFO;
static const char *log_prefix;

void log_set_level(enum log_level level)
{
	current_level = level;
}

enum log_level log_get_level(void)
{
	return current_level;
}

void log_set_prefix(const char *prefix)
{
	log_prefix = prefix;
}

static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	if (level > current_level)
		return;
	if (log_prefix)
		fprintf(stderr, "%s: ", log_prefix);
	vfprintf(stderr, fmt, ap);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/*
	 * The verifier log arrives at LIBBPF_WARN when a load fails, so a
	 * failed load still shows it at our default level.
	 */
	enum log_level ours = level == LIBBPF_WARN ? LOG_WARN :
			      level == LIBBPF_INFO ? LOG_DEBUG : LOG_DEBUG + 1;

	if (ours > current_level)
		return 0;
	if (log_prefix)
		fprintf(stderr, "%s: libbpf: ", log_prefix);
	return vfprintf(stderr, fmt, ap);
}

void log_route_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
