// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc(8): stats, the module-wide counters.
 */
#include "fastipc.h"
#include "cli.h"

static int stats_run(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		CLI_OPT_HELP,
		{ NULL, 0, NULL, 0 }
	};
	struct fastipc_stats st;
	bool json = false;
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
	if (optind < argc)
		return cli_usage(cmd, "no arguments expected ('%s')",
				 argv[optind]);

	ret = fastipc_stats(&st);
	if (ret)
		return cli_fail("stats", NULL, ret);

	out_begin(&o, stdout, json);
	out_u64(&o, "pages_held", st.pages_held);
	out_u64(&o, "bytes_queued", st.bytes_queued);
	out_u64(&o, "channels", st.channels);
	out_u64(&o, "handles", st.handles);
	out_u64(&o, "copied_bytes", st.copied_bytes);
	out_u64(&o, "mapped_pages", st.mapped_pages);
	out_end(&o);
	return EXIT_OK;
}

const struct cli_cmd cmd_stats = {
	.name = "stats",
	.synopsis = "[--json]",
	.summary = "show the module-wide counters",
	.help =
	"Prints the counters of the whole module (every channel of every\n"
	"namespace), one \"key: value\" per line, or one JSON object.\n"
	"\n"
	"  -j, --json   JSON output\n"
	"  -h, --help   this help\n",
	.run = stats_run,
};
