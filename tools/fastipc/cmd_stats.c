// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc(8): stats, the module-wide counters, over netlink (they are the
 * FASTIPC_IOC_STATS counters plus the module's version).
 */
#include "cli.h"
#include "netlink.h"

static int stats_run(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "human", no_argument, NULL, 's' },
		CLI_OPT_HELP,
		{ NULL, 0, NULL, 0 }
	};
	struct fipc_nl_stats st;
	bool json = cli_opts.json, human = false;
	struct fipc_nl *nl;
	struct out o;
	int c, ret;

	while ((c = cli_getopt(cmd, argc, argv, "jsh", longopts)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 's':
			human = true;
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

	if (cli_nl_open("stats", &nl))
		return EXIT_FAIL;
	ret = fipc_nl_stats_get(nl, &st);
	if (ret) {
		ret = cli_nl_fail(nl, "stats", NULL, ret);
		fipc_nl_close(nl);
		return ret;
	}
	fipc_nl_close(nl);

	out_begin(&o, stdout, json);
	out_str(&o, "version", st.version);
	out_u64(&o, "pages_held", st.pages_held);
	cli_out_size(&o, "bytes_queued", st.bytes_queued, human);
	out_u64(&o, "channels", st.channels);
	out_u64(&o, "handles", st.handles);
	cli_out_size(&o, "copied_bytes", st.copied_bytes, human);
	out_u64(&o, "mapped_pages", st.mapped_pages);
	out_u64(&o, "pages_pooled", st.pages_pooled);
	out_str(&o, "scope", st.scope & FASTIPC_STATS_NETNS ? "netns" : "module");
	out_end(&o);
	return EXIT_OK;
}

const struct cli_cmd cmd_stats = {
	.name = "stats",
	.synopsis = "[--json] [-s]",
	.summary = "show the module-wide counters (netlink)",
	.help =
	"Prints the module's version and the counters of the whole module\n"
	"(every channel of every namespace), one \"key: value\" per line, or\n"
	"one JSON object.  In a network namespace other than the initial one,\n"
	"without CAP_SYS_ADMIN, they are that namespace's own (scope: netns;\n"
	"pages_held and pages_pooled are then 0).\n"
	"\n"
	"  -j, --json    JSON output\n"
	"  -s, --human   sizes as 64K, 1.5M (text output only)\n"
	"  -h, --help    this help\n",
	.run = stats_run,
};
