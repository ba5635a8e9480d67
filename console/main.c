/* console/main.c - entry point: dispatch a batch command through the same
 * command table that the console uses. */
#include <locale.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "console/console-int.h"

static volatile int main_cancel;

int
main(int argc, char **argv)
{
	struct cmd_ctx ctx = {
		.out = stdout,
		.err = stderr,
		.cancel = &main_cancel,
	};
	const struct cmd_entry *e;

	setlocale(LC_ALL, "");
	if (argc < 2 && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
		return cmd_console_entry.exec(&ctx, 1, argv);	/* the TUI */
	if (argc < 2) {
		/* Without a command there is nothing to run in batch. */
		ctx.out = stderr;
		cmd_help_entry.exec(&ctx, 1, argv);
		return CMD_RETURN_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help_entry.exec(&ctx, 1, argv);
	if (strcmp(argv[1], "--version") == 0) {
		fputs("lpardbg 0.1\n", stdout);
		return 0;
	}
	e = cmd_find(argv[1]);
	if (e == NULL)
		return cmd_usage(&ctx, NULL, "unknown command '%s' (try "
				 "'lpardbg help')", argv[1]);
	return e->exec(&ctx, argc - 1, argv + 1);
}
