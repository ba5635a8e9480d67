/* services/paging/lpar-update.c - the update manager's CLI.
 *   lpar-update [--dir DIR] [--timeout-ms N] [--prepare-first]
 *               [--dump-repo REPO [--lpardbg PATH] [--node N]] LPAR IMAGE
 *   lpar-update [--dir DIR] --status LPAR
 *   lpar-update [--dir DIR] --stop LPAR [--save FILE]
 * Drives the update through the LPAR's control socket DIR/LPAR.ctl and
 * prints its JSON answer: the phase timings, or the phase and reason an
 * update aborted in. Exit 0 if the update (or request) succeeded, 1 if
 * it was refused or aborted, 2 on usage errors. --prepare-first pages in,
 * verifies and links the new image before the quiesce (the LPAR running
 * on the old OS meanwhile), so the blackout is only state transfer and
 * switch. --dump-repo takes a system dump of the LPAR (`lpardbg dump`)
 * before and after the update, outside the blackout, and records both in
 * REPO with the image each ran, labelled phase=before/after and
 * update=LPAR.GEN so they pair up. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "services/paging/paging.h"

static const char *dir, *dump_repo, *lpardbg = "lpardbg", *node = "node1";

static int
usage(void)
{
	fprintf(stderr, "usage: lpar-update [--dir DIR] [--timeout-ms N] "
		"[--prepare-first]\n"
		"                   [--dump-repo REPO [--lpardbg PATH] "
		"[--node N]] LPAR IMAGE\n"
		"       lpar-update [--dir DIR] --status LPAR\n"
		"       lpar-update [--dir DIR] --stop LPAR [--save FILE]\n");
	return 2;
}

/* Send REQ to LPAR, the answer into OUT (CAP bytes, NUL-terminated). */
static int
ask(const char *lpar, const char *req, char *out, size_t cap)
{
	char path[512];
	struct lpd_error *err;
	size_t n = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s.ctl", dir, lpar);
	if ((err = pg_connect(path, &fd)) != NULL) {
		fprintf(stderr, "lpar-update: %s\n", err->message);
		lpd_error_destroy(err);
		return -1;
	}
	if (pg_write_all(fd, req, strlen(req)) != 0) {
		fprintf(stderr, "lpar-update: %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	while (n < cap - 1) {
		ssize_t k = read(fd, out + n, cap - 1 - n);
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	out[n] = '\0';
	close(fd);
	return 0;
}

/* The value after "KEY": in the runtime's JSON, as a number or a bare
 * string (no escapes appear in the fields we read). */
static long
json_num(const char *js, const char *key)
{
	char k[64];
	const char *p;

	snprintf(k, sizeof(k), "\"%s\":", key);
	p = strstr(js, k);
	return p == NULL ? -1 : strtol(p + strlen(k), NULL, 10);
}

static void
json_str(const char *js, const char *key, char *out, size_t cap)
{
	char k[64];
	const char *p, *e;

	snprintf(k, sizeof(k), "\"%s\":\"", key);
	out[0] = '\0';
	if ((p = strstr(js, k)) == NULL)
		return;
	p += strlen(k);
	e = strchr(p, '"');
	if (e != NULL && (size_t)(e - p) < cap) {
		memcpy(out, p, (size_t)(e - p));
		out[e - p] = '\0';
	}
}

static int
run(char *const argv[])
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* Keep our stdout for the JSON answer. */
		dup2(STDERR_FILENO, STDOUT_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Dump LPAR as it runs now and import the core into the repository. */
static int
dump_phase(const char *lpar, const char *phase, long gen)
{
	char st[8192], pid[32], core[512], image[128], imgname[PG_NAME_MAX];
	char lab_phase[64], lab_upd[128];
	long ver;
	int rc;

	if (ask(lpar, "status\n", st, sizeof(st)) != 0)
		return -1;
	snprintf(pid, sizeof(pid), "%ld", json_num(st, "pid"));
	ver = json_num(st, "os_version");
	json_str(st, "image", imgname, sizeof(imgname));
	snprintf(image, sizeof(image), "%s:%ld", imgname, ver);
	snprintf(core, sizeof(core), "%s/%s.%ld.%s.core", dir, lpar, gen,
		 phase);
	snprintf(lab_phase, sizeof(lab_phase), "phase=%s", phase);
	snprintf(lab_upd, sizeof(lab_upd), "update=%s.%ld", lpar, gen);
	/* execvp wants char *; the literals live in writable arrays. */
	char a_dump[] = "dump", a_o[] = "-o", a_repo[] = "repo",
	     a_imp[] = "import", a_r[] = "--repo", a_l[] = "--lpar",
	     a_n[] = "--node", a_i[] = "--image", a_lab[] = "--label",
	     a_nd[] = "--no-debuginfod";
	char *dump[] = { (char *)lpardbg, a_dump, a_o, core, pid, NULL };
	char *imp[] = { (char *)lpardbg, a_repo, a_imp, a_r,
			(char *)dump_repo, a_l, (char *)lpar, a_n,
			(char *)node, a_i, image, a_lab, lab_phase,
			a_lab, lab_upd, a_nd, core, NULL };
	rc = run(dump);
	if (rc == 0)
		rc = run(imp);
	unlink(core);
	if (rc != 0)
		fprintf(stderr, "lpar-update: %s dump of %s failed\n", phase,
			lpar);
	return rc == 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	const char *save = NULL, *mode = "update";
	long tmo = 100, gen = 0;
	bool early = false;
	char req[512], out[8192];
	int i;

	dir = getenv("LPAR_DIR");
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--status") == 0)
			mode = "status";
		else if (strcmp(argv[i], "--stop") == 0)
			mode = "stop";
		else if (strcmp(argv[i], "--prepare-first") == 0)
			early = true;
		else if (i + 1 >= argc)
			return usage();
		else if (strcmp(argv[i], "--dir") == 0)
			dir = argv[++i];
		else if (strcmp(argv[i], "--timeout-ms") == 0)
			tmo = atol(argv[++i]);
		else if (strcmp(argv[i], "--save") == 0)
			save = argv[++i];
		else if (strcmp(argv[i], "--dump-repo") == 0)
			dump_repo = argv[++i];
		else if (strcmp(argv[i], "--lpardbg") == 0)
			lpardbg = argv[++i];
		else if (strcmp(argv[i], "--node") == 0)
			node = argv[++i];
		else
			return usage();
	}
	if (i < argc - 1 && strcmp(argv[argc - 2], "--save") == 0) {
		save = argv[argc - 1];
		argc -= 2;
	}
	if (dir == NULL)
		dir = "/tmp";
	if (strcmp(mode, "update") == 0 ? i + 2 != argc : i + 1 != argc)
		return usage();
	if (!pg_name_ok(argv[i], strlen(argv[i])) || tmo <= 0 || tmo > 60000)
		return usage();
	if (strcmp(mode, "update") == 0) {
		if (!pg_name_ok(argv[i + 1], strlen(argv[i + 1])))
			return usage();
		snprintf(req, sizeof(req), "update %s %ld%s\n", argv[i + 1],
			 tmo, early ? " early" : "");
	} else if (strcmp(mode, "stop") == 0 && save != NULL) {
		snprintf(req, sizeof(req), "stop %s\n", save);
	} else {
		snprintf(req, sizeof(req), "%s\n", mode);
	}
	if (dump_repo != NULL && strcmp(mode, "update") == 0) {
		if (ask(argv[i], "status\n", out, sizeof(out)) != 0)
			return 1;
		gen = json_num(out, "gen") + 1;
		if (dump_phase(argv[i], "before", gen) != 0)
			return 1;
	}
	if (ask(argv[i], req, out, sizeof(out)) != 0)
		return 1;
	fputs(out, stdout);
	fflush(stdout);
	if (dump_repo != NULL && strcmp(mode, "update") == 0 &&
	    dump_phase(argv[i], "after", gen) != 0)
		return 1;
	return strstr(out, "\"ok\":true") != NULL ? 0 : 1;
}
