/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Events for the agent: placeholder until the ring buffer lands. */
#ifndef WARREN_BPF_EVENTS_H
#define WARREN_BPF_EVENTS_H

static __always_inline void event_drop(const struct ev_pkt *p, enum warren_dir dir, __u32 env_id,
				       __u32 reason)
{
}

static __always_inline void event_flow(const struct ev_pkt *p, enum warren_path path,
				       __u32 env_id)
{
}

#endif
