// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc(8): manage and use /dev/fastipc channels from the shell.
 *
 * main.c reads the global options, enters the network namespace of -n and
 * dispatches "fastipc [OPTIONS] COMMAND [ARGS]" to the command table,
 * where a command may be abbreviated to any unique prefix of its name.
 * The helpers the commands share are in util.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fastipc.h"
#include "cli.h"

#ifndef FASTIPC_VERSION
#define FASTIPC_VERSION "unknown"
#endif

struct cli_opts cli_opts;

static const struct cli_cmd cmd_help;

/*
 * fastipc bench: the comparison benchmark is a program of its own,
 * fastipc-bench, which this runs with the same arguments: the one next to
 * this fastipc (build/tools/ in the tree), else the first on PATH.
 */
static int bench_run(const struct cli_cmd *cmd, int argc, char **argv)
{
	static char prog[] = "fastipc-bench";
	char self[PATH_MAX], path[PATH_MAX + sizeof(prog)];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	(void)cmd;
	(void)argc;
	argv[0] = prog;
	fflush(NULL);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			snprintf(path, sizeof(path), "%.*s/%s",
				 (int)(slash - self), self, prog);
			execv(path, argv);
		}
	}
	execvp(prog, argv);
	if (errno == ENOENT)
		return cli_failf("bench", NULL, -ENOENT, "%s is not installed "
				 "(neither next to fastipc nor on PATH)", prog);
	return cli_failf("bench", NULL, -errno, "cannot run %s: %s", prog,
			 strerror(errno));
}

static const struct cli_cmd cmd_bench_alias = {
	.name = "bench",
	.synopsis = "[FASTIPC-BENCH OPTIONS]",
	.summary = "run fastipc-bench, the comparison benchmark",
	.help =
	"Runs fastipc-bench with the same arguments: the fastipc-bench next\n"
	"to this fastipc, else the first on PATH.  It compares fastipc with\n"
	"pipes, message queues, sockets and shared memory; as root it raises\n"
	"(and restores) the system limits the mechanisms need.  It is a\n"
	"program of its own, not installed with fastipc by default\n"
	"(make install-bench).  'fastipc bench --help' shows its options.\n",
	.run = bench_run,
};

/* Every command, in the order `fastipc help` lists them. */
static const struct cli_cmd *const commands[] = {
	&cmd_create,
	&cmd_unlink,
	&cmd_info,
	&cmd_send,
	&cmd_recv,
	&cmd_stats,
	&cmd_bench_alias,
	&cmd_ls,
	&cmd_show,
	&cmd_set,
	&cmd_rm,
	&cmd_config,
	&cmd_monitor,
	&cmd_help,
};

#define N_COMMANDS	(sizeof(commands) / sizeof(commands[0]))

static void print_overview(FILE *f)
{
	fprintf(f, "Usage: fastipc [OPTIONS] COMMAND [ARGS...]\n"
		   "       fastipc help [COMMAND]\n"
		   "       fastipc --version\n"
		   "\nCommands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-8s %s\n", commands[i]->name,
			commands[i]->summary);
	fprintf(f, "\nA command may be abbreviated to any unique prefix of its "
		   "name:\n'fastipc l' is 'fastipc ls'.\n"
		   "\nOptions, before the command:\n"
		   "  -j, --json          JSON output (as each command's "
		   "--json)\n"
		   "  -p, --pretty        JSON output, indented\n"
		   "  -n, --netns NETNS   run in network namespace NETNS "
		   "(/run/netns/NETNS,\n"
		   "                      as 'ip netns add' makes it; "
		   "a path if it has a '/')\n"
		   "  -t, --timestamp     monitor: timestamps (as monitor -t)\n"
		   "  -V, --version       the versions of fastipc and "
		   "libfastipc\n"
		   "  -h, --help          this help\n"
		   "\nSizes take K, M, G suffixes (powers of 1024). "
		   "See fastipc(8).\n");
}

/*
 * The command NAME names: its full name, or else a prefix of exactly one
 * command's name.  NULL after the usage error (unknown or ambiguous).
 */
