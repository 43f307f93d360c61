// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc(8): the control-plane commands, over the "fastipc" generic
 * netlink family (netlink.h): ls, show, set, rm, config, monitor.  The
 * stats command (cmd_stats.c) uses the same helpers.
 *
 * The JSON keys of a channel are the same in show, ls and monitor, and
 * are part of the interface: add, never rename (Documentation/fastipc.8).
 */
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "netlink.h"

/* ------------------------------------------------------------------ */
/* Shared helpers                                                      */
/* ------------------------------------------------------------------ */

int cli_nl_fail(struct fipc_nl *nl, const char *op, const char *name,
		int err)
{
	const char *msg = nl ? fipc_nl_errmsg(nl) : NULL;

	if (err == FIPC_NL_ENOFAMILY) {
		fprintf(stderr, "fastipc: the fastipc module is not loaded "
				"(no generic netlink family \"%s\")\n",
			FASTIPC_GENL_NAME);
		return EXIT_FAIL;
	}
	/* The kernel's own explanation (extended ack), when it gave one. */
	if (msg)
		return cli_failf(op, name, err, "%s", msg);
	if (err == -EPERM && !strcmp(op, "config"))
		return cli_failf(op, name, err, "changing the module's "
				 "settings needs CAP_NET_ADMIN");
	return cli_fail(op, name, err);
}

int cli_nl_open(const char *op, struct fipc_nl **nl)
{
	int err = fipc_nl_open(nl);

	return err ? cli_nl_fail(NULL, op, NULL, err) : EXIT_OK;
}

/* 1536 -> "1.5K", 65536 -> "64K", 1000 -> "1000": powers of 1024. */
void cli_fmt_size(char *buf, size_t size, uint64_t v)
{
	static const char units[] = "KMGTPE";
	int u = -1;
	double d = (double)v;

	if (v < 1024) {
		snprintf(buf, size, "%" PRIu64, v);
		return;
	}
	while (d >= 1024 && u < 5) {
		d /= 1024;
		u++;
	}
	if (v % (1ULL << (10 * (u + 1))) == 0)
		snprintf(buf, size, "%" PRIu64 "%c", v >> (10 * (u + 1)),
			 units[u]);
	else if (d < 10)
		snprintf(buf, size, "%.1f%c", d, units[u]);
	else
		snprintf(buf, size, "%.0f%c", d, units[u]);
}

/* A byte count: a number in JSON and by default, "64K" with -s. */
void cli_out_size(struct out *o, const char *key, uint64_t v, bool human)
{
	char buf[32];

	if (o->json || !human) {
		out_u64(o, key, v);
		return;
	}
	cli_fmt_size(buf, sizeof(buf), v);
	out_str(o, key, buf);
}

/* ns since the epoch as "2026-11-26T10:00:00.123456789Z". */
static void fmt_time(char *buf, size_t size, uint64_t ns)
{
	time_t t = (time_t)(ns / 1000000000ULL);
	struct tm tm;

	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, size, "?");
		return;
	}
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%09uZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (unsigned int)(ns % 1000000000ULL));
}

/* A topic's policy: "wait" or "drop-oldest" (flags unknown here: hex). */
static void fmt_policy(char *buf, size_t size, uint32_t flags)
{
	if (flags == 0)
		snprintf(buf, size, "wait");
	else if (flags == FASTIPC_TOPIC_DROP_OLDEST)
		snprintf(buf, size, "drop-oldest");
	else
		snprintf(buf, size, "%#x", flags);
}

/*
 * A topic's keys, after the channel's: its policy, history, subscriber
 * count and, from a reply (not an event), the subscribers: in JSON an
 * array of objects, in text one "subscriber_list:" line each.
 */
