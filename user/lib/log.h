/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* One logging helper with levels, as in xdp-tools; libbpf is routed here. */
#ifndef WARREN_LOG_H
#define WARREN_LOG_H

enum log_level {
	LOG_WARN = 0,
	LOG_INFO = 1,
	LOG_DEBUG = 2,
};

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Prefix every line with the program name (e.g. "warrend"). */
void log_set_prefix(const char *prefix);
/* libbpf's messages, one level down: its warnings are our info, etc. */
void log_route_libbpf(void);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define pr_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
