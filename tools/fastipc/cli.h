/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fastipc(8): what the command files share with main.c.
 *
 * A command is a struct cli_cmd defined in its own file and listed in the
 * table in main.c.  Its run() gets argv with argv[0] set to the command
 * name and returns the exit status: EXIT_OK, EXIT_FAIL or EXIT_USAGE.
 */
#ifndef FASTIPC_CLI_H
#define FASTIPC_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define EXIT_OK		0
#define EXIT_FAIL	1	/* an operation failed */
#define EXIT_USAGE	2	/* bad command line */

struct cli_cmd {
	const char *name;
	/* A program of its own (fastipc-bench): its name, said instead of
	 * "fastipc NAME" in usage and help; NULL for a command of fastipc. */
	const char *prog;
	const char *synopsis;	/* after "fastipc NAME ": "NAME [OPTIONS]" */
	const char *summary;	/* one line for `fastipc help` */
	const char *help;	/* the options, for `fastipc NAME --help` */
	int (*run)(const struct cli_cmd *cmd, int argc, char **argv);
};

extern const struct cli_cmd cmd_create, cmd_unlink, cmd_info;
extern const struct cli_cmd cmd_send, cmd_recv;
extern const struct cli_cmd cmd_stats;
extern const struct cli_cmd cmd_bench;		/* fastipc-bench's own */
extern const struct cli_cmd cmd_ls, cmd_show, cmd_set, cmd_rm;
extern const struct cli_cmd cmd_config, cmd_monitor;

/*
 * The global options, given before the command (main.c): -j asks every
 * command for JSON as its own --json does, -p for it indented, -t for
 * monitor's timestamps; -n NETNS has been entered before the command
 * runs.
 */
struct cli_opts {
	bool json;
	bool pretty;		/* -p: JSON, indented (implies json) */
	bool timestamp;		/* -t: monitor's -t */
	const char *netns;
};

extern struct cli_opts cli_opts;

/* The common option every command takes. */
#define CLI_OPT_HELP	{ "help", no_argument, NULL, 'h' }

/*
 * getopt_long() over a command's arguments, with the error handling every
 * command shares: returns the option, -1 at the end, or '?' after it has
 * printed the usage error (the command then returns EXIT_USAGE).
 */
int cli_getopt(const struct cli_cmd *cmd, int argc, char **argv,
	       const char *shortopts, const struct option *longopts);

/* Usage error: "fastipc CMD: <message>", the usage line, a hint (the
 * program's name instead of "fastipc CMD" for a program of its own). */
int cli_usage(const struct cli_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* `fastipc CMD --help` on stdout. */
int cli_help(const struct cli_cmd *cmd);

/*
 * An operation failed: "fastipc: OP 'NAME': <what happened> [ENAME]", in
 * the tool's words where it has some ("channel empty"), else
 * strerror(-err)'s; or the module-not-loaded line for -ENODEV.  @name
 * may be NULL.  cli_failf() says what happened with its own words.  Both
 * return EXIT_FAIL.
 */
int cli_fail(const char *op, const char *name, int err);
int cli_failf(const char *op, const char *name, int err, const char *fmt,
	      ...) __attribute__((format(printf, 4, 5)));

/* The name of errno @err (> 0): "ENOENT", or "errno 1234". */
const char *cli_errname(int err);

/* A byte count: digits, then K, M, G or T (powers of 1024), then B or iB
 * (all optional): 4K, 64KiB, 1M, 16MB.  False if @arg is none. */
bool size_parse(const char *arg, uint64_t *out);

/* Option argument parsers: false after printing a usage error. */
bool cli_parse_u64(const struct cli_cmd *cmd, const char *opt,
		   const char *arg, uint64_t max, uint64_t *out);
bool cli_parse_size(const struct cli_cmd *cmd, const char *opt,
		    const char *arg, uint64_t max, uint64_t *out);
bool cli_parse_mode(const struct cli_cmd *cmd, const char *arg,
		    unsigned int *out);
bool cli_parse_ms(const struct cli_cmd *cmd, const char *arg,
		  int64_t *timeout_ns);

/*
 * output.c: one record of key/value fields, as text or as JSON (on one
 * line, or indented with -p); or a JSON array of records.
 */
struct out {
	FILE *f;
	bool json;
	bool pretty;
	int fields;		/* printed so far (a list: its records) */
	int depth;		/* nesting: 0 at the top, 1 in a list */
};

/* A record: out_begin(), fields, out_end() (which ends the line). */
void out_begin(struct out *o, FILE *f, bool json);
void out_str(struct out *o, const char *key, const char *val);
void out_u64(struct out *o, const char *key, uint64_t val);
void out_mode(struct out *o, const char *key, unsigned int mode);
void out_bool(struct out *o, const char *key, bool val);
void out_end(struct out *o);

/* A JSON array of records: each is begun by out_list_item() and ended by
 * out_end(); out_list_end() ends the array and the line. */
void out_list_begin(struct out *list, FILE *f);
void out_list_item(struct out *list, struct out *o);
void out_list_end(struct out *list);

/* JSON only: a key whose value is an array of records, each begun by
 * out_list_item(list, ...) and ended by out_end(); out_array_end(list)
 * ends the array, and the record goes on. */
void out_array_begin(struct out *o, const char *key, struct out *list);
void out_array_end(struct out *list);

#endif /* FASTIPC_CLI_H */