static void out_topic(struct out *o, const struct fipc_nl_channel *ch)
{
	char policy[16];
	struct out list, item;

	fmt_policy(policy, sizeof(policy), ch->topic.flags);
	out_str(o, "policy", policy);
	out_u64(o, "history", ch->topic.history);
	out_u64(o, "subscribers", ch->topic.subscribers);
	if (!ch->topic.listed)
		return;
	if (!o->json) {
		for (uint32_t i = 0; i < ch->topic.nsubs; i++) {
			const struct fipc_nl_sub *sub = &ch->topic.subs[i];
			char line[128];

			snprintf(line, sizeof(line), "pid=%u backlog=%" PRIu64
				 " drops=%" PRIu64 " received=%" PRIu64,
				 sub->pid, sub->backlog, sub->drops,
				 sub->received);
			out_str(o, "subscriber_list", line);
		}
		return;
	}
	out_array_begin(o, "subscriber_list", &list);
	for (uint32_t i = 0; i < ch->topic.nsubs; i++) {
		const struct fipc_nl_sub *sub = &ch->topic.subs[i];

		out_list_item(&list, &item);
		out_u64(&item, "pid", sub->pid);
		out_u64(&item, "backlog", sub->backlog);
		out_u64(&item, "drops", sub->drops);
		out_u64(&item, "received", sub->received);
		out_end(&item);
	}
	out_array_end(&list);
}

/* Every field of a channel, in the documented key order. */
static void out_channel(struct out *o, const struct fipc_nl_channel *ch,
			bool human)
{
	char when[48];

	fmt_time(when, sizeof(when), ch->ctime_ns);
	out_str(o, "name", ch->name);
	out_u64(o, "id", ch->id);
	out_u64(o, "uid", ch->uid);
	out_u64(o, "gid", ch->gid);
	out_mode(o, "mode", ch->mode);
	out_str(o, "ctime", when);
	out_u64(o, "ctime_ns", ch->ctime_ns);
	out_u64(o, "max_msgs", ch->limits.max_msgs);
	cli_out_size(o, "max_bytes", ch->limits.max_bytes, human);
	cli_out_size(o, "max_msg_size", ch->limits.max_msg_size, human);
	cli_out_size(o, "zc_threshold", ch->limits.zc_threshold, human);
	out_u64(o, "queued_msgs", ch->state.queued_msgs);
	cli_out_size(o, "queued_bytes", ch->state.queued_bytes, human);
	out_u64(o, "handles", ch->state.handles);
	out_u64(o, "wait_senders", ch->state.wait_senders);
	out_u64(o, "wait_receivers", ch->state.wait_receivers);
	out_u64(o, "sent_msgs", ch->counters.sent_msgs);
	cli_out_size(o, "sent_bytes", ch->counters.sent_bytes, human);
	out_u64(o, "recv_msgs", ch->counters.recv_msgs);
	cli_out_size(o, "recv_bytes", ch->counters.recv_bytes, human);
	out_u64(o, "page_msgs", ch->counters.page_msgs);
	cli_out_size(o, "page_bytes", ch->counters.page_bytes, human);
	cli_out_size(o, "copied_bytes", ch->counters.copied_bytes, human);
	out_u64(o, "mapped_pages", ch->counters.mapped_pages);
	out_u64(o, "drops", ch->counters.drops);
	out_u64(o, "timeouts", ch->counters.timeouts);
	out_u64(o, "errors", ch->counters.errors);
	out_bool(o, "topic", ch->topic.is_topic);
	if (ch->topic.is_topic)
		out_topic(o, ch);
}

/* The options of the read commands: -j, -s, -h; false: return *status. */
static bool read_opts(const struct cli_cmd *cmd, int argc, char **argv,
		      bool *json, bool *human, int *status)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "human", no_argument, NULL, 's' },
		CLI_OPT_HELP,
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = cli_getopt(cmd, argc, argv, "jsh", longopts)) != -1) {
		switch (c) {
		case 'j':
			*json = true;
			break;
		case 's':
			*human = true;
			break;
		case 'h':
			*status = cli_help(cmd);
			return false;
		default:
			*status = EXIT_USAGE;
			return false;
		}
	}
	return true;
}

/* For a table or an event line: control bytes of a name become '?'. */
static void printable(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < size && src[i]; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	dst[i] = '\0';
}

/* "max-msgs" and "max_msgs" are the same key. */
static void key_norm(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < size && src[i]; i++)
		dst[i] = src[i] == '-' ? '_' : src[i];
	dst[i] = '\0';
}

