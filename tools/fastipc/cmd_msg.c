// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc(8): message commands: send, recv.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "fastipc.h"
#include "cli.h"

enum {
	OPT_NONBLOCK = 256,
	OPT_BUSY_POLL,
};

/* ------------------------------------------------------------------ */
/* send                                                                */
/* ------------------------------------------------------------------ */

struct send_opts {
	struct fastipc_chan *ch;
	const char *name;
	unsigned int prio;
	unsigned int flags;	/* FASTIPC_NONBLOCK, FASTIPC_SEND_COPY/PAGES */
	int64_t timeout_ns;
	bool zero_copy;
};

static int send_one(const struct send_opts *so, const void *data, size_t len)
{
	void *buf;
	int ret;

	if (!so->zero_copy)
		return fastipc_timedsend(so->ch, data, len, so->prio,
					 so->flags, so->timeout_ns);

	/* A window buffer (an empty message cannot be one). */
	ret = fastipc_msg_alloc(so->ch, len, len ? FASTIPC_ALLOC_WINDOW : 0,
				&buf);
	if (ret)
		return ret;
	if (len)
		memcpy(buf, data, len);
	ret = fastipc_buf_send(so->ch, buf, len, so->prio, so->flags,
			       so->timeout_ns);
	if (ret)
		fastipc_buf_free(so->ch, buf);
	return ret;
}

/* Each line of stdin, without its newline, is a message. */
static int send_lines(const struct send_opts *so)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int ret = 0;

	while ((n = getline(&line, &cap, stdin)) >= 0) {
		if (n > 0 && line[n - 1] == '\n')
			n--;
		ret = send_one(so, line, (size_t)n);
		if (ret)
			break;
	}
	if (!ret && ferror(stdin))
		ret = -EIO;
	free(line);
	return ret;
}

/* All of stdin, whatever it holds, is one message. */
static int send_whole(const struct send_opts *so)
{
	size_t len = 0, cap = 64 << 10;
	char *buf = malloc(cap);
	int ret;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		size_t n;

		if (len == cap) {
			char *bigger = realloc(buf, cap * 2);

			if (!bigger) {
				free(buf);
				return -ENOMEM;
			}
			buf = bigger;
			cap *= 2;
		}
		n = fread(buf + len, 1, cap - len, stdin);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(stdin))
		ret = -EIO;
	else
		ret = send_one(so, buf, len);
	free(buf);
	return ret;
}

