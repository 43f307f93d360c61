// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc(8): channel commands: create, unlink, info.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fastipc.h"
#include "cli.h"

/* ------------------------------------------------------------------ */
/* create                                                              */
/* ------------------------------------------------------------------ */

enum {
	OPT_MAX_MSGS = 256,
	OPT_MAX_BYTES,
	OPT_MAX_MSG_SIZE,
	OPT_THRESHOLD,
	OPT_TOPIC,
	OPT_DROP_OLDEST,
	OPT_HISTORY,
};

/*
 * create --topic NAME when NAME exists: a topic is what was asked for,
 * and is fine (its settings unchanged); a queue is not.  EXIT_OK, or
 * EXIT_FAIL after saying why.
 */
static int create_exists_topic(const char *name)
{
	struct fastipc_chan *ch;
	int ret;

	/* Any access will do: write (no subscription), or else read. */
	ret = fastipc_topic_open(name, FASTIPC_O_SEND, 0, NULL, 0, 0, &ch);
	if (ret == -EACCES)
		ret = fastipc_topic_open(name, FASTIPC_O_RECV, 0, NULL, 0, 0,
					 &ch);
	if (ret == -EPROTOTYPE)
		return cli_failf("create", name, ret, "the channel exists "
				 "and is a queue, not a topic");
	if (ret == 0)
		fastipc_close(ch);
	/* Gone meanwhile, or no access to tell: as for a queue. */
	return EXIT_OK;
}

static int create_run(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "max-msgs", required_argument, NULL, OPT_MAX_MSGS },
		{ "max-bytes", required_argument, NULL, OPT_MAX_BYTES },
		{ "max-msg-size", required_argument, NULL, OPT_MAX_MSG_SIZE },
		{ "threshold", required_argument, NULL, OPT_THRESHOLD },
		{ "excl", no_argument, NULL, 'x' },
		{ "topic", no_argument, NULL, OPT_TOPIC },
		{ "drop-oldest", no_argument, NULL, OPT_DROP_OLDEST },
		{ "history", required_argument, NULL, OPT_HISTORY },
		CLI_OPT_HELP,
		{ NULL, 0, NULL, 0 }
	};
	struct fastipc_attr attr = { 0 };
	unsigned int mode = 0600, flags, topic_flags = 0, history = 0;
	struct fastipc_chan *ch;
	bool excl = false, given = false, topic = false;
	const char *topic_opt = NULL;
	const char *name;
	uint64_t v;
	int c, ret;

	while ((c = cli_getopt(cmd, argc, argv, "m:xh", longopts)) != -1) {
		switch (c) {
		case 'm':
			if (!cli_parse_mode(cmd, optarg, &mode))
				return EXIT_USAGE;
			given = true;
			break;
		case OPT_MAX_MSGS:
			if (!cli_parse_u64(cmd, "--max-msgs", optarg,
					   UINT32_MAX, &v))
				return EXIT_USAGE;
			attr.max_msgs = (uint32_t)v;
			given = true;
			break;
		case OPT_MAX_BYTES:
			if (!cli_parse_size(cmd, "--max-bytes", optarg,
					    UINT64_MAX, &v))
				return EXIT_USAGE;
			attr.max_bytes = v;
			given = true;
			break;
		case OPT_MAX_MSG_SIZE:
			if (!cli_parse_size(cmd, "--max-msg-size", optarg,
					    FASTIPC_MSG_SIZE_LIMIT, &v))
				return EXIT_USAGE;
			attr.max_msg_size = v;
			given = true;
			break;
		case OPT_THRESHOLD:
			if (!cli_parse_size(cmd, "--threshold", optarg,
					    UINT64_MAX, &v))
				return EXIT_USAGE;
			attr.zc_threshold = v;
			given = true;
			break;
		case 'x':
			excl = true;
			break;
		case OPT_TOPIC:
			topic = true;
			break;
		case OPT_DROP_OLDEST:
			topic_flags |= FASTIPC_TOPIC_DROP_OLDEST;
			topic_opt = "--drop-oldest";
			given = true;
			break;
		case OPT_HISTORY:
			if (!cli_parse_u64(cmd, "--history", optarg,
					   UINT32_MAX, &v))
				return EXIT_USAGE;
			history = (unsigned int)v;
			topic_opt = "--history";
			given = true;
			break;
		case 'h':
			return cli_help(cmd);
		default:
			return EXIT_USAGE;
		}
	}
	if (topic_opt && !topic)
		return cli_usage(cmd, "%s is for a topic (add --topic)",
				 topic_opt);
	if (optind >= argc)
		return cli_usage(cmd, "missing channel name");
	if (optind + 1 < argc)
		return cli_usage(cmd, "one channel name only ('%s' is extra)",
				 argv[optind + 1]);
	name = argv[optind];

	/*
	 * The creator's handle asks for the access the owner bits give, so
	 * that the permission check on it cannot fail; it is closed at once.
	 */
	flags = FASTIPC_O_CREAT | FASTIPC_O_EXCL;
	if (mode & 0400)
		flags |= FASTIPC_O_RECV;
	if (mode & 0200)
		flags |= FASTIPC_O_SEND;
	if (!(flags & FASTIPC_O_RDWR))
		flags |= FASTIPC_O_RECV;

	if (topic)
		ret = fastipc_topic_open(name, flags, mode, &attr, topic_flags,
					 history, &ch);
	else
		ret = fastipc_open(name, flags, mode, &attr, &ch);
	if (ret == -EEXIST && !excl) {
		if (topic && create_exists_topic(name))
			return EXIT_FAIL;
		if (given)
			fprintf(stderr, "fastipc: create '%s': the channel "
					"exists; its mode and limits are "
					"unchanged\n", name);
		return EXIT_OK;
	}
	if (ret == -EINVAL && topic && history)
		return cli_failf("create", name, ret, "a limit is outside the "
				 "module's range, or --history is more than "
				 "the topic's max_msgs");
	if (ret == -EOPNOTSUPP && topic)
		return cli_failf("create", name, ret, "the fastipc module has "
				 "no topics (older than 0.8)");
	if (ret)
		return cli_fail("create", name, ret);
	fastipc_close(ch);
	return EXIT_OK;
}