/* ------------------------------------------------------------------ */
/* ls                                                                  */
/* ------------------------------------------------------------------ */

struct chan_list {
	struct fipc_nl_channel *v;
	size_t n, cap;
	bool nomem;
};

static int list_add(const struct fipc_nl_channel *ch, void *arg)
{
	struct chan_list *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		void *v = realloc(l->v, cap * sizeof(*l->v));

		if (!v) {
			l->nomem = true;
			return -1;
		}
		l->v = v;
		l->cap = cap;
	}
	if (fipc_nl_channel_copy(&l->v[l->n], ch)) {
		l->nomem = true;
		return -1;
	}
	l->n++;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	const struct fipc_nl_channel *x = a, *y = b;

	return strcmp(x->name, y->name);
}

enum { COL_NAME, COL_ID, COL_OWNER, COL_MODE, COL_MSGS, COL_BYTES,
       COL_HANDLES, COL_MAX_MSGS, COL_MAX_BYTES, COL_THRESHOLD, NCOLS };

static const char *const col_head[NCOLS] = {
	"NAME", "ID", "OWNER", "MODE", "MSGS", "BYTES", "HANDLES",
	"MAX-MSGS", "MAX-BYTES", "THRESHOLD",
};

#define CELL	80

static void ls_row(const struct fipc_nl_channel *ch, bool human,
		   char cell[NCOLS][CELL])
{
	struct passwd *pw = getpwuid(ch->uid);

	printable(cell[COL_NAME], CELL, ch->name);
	snprintf(cell[COL_ID], CELL, "%" PRIu64, ch->id);
	if (pw)
		snprintf(cell[COL_OWNER], CELL, "%s", pw->pw_name);
	else
		snprintf(cell[COL_OWNER], CELL, "%u", ch->uid);
	snprintf(cell[COL_MODE], CELL, "%04o", ch->mode & 07777);
	snprintf(cell[COL_MSGS], CELL, "%u", ch->state.queued_msgs);
	snprintf(cell[COL_HANDLES], CELL, "%u", ch->state.handles);
	snprintf(cell[COL_MAX_MSGS], CELL, "%u", ch->limits.max_msgs);
	if (human) {
		cli_fmt_size(cell[COL_BYTES], CELL, ch->state.queued_bytes);
		cli_fmt_size(cell[COL_MAX_BYTES], CELL, ch->limits.max_bytes);
		cli_fmt_size(cell[COL_THRESHOLD], CELL,
			     ch->limits.zc_threshold);
	} else {
		snprintf(cell[COL_BYTES], CELL, "%" PRIu64,
			 ch->state.queued_bytes);
		snprintf(cell[COL_MAX_BYTES], CELL, "%" PRIu64,
			 ch->limits.max_bytes);
		snprintf(cell[COL_THRESHOLD], CELL, "%" PRIu64,
			 ch->limits.zc_threshold);
	}
}

static void ls_print(const char cell[NCOLS][CELL], const int *width)
{
	for (int c = 0; c < NCOLS; c++) {
		/* Text columns to the left, numbers to the right. */
		bool left = c == COL_NAME || c == COL_OWNER;
		const char *sep = c + 1 < NCOLS ? "  " : "";

		if (c + 1 == NCOLS)
			printf("%*s\n", width[c], cell[c]);
		else if (left)
			printf("%-*s%s", width[c], cell[c], sep);
		else
			printf("%*s%s", width[c], cell[c], sep);
	}
}

