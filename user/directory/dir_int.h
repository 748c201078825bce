/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The directory's state, shared by directory.c and dir_publish.c only. */
#ifndef WARREN_DIR_INT_H
#define WARREN_DIR_INT_H

#include "directory/directory.h"
#include "directory/dir_records.h"
#include "directory/dir_view.h"

enum dir_state { DIR_CONNECTING, DIR_SYNCED, DIR_DEGRADED };

/*
 * A key this agent writes: its value (NULL: the key must be absent), the
 * lease it goes with (0: none), whether etcd has it as given, and a
 * sequence number so a late answer to an older write changes nothing.
 */
struct dir_pub {
	char *key;
	char *value;
	bool leased;
	bool done;
	bool inflight;
	uint64_t seq;
};

struct directory {
	struct agent *a;
	struct directory_config cfg;
	struct etcd *etcd;
	enum dir_state state;
	struct fleet_host self;		/* this host's record */
	char self_key[DIR_KEY_MAX];	/* hosts/<self> */
	char self_value[DIR_VALUE_MAX];
	char lease_path[300];

	/* The lease: granted or re-attached; keepalives at TTL/3. */
	int64_t lease;
	bool lease_busy;		/* a grant or keepalive in flight */
	bool lease_reattached;		/* the saved one, its TTL not yet checked */
	int64_t keepalive_at;		/* ms */
	/* The host record: created, or found ours; refused while another holds the name. */
	bool registered;
	bool registering;
	int64_t reg_lease;		/* the lease the registration in flight was written with */
	bool name_clash;
	int64_t register_at;

	/* What this agent writes (its host, endpoints; envs and projects asked for). */
	struct dir_pub *pub;		/* sorted by key */
	size_t n_pub, cap_pub;
	uint64_t pub_seq;
	uint64_t model_gen;		/* of the last diff against the model */
	int64_t retry_at;		/* failed writes go again from then */
	bool write_failing;		/* the last write etcd answered failed: degraded */

	/* What it reads. */
	struct dir_view view;
	bool loaded;			/* a range has filled the view at least once */
	bool loading;
	int64_t load_at;
	struct etcd_watch *watch;
	bool apply_due;
	int64_t last_apply;
	uint64_t ignored;		/* bad values seen */
	size_t left_out;		/* records the last build left out */
	uint64_t reloads;
	char (*projects)[NAME_SIZE];	/* the view's projects: kept by mesh_apply */
	size_t n_projects;
};

int64_t dir_now_ms(void);
/* dir_publish.c: bring what etcd should hold in line with the model; write what differs. */
void dir_publish_sync(struct directory *d);
/* Set one key's wanted value (NULL: absent), to be written by the next sync. */
int dir_publish_want(struct directory *d, const char *key, const char *value, bool leased);
/* Every leased key must be written again (a new lease). */
void dir_publish_lease_lost(struct directory *d);
size_t dir_publish_pending(const struct directory *d);
void dir_publish_free(struct directory *d);

#endif