const struct cli_cmd cmd_create = {
	.name = "create",
	.synopsis = "NAME [--mode MODE] [--max-msgs N] [--max-bytes SIZE] "
		    "[--max-msg-size SIZE] [--threshold SIZE] [--excl] "
		    "[--topic [--drop-oldest] [--history N]]",
	.summary = "create a channel",
	.help =
	"Creates channel NAME.  If it exists already, succeeds and changes\n"
	"nothing (a warning says so if options were given), unless --excl.\n"
	"A limit not given, or given as 0, takes the module's default.\n"
	"\n"
	"  -m, --mode MODE          permission bits, octal (default 0600)\n"
	"      --max-msgs N         messages queued at most\n"
	"      --max-bytes SIZE     payload bytes queued at most\n"
	"      --max-msg-size SIZE  largest message\n"
	"      --threshold SIZE     messages of this size or more travel in\n"
	"                           pages (zero-copy receive possible)\n"
	"  -x, --excl               fail if the channel exists\n"
	"      --topic              a topic: every message goes to every\n"
	"                           subscriber (each receiving handle, as\n"
	"                           'fastipc recv' opens); if NAME exists it\n"
	"                           must be a topic\n"
	"      --drop-oldest        a full topic drops its oldest message\n"
	"                           (a drop for each subscriber that had not\n"
	"                           received it) instead of making the\n"
	"                           sender wait\n"
	"      --history N          keep the last N messages for subscribers\n"
	"                           that come later (0, the default, to\n"
	"                           max_msgs)\n"
	"  -h, --help               this help\n",
	.run = create_run,
};

/* ------------------------------------------------------------------ */
/* unlink                                                              */
/* ------------------------------------------------------------------ */