static int ls_run(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct chan_list l = { 0 };
	bool json = cli_opts.json, human = false;
	char head[NCOLS][CELL];
	int width[NCOLS];
	struct fipc_nl *nl;
	int status = EXIT_OK, err;

	if (!read_opts(cmd, argc, argv, &json, &human, &status))
		return status;
	if (optind < argc)
		return cli_usage(cmd, "no arguments expected ('%s')",
				 argv[optind]);
	if (cli_nl_open("ls", &nl))
		return EXIT_FAIL;
	err = fipc_nl_channel_dump(nl, list_add, &l);
	if (!err && l.nomem)
		err = -ENOMEM;
	if (err) {
		status = cli_nl_fail(nl, "ls", NULL, err);
		goto out;
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), by_name);

	if (json) {
		struct out list, o;

		out_list_begin(&list, stdout);
		for (size_t i = 0; i < l.n; i++) {
			out_list_item(&list, &o);
			out_channel(&o, &l.v[i], false);
			out_end(&o);
		}
		out_list_end(&list);
		goto out;
	}

	for (int c = 0; c < NCOLS; c++)
		width[c] = (int)strlen(col_head[c]);
	for (size_t i = 0; i < l.n; i++) {
		char cell[NCOLS][CELL];

		ls_row(&l.v[i], human, cell);
		for (int c = 0; c < NCOLS; c++)
			if ((int)strlen(cell[c]) > width[c])
				width[c] = (int)strlen(cell[c]);
	}
	for (int c = 0; c < NCOLS; c++)
		snprintf(head[c], CELL, "%s", col_head[c]);
	ls_print((const char (*)[CELL])head, width);
	for (size_t i = 0; i < l.n; i++) {
		char cell[NCOLS][CELL];

		ls_row(&l.v[i], human, cell);
		ls_print((const char (*)[CELL])cell, width);
	}
out:
	for (size_t i = 0; i < l.n; i++)
		fipc_nl_channel_free(&l.v[i]);
	free(l.v);
	fipc_nl_close(nl);
	return status;
}

const struct cli_cmd cmd_ls = {
	.name = "ls",
	.synopsis = "[--json] [-s]",
	.summary = "list the channels (netlink)",
	.help =
	"Lists every channel of this network namespace, one row each,\n"
	"sorted by name: NAME, ID, OWNER (user name, or uid), MODE, MSGS and\n"
	"BYTES queued now, open HANDLES, the MAX-MSGS and MAX-BYTES limits,\n"
	"and the zero-copy THRESHOLD.  With --json, an array of objects with\n"
	"the keys of 'fastipc show --json'.\n"
	"\n"
	"  -j, --json    JSON output\n"
	"  -s, --human   sizes as 64K, 1.5M (powers of 1024)\n"
	"  -h, --help    this help\n",
	.run = ls_run,
};

/* ------------------------------------------------------------------ */
/* show                                                                */
/* ------------------------------------------------------------------ */

static int show_run(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct fipc_nl_channel ch;
	bool json = cli_opts.json, human = false;
	struct fipc_nl *nl;
	int status = EXIT_OK, err;
	const char *name;
	struct out o;

	if (!read_opts(cmd, argc, argv, &json, &human, &status))
		return status;
	if (optind >= argc)
		return cli_usage(cmd, "missing channel name");
	if (optind + 1 < argc)
		return cli_usage(cmd, "one channel name only ('%s' is extra)",
				 argv[optind + 1]);
	name = argv[optind];
	if (cli_nl_open("show", &nl))
		return EXIT_FAIL;
	err = fipc_nl_channel_get(nl, name, 0, &ch);
	if (err) {
		status = cli_nl_fail(nl, "show", name, err);
	} else {
		out_begin(&o, stdout, json);
		out_channel(&o, &ch, human);
		out_end(&o);
		fipc_nl_channel_free(&ch);
	}
	fipc_nl_close(nl);
	return status;
}

const struct cli_cmd cmd_show = {
	.name = "show",
	.synopsis = "NAME [--json] [-s]",
	.summary = "show everything about one channel (netlink)",
	.help =
	"Prints the channel's identity, limits, state and counters, one\n"
	"\"key: value\" per line, or one JSON object with the same keys.\n"
	"A topic adds its policy (wait or drop-oldest), history and\n"
	"subscribers, and a subscriber_list: each subscriber's pid, backlog\n"
	"(messages not yet received), drops and received; in text one\n"
	"\"subscriber_list: pid=P backlog=B drops=D received=R\" line each.\n"
	"Unlike 'info' it opens no handle, so it needs no permission on the\n"
	"channel and does not count itself in handles.\n"
	"\n"
	"  -j, --json    JSON output\n"
	"  -s, --human   sizes as 64K, 1.5M (text output only)\n"
	"  -h, --help    this help\n",
	.run = show_run,
};

