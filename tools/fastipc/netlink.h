/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fastipc(8): the "fastipc" generic netlink family in plain C.
 *
 * netlink.c holds all of the libnl-genl-3 code; the commands see only the
 * structures and functions below.  Every function returns 0 or a negative
 * errno; after a failure fipc_nl_errmsg() gives the kernel's extended ack
 * message, if it sent one.  Documentation/netlink.md describes the family.
 */
#ifndef FASTIPC_CLI_NETLINK_H
#define FASTIPC_CLI_NETLINK_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fastipc.h"

/* fipc_nl_open(): there is no family "fastipc" (module not loaded). */
#define FIPC_NL_ENOFAMILY	(-ENOPKG)

struct fipc_nl;

/* One subscriber of a topic, as CHANNEL_GET and the dump list them. */
struct fipc_nl_sub {
	uint32_t pid;		/* in our pid namespace; 0: not visible */
	uint64_t backlog;	/* messages it has not received yet */
	uint64_t drops;		/* dropped before it received them */
	uint64_t received;
};

/*
 * One channel, as CHANNEL_GET, the dump and the events report it.  A
 * topic's subscriber list is allocated (fipc_nl_channel_free()); the
 * callbacks of the dump and of monitor get a channel they must copy
 * with fipc_nl_channel_copy() to keep it.
 */
struct fipc_nl_channel {
	char name[FASTIPC_NAME_LEN];
	uint64_t id;
	uint32_t uid, gid, mode;
	uint64_t ctime_ns;		/* creation, ns since the epoch */
	struct {
		uint32_t max_msgs;
		uint64_t max_bytes;
		uint64_t max_msg_size;
		uint64_t zc_threshold;
	} limits;
	struct {
		uint32_t queued_msgs;
		uint64_t queued_bytes;
		uint32_t handles;
		uint32_t wait_senders;
		uint32_t wait_receivers;
	} state;
	struct {
		uint64_t sent_msgs, sent_bytes;
		uint64_t recv_msgs, recv_bytes;
		uint64_t page_msgs, page_bytes;
		uint64_t copied_bytes;
		uint64_t mapped_pages;
		uint64_t drops, timeouts, errors;
	} counters;
	struct {
		bool is_topic;
		uint32_t flags;		/* FASTIPC_TOPIC_* */
		uint32_t history;
		uint32_t subscribers;
		/* The message listed them (a reply, not an event); a list
		 * shorter than subscribers is one that changed meanwhile,
		 * or a dumped topic too large for one message. */
		bool listed;
		uint32_t nsubs;
		struct fipc_nl_sub *subs;
	} topic;
};

void fipc_nl_channel_free(struct fipc_nl_channel *ch);
/* A deep copy of @src into @dst; -ENOMEM. */
int fipc_nl_channel_copy(struct fipc_nl_channel *dst,
			 const struct fipc_nl_channel *src);

/* Module-wide counters (STATS_GET). */
struct fipc_nl_stats {
	char version[32];
	uint64_t pages_held;
	uint64_t bytes_queued;
	uint64_t channels;
	uint64_t handles;
	uint64_t copied_bytes;
	uint64_t mapped_pages;
	uint64_t pages_pooled;
	uint32_t scope;		/* FASTIPC_STATS_NETNS: this namespace's */
};

/* The tunables, named like the module parameters. */
enum fipc_nl_cfg_key {
	FIPC_CFG_MAX_MSG_SIZE,
	FIPC_CFG_DEFAULT_MAX_MSGS,
	FIPC_CFG_MAX_MSGS_LIMIT,
	FIPC_CFG_DEFAULT_MAX_BYTES,
	FIPC_CFG_MAX_BYTES_LIMIT,
	FIPC_CFG_ZC_THRESHOLD,
	FIPC_CFG_MAX_WINDOW,
	FIPC_CFG_MAX_CHANNELS,
	FIPC_CFG_MAX_USER_CHANNELS,
	FIPC_CFG_USER_PAGES_FLOOR,
	FIPC_CFG_POOL_MAX,
	FIPC_CFG_USER_QUEUE_FLOOR,
	FIPC_CFG_BUSY_POLL_US,
	FIPC_CFG_NKEYS
};

struct fipc_nl_cfg_desc {
	const char *name;	/* module parameter name */
	bool is_u32;		/* a count (u32), else a byte size (u64) */
};