static const struct cli_cmd *find_command(const char *name)
{
	const struct cli_cmd *found = NULL;
	size_t len = strlen(name), n = 0;

	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	for (size_t i = 0; len && i < N_COMMANDS; i++) {
		if (strncmp(commands[i]->name, name, len) == 0) {
			found = commands[i];
			n++;
		}
	}
	if (n == 1)
		return found;
	if (n == 0) {
		fprintf(stderr, "fastipc: unknown command '%s'\n", name);
	} else {
		const char *sep = "";

		fprintf(stderr, "fastipc: ambiguous command '%s': ", name);
		for (size_t i = 0; i < N_COMMANDS; i++) {
			if (strncmp(commands[i]->name, name, len) == 0) {
				fprintf(stderr, "%s%s", sep, commands[i]->name);
				sep = ", ";
			}
		}
		fputc('\n', stderr);
	}
	print_overview(stderr);
	return NULL;
}

static int help_run(const struct cli_cmd *self, int argc, char **argv)
{
	const struct cli_cmd *cmd;

	if (argc < 2) {
		print_overview(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		return cli_help(self);
	if (argc > 2)
		return cli_usage(self, "one command only ('%s' is extra)",
				 argv[2]);
	cmd = find_command(argv[1]);
	if (!cmd)
		return EXIT_USAGE;
	return cli_help(cmd);
}

static const struct cli_cmd cmd_help = {
	.name = "help",
	.synopsis = "[COMMAND]",
	.summary = "list the commands, or describe one",
	.help =
	"Without COMMAND, lists the commands and the global options; with\n"
	"one, describes it and its options, as 'fastipc COMMAND --help'.\n",
	.run = help_run,
};

/* -n NETNS: what `ip -n NETNS` does, before anything else is opened. */
static int enter_netns(const char *name)
{
	char path[PATH_MAX];
	int fd, err;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		if (err == ENOENT)
			fprintf(stderr, "fastipc: netns '%s': no such network "
					"namespace (no %s) [ENOENT]\n", name,
				path);
		else
			fprintf(stderr, "fastipc: netns '%s': cannot open %s: "
					"%s [%s]\n", name, path,
				strerror(err), cli_errname(err));
		return EXIT_FAIL;
	}
	if (setns(fd, CLONE_NEWNET)) {
		err = errno;
		close(fd);
		if (err == EINVAL)
			fprintf(stderr, "fastipc: netns '%s': %s is not a "
					"network namespace [EINVAL]\n", name,
				path);
		else if (err == EPERM)
			fprintf(stderr, "fastipc: netns '%s': entering a "
					"network namespace needs CAP_SYS_ADMIN "
					"[EPERM]\n", name);
		else
			fprintf(stderr, "fastipc: netns '%s': cannot enter "
					"it: %s [%s]\n", name, strerror(err),
				cli_errname(err));
		return EXIT_FAIL;
	}
	close(fd);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "netns", required_argument, NULL, 'n' },
		{ "timestamp", no_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd;
	int c;

	/* Options up to the command ('+'): the rest is the command's. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:jpn:tVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			cli_opts.json = true;
			break;
		case 'p':
			cli_opts.json = true;
			cli_opts.pretty = true;
			break;
		case 'n':
			cli_opts.netns = optarg;
			break;
		case 't':
			cli_opts.timestamp = true;
			break;
		case 'V':
			printf("fastipc %s (libfastipc %d.%d)\n",
			       FASTIPC_VERSION, fastipc_version_major(),
			       fastipc_version_minor());
			return EXIT_OK;
		case 'h':
			print_overview(stdout);
			return EXIT_OK;
		case ':':
			fprintf(stderr, "fastipc: option '%s' needs a network "
					"namespace name\n", argv[optind - 1]);
			print_overview(stderr);
			return EXIT_USAGE;
		default:
			if (optopt)
				fprintf(stderr, "fastipc: unknown option "
						"'-%c'\n", optopt);
			else
				fprintf(stderr, "fastipc: unknown option "
						"'%s'\n", argv[optind - 1]);
			print_overview(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		print_overview(stderr);
		return EXIT_USAGE;
	}
	cmd = find_command(argv[optind]);
	if (!cmd)
		return EXIT_USAGE;
	if (cli_opts.netns && cmd != &cmd_help && enter_netns(cli_opts.netns))
		return EXIT_FAIL;

	argc -= optind;
	argv += optind;
	optind = 0;	/* the command's getopt starts afresh */
	return cmd->run(cmd, argc, argv);
}