/* ------------------------------------------------------------------ */
/* set                                                                 */
/* ------------------------------------------------------------------ */

static int set_run(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct fipc_nl_limits lim = { 0 };
	struct fipc_nl *nl;
	const char *name;
	int c, err, status = EXIT_OK;

	static const struct option longopts[] = {
		CLI_OPT_HELP,
		{ NULL, 0, NULL, 0 }
	};

	while ((c = cli_getopt(cmd, argc, argv, "h", longopts)) != -1) {
		if (c == 'h')
			return cli_help(cmd);
		return EXIT_USAGE;
	}
	if (optind >= argc)
		return cli_usage(cmd, "missing channel name");
	name = argv[optind++];
	if (optind >= argc)
		return cli_usage(cmd, "nothing to set");
	if ((argc - optind) % 2)
		return cli_usage(cmd, "'%s' has no value", argv[argc - 1]);

	for (int i = optind; i < argc; i += 2) {
		char key[32];
		uint64_t v;

		key_norm(key, sizeof(key), argv[i]);
		if (!strcmp(key, "max_msgs")) {
			if (!cli_parse_u64(cmd, key, argv[i + 1], UINT32_MAX,
					   &v))
				return EXIT_USAGE;
			lim.max_msgs = v;
			lim.mask |= FIPC_NL_SET_MAX_MSGS;
		} else if (!strcmp(key, "max_bytes")) {
			if (!cli_parse_size(cmd, key, argv[i + 1], UINT64_MAX,
					    &lim.max_bytes))
				return EXIT_USAGE;
			lim.mask |= FIPC_NL_SET_MAX_BYTES;
		} else if (!strcmp(key, "max_msg_size")) {
			if (!cli_parse_size(cmd, key, argv[i + 1], UINT64_MAX,
					    &lim.max_msg_size))
				return EXIT_USAGE;
			lim.mask |= FIPC_NL_SET_MAX_MSG_SIZE;
		} else if (!strcmp(key, "threshold") ||
			   !strcmp(key, "zc_threshold")) {
			if (!cli_parse_size(cmd, key, argv[i + 1], UINT64_MAX,
					    &lim.zc_threshold))
				return EXIT_USAGE;
			lim.mask |= FIPC_NL_SET_ZC_THRESHOLD;
		} else {
			return cli_usage(cmd, "unknown key '%s' (max_msgs, "
					 "max_bytes, max_msg_size, threshold)",
					 argv[i]);
		}
	}

	if (cli_nl_open("set", &nl))
		return EXIT_FAIL;
	err = fipc_nl_channel_set(nl, name, &lim);
	if (err)
		status = cli_nl_fail(nl, "set", name, err);
	fipc_nl_close(nl);
	return status;
}

const struct cli_cmd cmd_set = {
	.name = "set",
	.synopsis = "NAME KEY VALUE [KEY VALUE]...",
	.summary = "change a channel's limits (netlink)",
	.help =
	"Changes limits of channel NAME, all or none; the others stay.\n"
	"Needs the channel's owner or creator, or CAP_SYS_ADMIN.  Each value\n"
	"must be at least 1 and within the module's maximums.  A limit\n"
	"lowered below what is queued makes senders wait.  Keys:\n"
	"\n"
	"  max_msgs N             messages queued at most\n"
	"  max_bytes SIZE         payload bytes queued at most\n"
	"  max_msg_size SIZE      largest message\n"
	"  threshold SIZE         zero-copy threshold (also: zc_threshold)\n"
	"\n"
	"  -h, --help    this help\n",
	.run = set_run,
};

/* ------------------------------------------------------------------ */
/* rm                                                                  */
/* ------------------------------------------------------------------ */