static int unlink_run(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "force", no_argument, NULL, 'f' },
		CLI_OPT_HELP,
		{ NULL, 0, NULL, 0 }
	};
	int status = EXIT_OK;
	bool force = false;
	int c, ret;

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

	for (int i = optind; i < argc; i++) {
		ret = fastipc_unlink(argv[i]);
		if (ret == -ENOENT && force)
			continue;
		if (ret) {
			status = cli_fail("unlink", argv[i], ret);
			if (ret == -ENODEV)
				break;
		}
	}
	return status;
}

const struct cli_cmd cmd_unlink = {
	.name = "unlink",
	.synopsis = "NAME... [--force]",
	.summary = "remove channel names",
	.help =
	"Removes each NAME.  A channel lives on while handles are open on\n"
	"it; its name is free at once.  Goes on after a failure; the exit\n"
	"status is 1 if any name failed.\n"
	"\n"
	"  -f, --force   a name that does not exist is not an error\n"
	"  -h, --help    this help\n",
	.run = unlink_run,
};

/* ------------------------------------------------------------------ */
/* info                                                                */
/* ------------------------------------------------------------------ */

static int info_run(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		CLI_OPT_HELP,
		{ NULL, 0, NULL, 0 }
	};
	struct fastipc_info info;
	struct fastipc_chan *ch;
	bool json = cli_opts.json;
	const char *name;
	struct out o;
	int c, ret;

	while ((c = cli_getopt(cmd, argc, argv, "jh", longopts)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			return cli_help(cmd);
		default:
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage(cmd, "missing channel name");
	if (optind + 1 < argc)
		return cli_usage(cmd, "one channel name only ('%s' is extra)",
				 argv[optind + 1]);
	name = argv[optind];

	/* Any access will do: read, or else write. */
	ret = fastipc_open(name, FASTIPC_O_RECV, 0, NULL, &ch);
	if (ret == -EACCES)
		ret = fastipc_open(name, FASTIPC_O_SEND, 0, NULL, &ch);
	if (ret)
		return cli_fail("info", name, ret);
	ret = fastipc_info(ch, &info);
	fastipc_close(ch);
	if (ret)
		return cli_fail("info", name, ret);
	info.name[FASTIPC_NAME_MAX] = '\0';

	out_begin(&o, stdout, json);
	out_str(&o, "name", info.name);
	out_u64(&o, "id", info.id);
	out_u64(&o, "uid", info.uid);
	out_u64(&o, "gid", info.gid);
	out_mode(&o, "mode", info.mode);
	out_u64(&o, "max_msgs", info.attr.max_msgs);
	out_u64(&o, "max_bytes", info.attr.max_bytes);
	out_u64(&o, "max_msg_size", info.attr.max_msg_size);
	out_u64(&o, "zc_threshold", info.attr.zc_threshold);
	out_u64(&o, "queued_msgs", info.queued_msgs);
	out_u64(&o, "queued_bytes", info.queued_bytes);
	out_u64(&o, "sent_msgs", info.sent_msgs);
	out_u64(&o, "sent_bytes", info.sent_bytes);
	out_u64(&o, "recv_msgs", info.recv_msgs);
	out_u64(&o, "recv_bytes", info.recv_bytes);
	out_u64(&o, "page_msgs", info.page_msgs);
	out_u64(&o, "copied_bytes", info.copied_bytes);
	out_u64(&o, "mapped_pages", info.mapped_pages);
	out_u64(&o, "handles", info.handles);
	out_end(&o);
	return EXIT_OK;
}

const struct cli_cmd cmd_info = {
	.name = "info",
	.synopsis = "NAME [--json]",
	.summary = "show a channel's limits, queue and counters",
	.help =
	"Prints the channel's state, one \"key: value\" per line, or one\n"
	"JSON object with the same keys.  handles counts the one this\n"
	"command opens to ask.\n"
	"\n"
	"  -j, --json   JSON output\n"
	"  -h, --help   this help\n",
	.run = info_run,
};
