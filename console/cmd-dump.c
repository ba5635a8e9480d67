/* console/cmd-dump.c - "dump": write an ELF core of a running process (as
 * gdb's gcore does) and report how long it was stopped. The work is
 * dump_write_process(); this file parses options and reports. */
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "console/console-int.h"
#include "dumps/dumps.h"

enum { OPT_JSON = 256, OPT_ALL_MEMORY };

struct dump_cmd {
	struct cmd_ctx *ctx;
	char **warnings;
	size_t nwarnings, cap;
};

/* SIGINT/SIGTERM while the process is stopped: finish the chunk, detach,
 * remove the partial file, rather than die and leave it behind. */
static volatile int dump_cancel;

static void
dump_on_signal(int sig)
{
	(void)sig;
	dump_cancel = 1;
}

static void
dump_warn(void *arg, const char *msg)
{
	struct dump_cmd *dc = arg;
	char *copy;

	cmd_warn(dc->ctx, msg);
	if (!dc->ctx->json || lpd_vec_reserve((void **)&dc->warnings,
					      &dc->cap, dc->nwarnings + 1,
					      sizeof(*dc->warnings)) != NULL)
		return;
	copy = lpd_strdup(msg);
	if (copy != NULL)
		dc->warnings[dc->nwarnings++] = copy;
}

static bool
dump_parse_pid(const char *s, int *ret)
{
	char *end;
	long v;

	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v <= 0 || v > INT_MAX)
		return false;
	*ret = (int)v;
	return true;
}

static enum cmd_retval
dump_report(struct cmd_ctx *ctx, struct dump_cmd *dc, const char *path,
	    const struct dump_write_stats *st)
{
	struct lpd_buf buf = LPD_BUF_INIT;
	struct lpd_json j;
	enum cmd_retval rv;
	size_t i;

	if (!ctx->json) {
		fprintf(ctx->err, "wrote %s: %zu thread(s), %zu segment(s), "
			"%.1f MiB of memory; process %d stopped for %.1f ms\n",
			path, st->nthreads, st->nsegments,
			(double)st->memory_bytes / (1 << 20), st->pid,
			(double)st->stopped_ns / 1e6);
		return CMD_RETURN_OK;
	}
	lpd_json_init(&j, &buf);
	lpd_json_object_begin(&j);
	lpd_json_key(&j, "core");
	lpd_json_string(&j, path);
	lpd_json_key(&j, "pid");
	lpd_json_int(&j, st->pid);
	lpd_json_key(&j, "threads");
	lpd_json_uint(&j, st->nthreads);
	lpd_json_key(&j, "segments");
	lpd_json_uint(&j, st->nsegments);
	lpd_json_key(&j, "memory_bytes");
	lpd_json_uint(&j, st->memory_bytes);
	lpd_json_key(&j, "file_size");
	lpd_json_uint(&j, st->file_size);
	lpd_json_key(&j, "zero_pages");
	lpd_json_uint(&j, st->zero_pages);
	lpd_json_key(&j, "stopped_ms");
	lpd_json_uint(&j, st->stopped_ns / 1000000);
	lpd_json_key(&j, "stopped_us");
	lpd_json_uint(&j, st->stopped_ns / 1000);
	lpd_json_key(&j, "total_ms");
	lpd_json_uint(&j, st->total_ns / 1000000);
	lpd_json_key(&j, "warnings");
	lpd_json_array_begin(&j);
	for (i = 0; i < dc->nwarnings; i++)
		lpd_json_string(&j, dc->warnings[i]);
	lpd_json_array_end(&j);
	lpd_json_object_end(&j);
	rv = cmd_emit_json(ctx, &j, &buf);
	lpd_buf_deinit(&buf);
	return rv;
}

static enum cmd_retval
cmd_dump_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "all-memory", no_argument, NULL, OPT_ALL_MEMORY },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dump_write_options opts = { 0 };
	struct dump_cmd dc = { .ctx = ctx };
	struct sigaction sa, old_int, old_term;
	struct dump_write_stats st;
	const char *out = NULL;
	struct lpd_error *err;
	enum cmd_retval rv;
	char *def = NULL;
	size_t i;
	int c, pid;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case OPT_ALL_MEMORY:
			opts.all_memory = true;
			break;
		case OPT_JSON:
			ctx->json = true;
			break;
		case 'h':
			fprintf(ctx->out, "usage: lpardbg %s %s\n  %s\n",
				cmd_dump_entry.name, cmd_dump_entry.usage,
				cmd_dump_entry.summary);
			return CMD_RETURN_USAGE;
		default:
			return cmd_usage(ctx, &cmd_dump_entry, "bad option "
					 "'%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cmd_usage(ctx, &cmd_dump_entry, optind >= argc ?
				 "missing PID" : "too many arguments");
	if (!dump_parse_pid(argv[optind], &pid))
		return cmd_usage(ctx, &cmd_dump_entry, "bad process id '%s'",
				 argv[optind]);
	if (out == NULL) {
		def = lpd_asprintf("core.%d", pid);
		if (def == NULL)
			return cmd_fail(ctx, &lpd_enomem);
		out = def;
	}
	opts.warn = dump_warn;
	opts.arg = &dc;
	opts.cancel = &dump_cancel;
	dump_cancel = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = dump_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	err = dump_write_process(pid, out, &opts, &st);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (err != NULL)
		rv = cmd_fail(ctx, err);
	else
		rv = dump_report(ctx, &dc, out, &st);
	for (i = 0; i < dc.nwarnings; i++)
		lpd_free(dc.warnings[i]);
	lpd_free(dc.warnings);
	lpd_free(def);
	return rv;
}

const struct cmd_entry cmd_dump_entry = {
	.name = "dump",
	.alias = "gcore",
	.usage = "[--json] [-o FILE] [--all-memory] PID",
	.summary = "write a core of a running process (default core.PID) "
		   "and let it run on",
	.exec = cmd_dump_exec,
};