static int rm_run(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "force", no_argument, NULL, 'f' },
		CLI_OPT_HELP,
		{ NULL, 0, NULL, 0 }
	};
	bool force = false;
	struct fipc_nl *nl;
	int c, err, status = EXIT_OK;

	while ((c = cli_getopt(cmd, argc, argv, "fh", longopts)) != -1) {
		switch (c) {
		case 'f':
			force = true;
			break;
		case 'h':
			return cli_help(cmd);
		default:
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage(cmd, "missing channel name");
	if (cli_nl_open("rm", &nl))
		return EXIT_FAIL;

	for (int i = optind; i < argc; i++) {
		struct fipc_nl_channel ch;
		uint64_t drops;

		/* Its id, so that a channel re-created meanwhile is safe. */
		err = fipc_nl_channel_get(nl, argv[i], 0, &ch);
		if (!err) {
			fipc_nl_channel_free(&ch);
			err = fipc_nl_channel_del(nl, argv[i], ch.id, &drops);
		}
		if (err == -ENOENT && force)
			continue;
		if (err) {
			status = cli_nl_fail(nl, "rm", argv[i], err);
			continue;
		}
		if (drops && drops != UINT64_MAX)
			printf("%s: %" PRIu64 " queued message%s dropped\n",
			       argv[i], drops, drops == 1 ? "" : "s");
	}
	fipc_nl_close(nl);
	return status;
}

const struct cli_cmd cmd_rm = {
	.name = "rm",
	.synopsis = "NAME... [--force]",
	.summary = "delete channels and their queues, like ipcrm (netlink)",
	.help =
	"Deletes each channel NAME: its name is removed and its queue\n"
	"destroyed at once, even while handles are open on it.  Queued\n"
	"messages are dropped (their number is printed); every later\n"
	"operation on an open handle fails with EIDRM (\"Identifier\n"
	"removed\").  Needs the channel's owner or creator, or\n"
	"CAP_SYS_ADMIN.  Goes on after a failure; the exit status is 1 if\n"
	"any name failed.  'unlink' removes only the name.\n"
	"\n"
	"  -f, --force   a channel that does not exist is not an error\n"
	"  -h, --help    this help\n",
	.run = rm_run,
};

/* ------------------------------------------------------------------ */
/* config                                                              */
/* ------------------------------------------------------------------ */

static int config_key(const char *arg)
{
	char key[40];

	key_norm(key, sizeof(key), arg);
	for (int k = 0; k < FIPC_CFG_NKEYS; k++)
		if (!strcmp(key, fipc_nl_cfg_keys[k].name))
			return k;
	return -1;
}

static int config_run(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct fipc_nl_config cfg = { 0 };
	bool json = cli_opts.json, human = false;
	struct fipc_nl *nl;
	int status = EXIT_OK, err;
	struct out o;

	if (!read_opts(cmd, argc, argv, &json, &human, &status))
		return status;
	if ((argc - optind) % 2)
		return cli_usage(cmd, "'%s' has no value", argv[argc - 1]);
	for (int i = optind; i < argc; i += 2) {
		int k = config_key(argv[i]);
		bool ok;

		if (k < 0)
			return cli_usage(cmd, "unknown key '%s' (see "
					 "'fastipc config --help')", argv[i]);
		if (fipc_nl_cfg_keys[k].is_u32)
			ok = cli_parse_u64(cmd, fipc_nl_cfg_keys[k].name,
					   argv[i + 1], UINT32_MAX,
					   &cfg.val[k]);
		else
			ok = cli_parse_size(cmd, fipc_nl_cfg_keys[k].name,
					    argv[i + 1], UINT64_MAX,
					    &cfg.val[k]);
		if (!ok)
			return EXIT_USAGE;
		cfg.mask |= 1U << k;
	}

	if (cli_nl_open("config", &nl))
		return EXIT_FAIL;
	if (cfg.mask) {
		err = fipc_nl_config_set(nl, &cfg);
		if (err)
			status = cli_nl_fail(nl, "config", NULL, err);
		goto out;
	}
	err = fipc_nl_config_get(nl, &cfg);
	if (err) {
		status = cli_nl_fail(nl, "config", NULL, err);
		goto out;
	}
	out_begin(&o, stdout, json);
	for (int k = 0; k < FIPC_CFG_NKEYS; k++) {
		if (!(cfg.mask & (1U << k)))
			continue;
		if (fipc_nl_cfg_keys[k].is_u32)
			out_u64(&o, fipc_nl_cfg_keys[k].name, cfg.val[k]);
		else
			cli_out_size(&o, fipc_nl_cfg_keys[k].name, cfg.val[k],
				     human);
	}
	out_end(&o);
out:
	fipc_nl_close(nl);
	return status;
}

const struct cli_cmd cmd_config = {
	.name = "config",
	.synopsis = "[--json] [-s] [KEY VALUE]...",
	.summary = "show or change the module-wide settings (netlink)",
	.help =
	"Without arguments, prints the module's settings, one \"key: value\"\n"
	"per line, or one JSON object.  With KEY VALUE pairs, sets them, all\n"
	"or none (needs CAP_NET_ADMIN).  The keys are the module parameters;\n"
	"sizes take K, M, G suffixes:\n"
	"\n"
	"  max_msg_size SIZE        largest message a channel may allow\n"
	"  default_max_msgs N       max_msgs of a new channel by default\n"
	"  max_msgs_limit N         largest max_msgs of a channel\n"
	"  default_max_bytes SIZE   max_bytes of a new channel by default\n"
	"  max_bytes_limit SIZE     largest max_bytes of a channel\n"
	"  zc_threshold SIZE        zero-copy threshold of new channels\n"
	"  max_window SIZE          largest zero-copy window of a handle\n"
	"  max_channels N           channels per network namespace\n"
	"  max_user_channels N      channels per creating user\n"
	"  user_pages_floor SIZE    page bytes a user may always hold\n"
	"  pool_max SIZE            recycled page bytes a handle may keep\n"
	"  user_queue_floor SIZE    channel capacity a user may always create\n"
	"  busy_poll_us N           adaptive busy-poll ceiling of new\n"
	"                           receiving handles (us, 0: none)\n"
	"\n"
	"  -j, --json    JSON output\n"
	"  -s, --human   sizes as 64K, 1.5M (text output only)\n"
	"  -h, --help    this help\n",
	.run = config_run,
};

/* ------------------------------------------------------------------ */
/* monitor                                                             */
/* ------------------------------------------------------------------ */

struct monitor_opts {
	bool json, human;
	bool timestamp;		/* -t: when each event was received */
	uint64_t count;		/* 0: until interrupted */
	uint64_t seen;
	char **names;		/* only these channels, if nnames */
	int nnames;
};

static void text_size(const char *key, uint64_t v, bool human)
{
	char buf[32];

	if (human) {
		cli_fmt_size(buf, sizeof(buf), v);
		printf(" %s=%s", key, buf);
	} else {
		printf(" %s=%" PRIu64, key, v);
	}
}

static int monitor_event(enum fipc_nl_event_type type,
			 const struct fipc_nl_channel *ch, void *arg)
{
	struct monitor_opts *m = arg;
	struct timespec now;
	struct out o;

	if (m->nnames) {
		int i;

		for (i = 0; i < m->nnames; i++)
			if (!strcmp(m->names[i], ch->name))
				break;
		if (i == m->nnames)
			return 0;
	}

	clock_gettime(CLOCK_REALTIME, &now);
	if (m->json) {
		out_begin(&o, stdout, true);
		if (m->timestamp) {
			char when[48];

			fmt_time(when, sizeof(when),
				 (uint64_t)now.tv_sec * 1000000000ULL +
				 (uint64_t)now.tv_nsec);
			out_str(&o, "timestamp", when);
		}
		out_str(&o, "event", fipc_nl_event_name(type));
		out_channel(&o, ch, false);
		out_end(&o);
	} else {
		char name[FASTIPC_NAME_LEN];

		printable(name, sizeof(name), ch->name);
		if (m->timestamp) {
			char when[32];
			struct tm tm;

			/* ip -ts monitor's: local time, microseconds. */
			localtime_r(&now.tv_sec, &tm);
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
			printf("[%s.%06ld] ", when, now.tv_nsec / 1000);
		}
		printf("%s %s id=%" PRIu64, fipc_nl_event_name(type), name,
		       ch->id);
		switch (type) {
		case FIPC_EV_CHANNEL_NEW:
			printf(" uid=%u gid=%u mode=%04o", ch->uid, ch->gid,
			       ch->mode & 07777);
			if (ch->topic.is_topic) {
				char policy[16];

				fmt_policy(policy, sizeof(policy),
					   ch->topic.flags);
				printf(" topic policy=%s history=%u", policy,
				       ch->topic.history);
			}
			/* fall through */
		case FIPC_EV_CHANNEL_CHANGE:
			printf(" max_msgs=%u", ch->limits.max_msgs);
			text_size("max_bytes", ch->limits.max_bytes, m->human);
			text_size("max_msg_size", ch->limits.max_msg_size,
				  m->human);
			text_size("zc_threshold", ch->limits.zc_threshold,
				  m->human);
			break;
		case FIPC_EV_CHANNEL_DEL:
			printf(" drops=%" PRIu64, ch->counters.drops);
			break;
		case FIPC_EV_QUEUE_FULL:
			printf(" queued_msgs=%u", ch->state.queued_msgs);
			text_size("queued_bytes", ch->state.queued_bytes,
				  m->human);
			printf(" max_msgs=%u", ch->limits.max_msgs);
			text_size("max_bytes", ch->limits.max_bytes, m->human);
			break;
		}
		putchar('\n');
	}
	fflush(stdout);
	m->seen++;
	return m->count && m->seen >= m->count;
}

static void monitor_lost(void *arg)
{
	(void)arg;
	fprintf(stderr, "fastipc: monitor: events lost (receive buffer "
			"overrun)\n");
}

static int monitor_run(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "human", no_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "timestamp", no_argument, NULL, 't' },
		CLI_OPT_HELP,
		{ NULL, 0, NULL, 0 }
	};
	struct monitor_opts m = {
		.json = cli_opts.json,
		.timestamp = cli_opts.timestamp,
	};
	struct fipc_nl *nl;
	int c, err, status = EXIT_OK;

	while ((c = cli_getopt(cmd, argc, argv, "jsn:th", longopts)) != -1) {
		switch (c) {
		case 'j':
			m.json = true;
			break;
		case 't':
			m.timestamp = true;
			break;
		case 's':
			m.human = true;
			break;
		case 'n':
			if (!cli_parse_u64(cmd, "--count", optarg, UINT64_MAX,
					   &m.count))
				return EXIT_USAGE;
			break;
		case 'h':
			return cli_help(cmd);
		default:
			return EXIT_USAGE;
		}
	}
	m.names = argv + optind;
	m.nnames = argc - optind;

	/* Each event reaches a pipe at once. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (cli_nl_open("monitor", &nl))
		return EXIT_FAIL;
	err = fipc_nl_monitor(nl, monitor_event, monitor_lost, &m);
	if (err)
		status = cli_nl_fail(nl, "monitor", NULL, err);
	fipc_nl_close(nl);
	return status;
}

const struct cli_cmd cmd_monitor = {
	.name = "monitor",
	.synopsis = "[--json] [-s] [-t] [-n COUNT] [NAME...]",
	.summary = "print channel events as they happen (netlink)",
	.help =
	"Prints one line per event of this network namespace until\n"
	"interrupted, or until COUNT events were printed: a channel was\n"
	"created (new), deleted or unlinked (del), had its limits changed\n"
	"(change), or a send filled its queue (full).  With NAMEs, only the\n"
	"events of those channels are printed (and counted).  Each line is\n"
	"\"EVENT NAME id=ID key=value...\", or with --json a JSON object with\n"
	"the key \"event\" and the keys of 'fastipc show --json'.  Output is\n"
	"line-buffered.\n"
	"\n"
	"  -n, --count COUNT  stop after COUNT events (0: never, the default)\n"
	"  -t, --timestamp    start each line with the local time the event\n"
	"                     was received, [2026-11-26T10:00:00.123456] (as\n"
	"                     ip -ts monitor); in JSON a first key \"timestamp\",\n"
	"                     UTC, as ctime\n"
	"  -j, --json         JSON output, one object per line\n"
	"  -s, --human        sizes as 64K, 1.5M (text output only)\n"
	"  -h, --help         this help\n",
	.run = monitor_run,
};
