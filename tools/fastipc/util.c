// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc(8): what every command shares: usage errors, --help, failures,
 * option parsing and option arguments.  fastipc-bench links it too.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fastipc.h"
#include "cli.h"

/* How the command is typed: "fastipc ls", or "fastipc-bench". */
static const char *title(const struct cli_cmd *cmd, char *buf, size_t size)
{
	if (cmd->prog)
		return cmd->prog;
	snprintf(buf, size, "fastipc %s", cmd->name);
	return buf;
}

int cli_usage(const struct cli_cmd *cmd, const char *fmt, ...)
{
	char buf[64];
	const char *t = title(cmd, buf, sizeof(buf));
	va_list ap;

	fprintf(stderr, "%s: ", t);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nUsage: %s %s\n"
			"Try '%s --help' for more information.\n",
		t, cmd->synopsis, t);
	return EXIT_USAGE;
}

int cli_help(const struct cli_cmd *cmd)
{
	char buf[64];

	printf("Usage: %s %s\n%s\n\n%s", title(cmd, buf, sizeof(buf)),
	       cmd->synopsis, cmd->summary, cmd->help);
	return EXIT_OK;
}

const char *cli_errname(int err)
{
	static char buf[24];
	const char *name = strerrorname_np(err);

	if (name)
		return name;
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

/* strerror(), as words of a sentence: "Bad address" -> "bad address". */
static void put_strerror(int err)
{
	const char *s = strerror(err);

	if (s[0] >= 'A' && s[0] <= 'Z' && !(s[1] >= 'A' && s[1] <= 'Z'))
		fprintf(stderr, "%c%s", s[0] - 'A' + 'a', s + 1);
	else
		fputs(s, stderr);
}

/* "fastipc: OP 'NAME': " */
static void fail_head(const char *op, const char *name)
{
	fprintf(stderr, "fastipc: %s", op);
	if (name)
		fprintf(stderr, " '%s'", name);
	fputs(": ", stderr);
}

int cli_failf(const char *op, const char *name, int err, const char *fmt,
	      ...)
{
	va_list ap;

	fail_head(op, name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " [%s]\n", cli_errname(-err));
	return EXIT_FAIL;
}

/*
 * What a failure means, in the words of the command line: NULL where
 * strerror() says it as well as anything.  @op is the command (send and
 * recv wait on a queue; create makes a channel); a control-plane command
 * gets here only when the kernel gave no reason of its own.
 */
static const char *fail_words(const char *op, const char *name, int err)
{
	bool send = !strcmp(op, "send"), recv = !strcmp(op, "recv");

	switch (err) {
	case ENOENT:
		return "no such channel";
	case EEXIST:
		return "the channel exists";
	case EACCES:
		return send ? "no write permission on the channel" :
		       recv ? "no read permission on the channel" :
		       "no permission on the channel";
	case EPERM:
		if (!strcmp(op, "unlink"))
			return "only the channel's owner or creator, or "
			       "CAP_SYS_ADMIN, may remove it";
		return "not permitted";
	case EAGAIN:
		return send ? "channel full" : recv ? "channel empty" : NULL;
	case ETIMEDOUT:
		return send ? "no room in time" : recv ? "no message in time" :
		       NULL;
	case EINVAL:
		if (name && (!name[0] || strchr(name, '/')))
			return "not a channel name (1 to 63 bytes, no '/')";
		if (!strcmp(op, "create"))
			return "a limit is outside the module's range "
			       "(fastipc config shows it)";
		return NULL;
	case ENAMETOOLONG:
		return "name longer than 63 bytes";
	case EMSGSIZE:
		return send ? "message larger than the channel's "
			      "max_msg_size or max_bytes" : NULL;
	case EIDRM:
		return "the channel was deleted (fastipc rm)";
	case ENOSPC:
		return !strcmp(op, "create") ?
			"too many channels (the namespace's or the user's "
			"limit: max_channels, max_user_channels)" : NULL;
	case EINTR:
		return "interrupted";
	case ENOMEM:
		return "out of memory";
	}
	return NULL;
}

int cli_fail(const char *op, const char *name, int err)
{
	const char *words;

	if (err == -ENODEV) {
		fprintf(stderr, "fastipc: %s not found: "
				"is the fastipc module loaded?\n",
			FASTIPC_DEVICE);
		return EXIT_FAIL;
	}
	words = fail_words(op, name, -err);
	fail_head(op, name);
	if (words)
		fputs(words, stderr);
	else
		put_strerror(-err);
	fprintf(stderr, " [%s]\n", cli_errname(-err));
	return EXIT_FAIL;
}

int cli_getopt(const struct cli_cmd *cmd, int argc, char **argv,
	       const char *shortopts, const struct option *longopts)
{
	const char *arg;
	int c;

	opterr = 0;
	c = getopt_long(argc, argv, shortopts, longopts, NULL);
	if (c != '?')
		return c;

	/*
	 * glibc: optopt is 0 for an unknown long option, the option's val
	 * for a long option missing its argument or given one it does not
	 * take, the letter for a short option.
	 */
	arg = argv[optind - 1];
	if (optopt == 0)
		cli_usage(cmd, "unknown option '%s'", arg);
	else if (strncmp(arg, "--", 2) == 0 && strchr(arg, '='))
		cli_usage(cmd, "option '%.*s' takes no argument",
			  (int)(strchr(arg, '=') - arg), arg);
	else if (strncmp(arg, "--", 2) == 0)
		cli_usage(cmd, "option '%s' needs an argument", arg);
	else if (optopt < 256 && strchr(shortopts, optopt))
		cli_usage(cmd, "option '-%c' needs an argument", optopt);
	else
		cli_usage(cmd, "unknown option '-%c'", optopt);
	return '?';
}

bool cli_parse_u64(const struct cli_cmd *cmd, const char *opt,
		   const char *arg, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (!isdigit((unsigned char)arg[0]))
		goto bad;
	v = strtoull(arg, &end, 10);
	if (errno || *end || v > max)
		goto bad;
	*out = v;
	return true;
bad:
	cli_usage(cmd, "%s: '%s' is not a number from 0 to %llu", opt, arg,
		  (unsigned long long)max);
	return false;
}

/* A byte count with an optional K/M/G/T suffix (powers of 1024),
 * optionally followed by "B" or "iB": 4K, 64KiB, 1M, 16MB. */
bool size_parse(const char *arg, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	errno = 0;
	if (!isdigit((unsigned char)arg[0]))
		return false;
	v = strtoull(arg, &end, 10);
	if (errno)
		return false;
	switch (toupper((unsigned char)*end)) {
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	case 'T':
		shift = 40;
		break;
	}
	if (shift) {
		end++;
		if (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0)
			end += strlen(end);
	} else if (strcmp(end, "B") == 0) {
		end++;
	}
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return false;
	*out = v << shift;
	return true;
}

bool cli_parse_size(const struct cli_cmd *cmd, const char *opt,
		    const char *arg, uint64_t max, uint64_t *out)
{
	uint64_t v;

	if (size_parse(arg, &v) && v <= max) {
		*out = v;
		return true;
	}
	cli_usage(cmd, "%s: '%s' is not a size from 0 to %llu "
		       "(suffixes K, M, G)", opt, arg,
		  (unsigned long long)max);
	return false;
}

bool cli_parse_mode(const struct cli_cmd *cmd, const char *arg,
		    unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 8);
	if (errno || !*arg || *end || v > 0777 || arg[0] == '-' ||
	    arg[0] == '+') {
		cli_usage(cmd, "--mode: '%s' is not an octal mode "
			       "from 0 to 0777", arg);
		return false;
	}
	*out = (unsigned int)v;
	return true;
}

/* --timeout MS: milliseconds, 0 included, to nanoseconds. */
bool cli_parse_ms(const struct cli_cmd *cmd, const char *arg,
		  int64_t *timeout_ns)
{
	uint64_t ms;

	if (!cli_parse_u64(cmd, "--timeout", arg, INT64_MAX / 1000000, &ms))
		return false;
	*timeout_ns = (int64_t)ms * 1000000;
	return true;
}