extern const struct fipc_nl_cfg_desc fipc_nl_cfg_keys[FIPC_CFG_NKEYS];

struct fipc_nl_config {
	uint64_t val[FIPC_CFG_NKEYS];
	uint32_t mask;		/* bit k: val[k] is present / to be set */
};

/* Limits for CHANNEL_SET: only the ones whose bit is in mask are sent. */
#define FIPC_NL_SET_MAX_MSGS		0x1U
#define FIPC_NL_SET_MAX_BYTES		0x2U
#define FIPC_NL_SET_MAX_MSG_SIZE	0x4U
#define FIPC_NL_SET_ZC_THRESHOLD	0x8U

struct fipc_nl_limits {
	uint32_t mask;
	uint64_t max_msgs;	/* u32 on the wire */
	uint64_t max_bytes;
	uint64_t max_msg_size;
	uint64_t zc_threshold;
};

enum fipc_nl_event_type {
	FIPC_EV_CHANNEL_NEW,
	FIPC_EV_CHANNEL_DEL,
	FIPC_EV_CHANNEL_CHANGE,
	FIPC_EV_QUEUE_FULL,
};

/* "new", "del", "change", "full" */
const char *fipc_nl_event_name(enum fipc_nl_event_type type);

/* An event callback: return 0 to go on, anything else to stop. */
typedef int (*fipc_nl_event_cb)(enum fipc_nl_event_type type,
				const struct fipc_nl_channel *ch, void *arg);

/* A channel callback for the dump: 0 to go on, else stop. */
typedef int (*fipc_nl_channel_cb)(const struct fipc_nl_channel *ch,
				  void *arg);

/* Connect and resolve the family; FIPC_NL_ENOFAMILY if it is missing. */
int fipc_nl_open(struct fipc_nl **nlp);
void fipc_nl_close(struct fipc_nl *nl);

/* The extack message of the last failed request, or NULL. */
const char *fipc_nl_errmsg(const struct fipc_nl *nl);

/* CHANNEL_GET by name (id 0: any) or by id (name NULL); on success
 * @ch is the caller's to fipc_nl_channel_free(). */
int fipc_nl_channel_get(struct fipc_nl *nl, const char *name, uint64_t id,
			struct fipc_nl_channel *ch);
/* Every channel of the caller's network namespace, in id order. */
int fipc_nl_channel_dump(struct fipc_nl *nl, fipc_nl_channel_cb cb,
			 void *arg);
int fipc_nl_channel_set(struct fipc_nl *nl, const char *name,
			const struct fipc_nl_limits *lim);
/*
 * CHANNEL_DEL of @name (and @id, when not 0: the kernel refuses if the
 * name now names another channel).  *@drops, when not NULL, gets the
 * messages the delete discarded, taken from the DEL event, or UINT64_MAX
 * when it could not be learnt.
 */
int fipc_nl_channel_del(struct fipc_nl *nl, const char *name, uint64_t id,
			uint64_t *drops);
int fipc_nl_stats_get(struct fipc_nl *nl, struct fipc_nl_stats *st);
int fipc_nl_config_get(struct fipc_nl *nl, struct fipc_nl_config *cfg);
/* Sets the keys in cfg->mask, all or none. */
int fipc_nl_config_set(struct fipc_nl *nl, const struct fipc_nl_config *cfg);

/*
 * Join the "events" group and call @cb for each event until it returns
 * non-zero (then 0 is returned) or receiving fails.  Events lost to a
 * full socket buffer are reported by calling @lost, when not NULL.
 */
int fipc_nl_monitor(struct fipc_nl *nl, fipc_nl_event_cb cb,
		    void (*lost)(void *arg), void *arg);

/*
 * For the commands (cmd_nl.c): open the family or print why not, print a
 * failure as "fastipc: OP 'NAME': <extack message>: <strerror>" (or the
 * module-not-loaded line) and return EXIT_FAIL; sizes as "64K" for -s.
 */
struct out;
int cli_nl_open(const char *op, struct fipc_nl **nl);
int cli_nl_fail(struct fipc_nl *nl, const char *op, const char *name,
		int err);
void cli_fmt_size(char *buf, size_t size, uint64_t v);
void cli_out_size(struct out *o, const char *key, uint64_t v, bool human);

#endif /* FASTIPC_CLI_NETLINK_H */
