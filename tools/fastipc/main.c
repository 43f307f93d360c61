// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc(8): manage and use /dev/fastipc channels from the shell.
 *
 * main.c dispatches "fastipc COMMAND [ARGS]" to the command table; the
 * helpers the commands share are in util.c.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fastipc.h"
#include "cli.h"

#ifndef FASTIPC_VERSION
#define FASTIPC_VERSION "unknown"
#endif

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
		fprintf(stderr, "fastipc: bench: %s is not installed (neither "
				"next to fastipc nor on PATH) [ENOENT]\n", prog);
	else
		cli_fail("bench: run fastipc-bench", NULL, -errno);
	return EXIT_FAIL;
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
};

#define N_COMMANDS	(sizeof(commands) / sizeof(commands[0]))

static const struct cli_cmd *find_command(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

static void print_overview(FILE *f)
{
	fprintf(f, "Usage: fastipc COMMAND [ARGS...]\n"
		   "       fastipc help [COMMAND]\n"
		   "       fastipc --version\n"
		   "\nCommands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-8s %s\n", commands[i]->name,
			commands[i]->summary);
	fprintf(f, "\nSizes take K, M, G suffixes (powers of 1024). "
		   "See fastipc(8).\n");
}

static int cmd_help_run(int argc, char **argv)
{
	const struct cli_cmd *cmd;

	if (argc < 2) {
		print_overview(stdout);
		return EXIT_OK;
	}
	cmd = find_command(argv[1]);
	if (!cmd) {
		fprintf(stderr, "fastipc: unknown command '%s'\n", argv[1]);
		print_overview(stderr);
		return EXIT_USAGE;
	}
	return cli_help(cmd);
}

int main(int argc, char **argv)
{
	const struct cli_cmd *cmd;

	if (argc < 2) {
		print_overview(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("fastipc %s (libfastipc %d.%d)\n", FASTIPC_VERSION,
		       fastipc_version_major(), fastipc_version_minor());
		return EXIT_OK;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)
		return cmd_help_run(argc - 1, argv + 1);

	cmd = find_command(argv[1]);
	if (!cmd) {
		fprintf(stderr, "fastipc: unknown command '%s'\n", argv[1]);
		print_overview(stderr);
		return EXIT_USAGE;
	}
	return cmd->run(cmd, argc - 1, argv + 1);
}