static int send_run(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "prio", required_argument, NULL, 'p' },
		{ "lines", no_argument, NULL, 'l' },
		{ "whole", no_argument, NULL, 'w' },
		{ "nonblock", no_argument, NULL, OPT_NONBLOCK },
		{ "timeout", required_argument, NULL, 't' },
		{ "copy", no_argument, NULL, 'c' },
		{ "pages", no_argument, NULL, 'P' },
		{ "zero-copy", no_argument, NULL, 'z' },
		CLI_OPT_HELP,
		{ NULL, 0, NULL, 0 }
	};
	struct send_opts so = { .timeout_ns = FASTIPC_TIMEOUT_NONE };
	bool lines = false, whole = false;
	uint64_t v;
	int c, ret = 0;

	while ((c = cli_getopt(cmd, argc, argv, "p:lwt:cPzh", longopts)) != -1) {
		switch (c) {
		case 'p':
			if (!cli_parse_u64(cmd, "--prio", optarg,
					   FASTIPC_PRIO_MAX, &v))
				return EXIT_USAGE;
			so.prio = (unsigned int)v;
			break;
		case 'l':
			lines = true;
			break;
		case 'w':
			whole = true;
			break;
		case OPT_NONBLOCK:
			so.flags |= FASTIPC_NONBLOCK;
			break;
		case 't':
			if (!cli_parse_ms(cmd, optarg, &so.timeout_ns))
				return EXIT_USAGE;
			break;
		case 'c':
			so.flags |= FASTIPC_SEND_COPY;
			break;
		case 'P':
			so.flags |= FASTIPC_SEND_PAGES;
			break;
		case 'z':
			so.zero_copy = true;
			break;
		case 'h':
			return cli_help(cmd);
		default:
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage(cmd, "missing channel name");
	so.name = argv[optind++];
	if (lines && whole)
		return cli_usage(cmd, "--lines and --whole exclude each other");
	if ((lines || whole) && optind < argc)
		return cli_usage(cmd, "--%s reads stdin: no MESSAGE arguments",
				 lines ? "lines" : "whole");
	if ((so.flags & FASTIPC_SEND_COPY) && (so.flags & FASTIPC_SEND_PAGES))
		return cli_usage(cmd, "--copy and --pages exclude each other");
	if (so.zero_copy && (so.flags & (FASTIPC_SEND_COPY |
					 FASTIPC_SEND_PAGES)))
		return cli_usage(cmd, "--zero-copy excludes --copy and --pages");

	ret = fastipc_open(so.name, FASTIPC_O_SEND, 0, NULL, &so.ch);
	if (ret)
		return cli_fail("send", so.name, ret);

	if (optind < argc) {
		for (; optind < argc && !ret; optind++)
			ret = send_one(&so, argv[optind], strlen(argv[optind]));
	} else if (whole) {
		ret = send_whole(&so);
	} else {
		ret = send_lines(&so);
	}

	fastipc_close(so.ch);
	if (ret == -ETIMEDOUT)
		return cli_failf("send", so.name, ret, "no room within %lld ms",
				 (long long)(so.timeout_ns / 1000000));
	if (ret)
		return cli_fail("send", so.name, ret);
	return EXIT_OK;
}

const struct cli_cmd cmd_send = {
	.name = "send",
	.synopsis = "NAME [-p PRIO] [--lines | --whole] [--nonblock] "
		    "[--timeout MS] [--copy | --pages | --zero-copy] "
		    "[MESSAGE...]",
	.summary = "send messages",
	.help =
	"Sends each MESSAGE argument as one message (without a newline).\n"
	"With no MESSAGE, reads stdin: each line is one message, without\n"
	"its newline (--lines, the default), or all of stdin is one\n"
	"message, byte for byte (--whole).  Stops at the first failure.\n"
	"\n"
	"  -p, --prio PRIO     priority, 0 (default, lowest) to 31\n"
	"  -l, --lines         stdin: one message per line\n"
	"  -w, --whole         stdin: one message, binary-safe\n"
	"      --nonblock      fail instead of waiting when the channel is "
	"full\n"
	"  -t, --timeout MS    wait at most MS milliseconds per message\n"
	"  -c, --copy          force the copy path\n"
	"  -P, --pages         force the page path\n"
	"  -z, --zero-copy     write each message into a window buffer and\n"
	"                      move its pages (FASTIPC_SEND_BUF)\n"
	"  -h, --help          this help\n"
	"\n"
	"Without --copy or --pages, messages of the channel's zc_threshold\n"
	"or more take the page path.\n",
	.run = send_run,
};

/* ------------------------------------------------------------------ */
/* recv                                                                */
/* ------------------------------------------------------------------ */

struct recv_opts {
	bool raw;
	bool print_prio;
	bool print_sender;
};

/*
 * Text mode: each message, then a newline unless it ends with one (an
 * empty message is an empty line); -p puts "PRIO<TAB>" first, -s
 * "pid=PID tid=TID uid=UID gid=GID<TAB>" after it.  Raw mode: the bytes,
 * nothing else.
 */
static int write_msg(const struct recv_opts *ro, const void *data,
		     size_t len, unsigned int prio,
		     const struct fastipc_sender *snd)
{
	const char *p = data;

	if (ro->print_prio)
		printf("%u\t", prio);
	if (ro->print_sender)
		printf("pid=%u tid=%u uid=%u gid=%u\t", snd->pid, snd->tid,
		       snd->uid, snd->gid);
	if (len && fwrite(data, 1, len, stdout) != len)
		return errno ? -errno : -EIO;
	if (!ro->raw && (len == 0 || p[len - 1] != '\n'))
		putchar('\n');
	if (fflush(stdout))
		return errno ? -errno : -EIO;
	return 0;
}

static int recv_run(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "all", no_argument, NULL, 'a' },
		{ "timeout", required_argument, NULL, 't' },
		{ "nonblock", no_argument, NULL, OPT_NONBLOCK },
		{ "busy-poll", required_argument, NULL, OPT_BUSY_POLL },
		{ "prio", no_argument, NULL, 'p' },
		{ "sender", no_argument, NULL, 's' },
		{ "zero-copy", no_argument, NULL, 'z' },
		{ "raw", no_argument, NULL, 'r' },
		CLI_OPT_HELP,
		{ NULL, 0, NULL, 0 }
	};
	struct recv_opts ro = { 0 };
	int64_t timeout_ns = FASTIPC_TIMEOUT_NONE;
	bool all = false, count_given = false, zero_copy = false;
	bool busy_poll_given = false;
	unsigned int flags = 0;
	struct fastipc_chan *ch;
	uint64_t count = 1, busy_poll = 0;
	const char *name;
	int c, ret = 0;

	while ((c = cli_getopt(cmd, argc, argv, "n:at:pszrh", longopts)) != -1) {
		switch (c) {
		case 'n':
			if (!cli_parse_u64(cmd, "--count", optarg, UINT64_MAX,
					   &count))
				return EXIT_USAGE;
			count_given = true;
			break;
		case 'a':
			all = true;
			break;
		case 't':
			if (!cli_parse_ms(cmd, optarg, &timeout_ns))
				return EXIT_USAGE;
			break;
		case OPT_NONBLOCK:
			flags |= FASTIPC_NONBLOCK;
			break;
		case OPT_BUSY_POLL:
			if (!cli_parse_u64(cmd, "--busy-poll", optarg,
					   FASTIPC_BUSY_POLL_MAX_US,
					   &busy_poll))
				return EXIT_USAGE;
			busy_poll_given = true;
			break;
		case 'p':
			ro.print_prio = true;
			break;
		case 's':
			ro.print_sender = true;
			break;
		case 'z':
			zero_copy = true;
			break;
		case 'r':
			ro.raw = true;
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
	if (all && count_given)
		return cli_usage(cmd, "--count and --all exclude each other");
	if (ro.raw && ro.print_prio)
		return cli_usage(cmd, "--raw and --prio exclude each other");
	if (ro.raw && ro.print_sender)
		return cli_usage(cmd, "--raw and --sender exclude each other");

	/* --all: until the queue is empty, or until MS pass without one. */
	if (all) {
		count = 0;
		if (timeout_ns < 0)
			flags |= FASTIPC_NONBLOCK;
	}

	ret = fastipc_open(name, FASTIPC_O_RECV, 0, NULL, &ch);
	if (ret)
		return cli_fail("recv", name, ret);
	if (busy_poll_given) {
		ret = fastipc_set_busy_poll(ch, (unsigned int)busy_poll);
		if (ret) {
			fastipc_close(ch);
			return cli_fail("recv --busy-poll", name, ret);
		}
	}

	for (uint64_t i = 0; count == 0 || i < count; i++) {
		struct fastipc_sender snd = { 0 };
		bool by_msg = zero_copy || ro.print_sender;
		struct fastipc_msg msg;
		void *buf = NULL;
		unsigned int prio = 0;
		ssize_t len;

		if (by_msg) {
			/* The message API is the one that says the sender. */
			ret = ro.print_sender ?
			      fastipc_recv_from(ch, &msg, &snd, flags,
						timeout_ns) :
			      fastipc_recv_msg(ch, &msg, flags, timeout_ns);
			len = ret ? ret : (ssize_t)msg.len;
			buf = msg.data;
			prio = msg.prio;
		} else {
			len = fastipc_recv_alloc(ch, &buf, &prio, flags,
						 timeout_ns);
		}
		if (len < 0) {
			ret = (int)len;
			if (all && (ret == -EAGAIN || ret == -ETIMEDOUT))
				ret = 0;
			else if (ret == -ETIMEDOUT)
				ret = cli_failf("recv", name, ret,
						"no message within %lld ms",
						(long long)(timeout_ns /
							    1000000));
			else
				ret = cli_fail("recv", name, ret);
			break;
		}
		ret = write_msg(&ro, buf, (size_t)len, prio, &snd);
		if (by_msg)
			fastipc_msg_release(ch, &msg);
		else
			free(buf);
		if (ret) {
			ret = cli_fail("write to stdout", NULL, ret);
			break;
		}
	}

	fastipc_close(ch);
	return ret ? EXIT_FAIL : EXIT_OK;
}

const struct cli_cmd cmd_recv = {
	.name = "recv",
	.synopsis = "NAME [-n COUNT | --all] [--timeout MS] [--nonblock] "
		    "[--busy-poll US] [-p] [-s] [--raw] [--zero-copy]",
	.summary = "receive messages to stdout",
	.help =
	"Receives messages, highest priority first, and writes them to\n"
	"stdout: each followed by a newline unless it ends with one (an\n"
	"empty message prints an empty line), or with --raw exactly its\n"
	"bytes and nothing else.\n"
	"\n"
	"  -n, --count COUNT   receive COUNT messages (default 1; 0: until\n"
	"                      interrupted)\n"
	"  -a, --all           receive until the channel is empty (with\n"
	"                      --timeout: until none comes for MS); an\n"
	"                      empty channel is not an error\n"
	"  -t, --timeout MS    wait at most MS milliseconds per message\n"
	"      --nonblock      fail instead of waiting when it is empty\n"
	"      --busy-poll US  poll an empty channel US microseconds (at\n"
	"                      most 10000; 0: never) before sleeping, in\n"
	"                      every receive: lower latency for this CPU's\n"
	"                      time (default: the module's adaptive poll,\n"
	"                      which polls only for replies)\n"
	"  -p, --prio          print each message's priority and a tab "
	"first\n"
	"  -s, --sender        print who sent each message and a tab first\n"
	"                      (after -p's): pid=PID tid=TID uid=UID\n"
	"                      gid=GID, as this process's namespaces see\n"
	"                      them (pid 0: not in its pid namespace)\n"
	"  -r, --raw           write the bytes only (binary-safe)\n"
	"  -z, --zero-copy     map page messages instead of copying them\n"
	"  -h, --help          this help\n",
	.run = recv_run,
};
