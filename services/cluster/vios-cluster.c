/* services/cluster/vios-cluster.c - starts a whole cluster from one
 * configuration file: per node a VKE, its receiving daemon and one
 * stand-in process per client LPAR, under a supervisor that stops them
 * all cleanly. What the processes do is theirs; this file only runs them.
 *   vios-cluster start CONFIG [--foreground] [--drop P] [--dup P]
 *   vios-cluster stop CONFIG
 *   vios-cluster status CONFIG */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "services/messaging/messaging.h"

enum { CL_READY_MS = 10000, CL_STOP_MS = 3000 };

struct cl_proc {
	pid_t pid;
	const char *role;	/* "vke", "daemon", "lpar" */
	const char *node;
	const char *name;
	int status;
	bool exited;
};

struct cl {
	const char *config_path;
	struct msg_config *conf;
	char bindir[PATH_MAX];
	const char *drop, *dup;
	struct cl_proc *procs;
	size_t nprocs;
	char *pidfile, *procfile;
};

static int64_t
now_ms(void)
{
	return msg_now_us() / 1000;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Redirect stdout and stderr of a child to PATH (appending). */
static void
child_output(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
}

static void
child_signals(void)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
}

/* An LPAR stand-in: records itself in the node's repository and waits
 * to be stopped. */
static void
lpar_main(const struct cl *cl, const struct msg_node_conf *n,
	  const char *lpar)
{
	char *dir = NULL, *path = NULL;
	FILE *f;

	if (n->repo != NULL) {
		mkdir(n->repo, 0755);
		dir = lpd_asprintf("%s/lpars", n->repo);
		if (dir != NULL)
			mkdir(dir, 0755);
		path = dir ? lpd_asprintf("%s/%s.json", dir, lpar) : NULL;
		f = path ? fopen(path, "w") : NULL;
		if (f != NULL) {
			fprintf(f, "{\"lpar\":\"%s\",\"node\":\"%s\","
				"\"cluster\":\"%s\",\"pid\":%ld}\n", lpar,
				n->name, cl->conf->cluster, (long)getpid());
			fclose(f);
		}
	}
	lpd_free(path);
	lpd_free(dir);
	for (;;)
		pause();
}

static struct lpd_error *
cl_spawn(struct cl *cl, const char *role, const struct msg_node_conf *n,
	 const char *name)
{
	struct cl_proc *p;
	size_t cap = cl->nprocs;
	struct lpd_error *err;
	char *log;
	pid_t pid;

	err = lpd_vec_reserve((void **)&cl->procs, &cap, cl->nprocs + 1,
			      sizeof(*cl->procs));
	if (err != NULL)
		return err;
	log = lpd_asprintf("%s/%s.%s.log", cl->conf->socket_dir, n->name,
			   role);
	if (log == NULL)
		return &lpd_enomem;
	pid = fork();
	if (pid < 0) {
		lpd_free(log);
		return lpd_error_os(errno, "fork");
	}
	if (pid == 0) {
		char exe[PATH_MAX + 16];

		child_signals();
		child_output(log);
		if (strcmp(role, "lpar") == 0)
			lpar_main(cl, n, name);
		if (strcmp(role, "vke") == 0) {
			const char *argv[12];
			int a = 0;

			snprintf(exe, sizeof(exe), "%s/vios-vke", cl->bindir);
			argv[a++] = exe;
			argv[a++] = "--config";
			argv[a++] = cl->config_path;
			argv[a++] = "--node";
			argv[a++] = n->name;
			if (cl->drop) {
				argv[a++] = "--drop";
				argv[a++] = cl->drop;
			}
			if (cl->dup) {
				argv[a++] = "--dup";
				argv[a++] = cl->dup;
			}
			argv[a] = NULL;
			execv(exe, (char **)argv);
		} else {
			char *msglog = lpd_asprintf("%s/messages.log",
						    n->repo ? n->repo : ".");

			/* The receiving daemon's output is its message log. */
			if (msglog != NULL) {
				int fd = open(msglog, O_WRONLY | O_CREAT |
					      O_APPEND, 0644);

				if (fd >= 0)
					dup2(fd, 1);
			}
			snprintf(exe, sizeof(exe), "%s/vios-msg", cl->bindir);
			execl(exe, exe, "--config", cl->config_path, "--node",
			      n->name, "recv", (char *)NULL);
		}
		fprintf(stderr, "vios-cluster: %s: %s\n", exe,
			strerror(errno));
		_exit(127);
	}
	lpd_free(log);
	p = &cl->procs[cl->nprocs++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->role = role;
	p->node = n->name;
	p->name = name != NULL ? name : n->name;
	return NULL;
}

/* Count the peers a VKE reports up; -1 if it does not answer yet. */
static int
cl_nodes_up(const struct cl *cl, const struct msg_node_conf *n)
{
	struct msg_client *c = NULL;
	struct lpd_error *err;
	char *sock = msg_config_socket_path(cl->conf, n), *st = NULL;
	int up = -1;

	if (sock == NULL)
		return -1;
	err = msg_client_open(sock, &c);
	if (err == NULL)
		err = msg_client_status(c, &st);
	if (err == NULL) {
		up = 0;
		for (const char *p = st; (p = strstr(p, "\"state\":\"up\""));
		     p++)
			up++;
	}
	lpd_error_destroy(err);
	lpd_free(st);
	lpd_free(sock);
	msg_client_destroy(c);
	return up;
}

static bool
cl_wait_ready(const struct cl *cl)
{
	int64_t deadline = now_ms() + CL_READY_MS;

	for (size_t i = 0; i < cl->conf->nnodes; i++) {
		while (cl_nodes_up(cl, &cl->conf->nodes[i]) !=
		       (int)cl->conf->nnodes) {
			if (now_ms() > deadline)
				return false;
			sleep_ms(50);
		}
	}
	return true;
}

static void
cl_write_procs(const struct cl *cl)
{
	FILE *f = fopen(cl->procfile, "w");

	if (f == NULL)
		return;
	for (size_t i = 0; i < cl->nprocs; i++)
		fprintf(f, "%s %s %s %ld\n", cl->procs[i].role,
			cl->procs[i].node, cl->procs[i].name,
			(long)cl->procs[i].pid);
	fclose(f);
}

static void
cl_reap(struct cl *cl, bool quiet)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (size_t i = 0; i < cl->nprocs; i++) {
			struct cl_proc *p = &cl->procs[i];

			if (p->pid != pid)
				continue;
			p->exited = true;
			p->status = status;
			if (!quiet)
				fprintf(stderr, "vios-cluster: %s %s (pid %ld) "
					"%s %d\n", p->role, p->name, (long)pid,
					WIFSIGNALED(status) ? "killed by signal"
							    : "exited",
					WIFSIGNALED(status) ? WTERMSIG(status)
							    : WEXITSTATUS(status));
		}
	}
}

static size_t
cl_running(const struct cl *cl)
{
	size_t n = 0;

	for (size_t i = 0; i < cl->nprocs; i++)
		n += !cl->procs[i].exited;
	return n;
}

/* Stop everything: LPARs and daemons first, the VKEs last, each group
 * with SIGTERM, then SIGKILL after CL_STOP_MS. */
static void
cl_stop_all(struct cl *cl)
{
	static const char *const order[] = { "lpar", "daemon", "vke" };

	for (size_t g = 0; g < 3; g++) {
		int64_t deadline = now_ms() + CL_STOP_MS;
		bool left;

		for (size_t i = 0; i < cl->nprocs; i++) {
			if (!cl->procs[i].exited &&
			    strcmp(cl->procs[i].role, order[g]) == 0)
				kill(cl->procs[i].pid, SIGTERM);
		}
		do {
			cl_reap(cl, true);
			left = false;
			for (size_t i = 0; i < cl->nprocs; i++)
				left |= !cl->procs[i].exited &&
					strcmp(cl->procs[i].role, order[g]) == 0;
			if (left)
				sleep_ms(20);
		} while (left && now_ms() < deadline);
		for (size_t i = 0; left && i < cl->nprocs; i++) {
			if (!cl->procs[i].exited &&
			    strcmp(cl->procs[i].role, order[g]) == 0)
				kill(cl->procs[i].pid, SIGKILL);
		}
	}
	while (cl_running(cl) > 0 && waitpid(-1, NULL, 0) > 0)
		cl_reap(cl, true);
}

static int
cl_supervise(struct cl *cl, int ready_fd)
{
	struct lpd_error *err = NULL;
	struct signalfd_siginfo si;
	sigset_t mask;
	int sfd;
	bool ok;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	for (size_t i = 0; err == NULL && i < cl->conf->nnodes; i++)
		err = cl_spawn(cl, "vke", &cl->conf->nodes[i], NULL);
	/* Daemons and LPARs talk to their VKE: start them once it serves. */
	ok = err == NULL && cl_wait_ready(cl);
	for (size_t i = 0; ok && err == NULL && i < cl->conf->nnodes; i++) {
		const struct msg_node_conf *n = &cl->conf->nodes[i];

		if (n->repo != NULL)
			mkdir(n->repo, 0755);
		err = cl_spawn(cl, "daemon", n, NULL);
		for (size_t k = 0; err == NULL && k < n->nlpars; k++)
			err = cl_spawn(cl, "lpar", n, n->lpars[k]);
	}
	cl_write_procs(cl);
	if (err != NULL || !ok) {
		fprintf(stderr, "vios-cluster: %s\n", err ? err->message :
			"nodes did not all come up in time");
		lpd_error_destroy(err);
		cl_stop_all(cl);
		if (ready_fd >= 0)
			write(ready_fd, "F", 1);
		return 1;
	}
	if (ready_fd >= 0) {
		write(ready_fd, "R", 1);
		close(ready_fd);
	}
	while (sfd >= 0 && read(sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			/* A crashed node stays down: its core is the point. */
			cl_reap(cl, false);
			continue;
		}
		break;
	}
	fprintf(stderr, "vios-cluster: stopping %zu processes\n",
		cl_running(cl));
	cl_stop_all(cl);
	unlink(cl->procfile);
	unlink(cl->pidfile);
	return 0;
}

static pid_t
read_pidfile(const char *path)
{
	FILE *f = fopen(path, "r");
	long pid = 0;

	if (f == NULL)
		return 0;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	return pid > 0 && kill((pid_t)pid, 0) == 0 ? (pid_t)pid : 0;
}

static int
cmd_start(struct cl *cl, bool foreground)
{
	int pfd[2];
	pid_t pid;
	char c = 'F';
	FILE *f;

	if (read_pidfile(cl->pidfile) != 0) {
		fprintf(stderr, "vios-cluster: %s already running (%s)\n",
			cl->conf->cluster, cl->pidfile);
		return 1;
	}
	if (foreground) {
		f = fopen(cl->pidfile, "w");
		if (f != NULL) {
			fprintf(f, "%ld\n", (long)getpid());
			fclose(f);
		}
		return cl_supervise(cl, -1);
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		perror("vios-cluster: pipe");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("vios-cluster: fork");
		return 1;
	}
	if (pid == 0) {
		close(pfd[0]);
		setsid();
		{
			char *log = lpd_asprintf("%s/%s.log",
						 cl->conf->socket_dir,
						 cl->conf->cluster);

			child_output(log != NULL ? log : "/dev/null");
			lpd_free(log);
		}
		f = fopen(cl->pidfile, "w");
		if (f != NULL) {
			fprintf(f, "%ld\n", (long)getpid());
			fclose(f);
		}
		_exit(cl_supervise(cl, pfd[1]));
	}
	close(pfd[1]);
	if (read(pfd[0], &c, 1) != 1 || c != 'R') {
		fprintf(stderr, "vios-cluster: %s failed to start; see %s/%s.log\n",
			cl->conf->cluster, cl->conf->socket_dir,
			cl->conf->cluster);
		return 1;
	}
	{
		size_t lpars = 0;

		for (size_t i = 0; i < cl->conf->nnodes; i++)
			lpars += cl->conf->nodes[i].nlpars;
		printf("cluster %s: %zu nodes, %zu LPARs up (supervisor %ld)\n",
		       cl->conf->cluster, cl->conf->nnodes, lpars, (long)pid);
	}
	return 0;
}

static int
cmd_stop(struct cl *cl)
{
	pid_t pid = read_pidfile(cl->pidfile);
	int64_t deadline = now_ms() + 3 * CL_STOP_MS + 2000;

	if (pid == 0) {
		fprintf(stderr, "vios-cluster: %s is not running\n",
			cl->conf->cluster);
		return 1;
	}
	kill(pid, SIGTERM);
	while (kill(pid, 0) == 0 && now_ms() < deadline)
		sleep_ms(20);
	if (kill(pid, 0) == 0) {
		fprintf(stderr, "vios-cluster: supervisor %ld did not stop\n",
			(long)pid);
		return 1;
	}
	printf("cluster %s stopped\n", cl->conf->cluster);
	return 0;
}

static int
cmd_status(struct cl *cl)
{
	FILE *f = fopen(cl->procfile, "r");
	char role[16], node[128], name[128];
	long pid;
	int running = 0, total = 0;

	if (f == NULL || read_pidfile(cl->pidfile) == 0) {
		if (f != NULL)
			fclose(f);
		printf("cluster %s: not running\n", cl->conf->cluster);
		return 1;
	}
	while (fscanf(f, "%15s %127s %127s %ld", role, node, name, &pid) == 4) {
		bool alive = kill((pid_t)pid, 0) == 0;

		printf("%-6s %-12s %-20s %7ld %s\n", role, node, name, pid,
		       alive ? "running" : "gone");
		running += alive;
		total++;
	}
	fclose(f);
	printf("cluster %s: %d of %d processes running\n", cl->conf->cluster,
	       running, total);
	return running == total ? 0 : 1;
}

static void
usage(FILE *to)
{
	fprintf(to, "usage: vios-cluster start CONFIG [--foreground] "
		"[--drop P] [--dup P]\n"
		"       vios-cluster stop CONFIG\n"
		"       vios-cluster status CONFIG\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "drop", required_argument, NULL, 'd' },
		{ "dup", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cl cl;
	struct lpd_error *err;
	bool foreground = false;
	const char *cmd;
	ssize_t n;
	int c, rc;

	memset(&cl, 0, sizeof(cl));
	while ((c = getopt_long(argc, argv, "+fh", opts, NULL)) != -1) {
		switch (c) {
		case 'f': foreground = true; break;
		case 'd': cl.drop = optarg; break;
		case 'u': cl.dup = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind < 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind];
	optind += 1;
	cl.config_path = argv[optind++];
	while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
		switch (c) {
		case 'f': foreground = true; break;
		case 'd': cl.drop = optarg; break;
		case 'u': cl.dup = optarg; break;
		default: usage(stderr); return 2;
		}
	}
	if (strcmp(cmd, "start") && strcmp(cmd, "stop") &&
	    strcmp(cmd, "status")) {
		usage(stderr);
		return 2;
	}
	err = msg_config_load(cl.config_path, &cl.conf);
	if (err != NULL) {
		fprintf(stderr, "vios-cluster: %s\n", err->message);
		rc = lpd_error_exit_status(err);
		lpd_error_destroy(err);
		return rc;
	}
	/* The programs it starts sit next to it. */
	n = readlink("/proc/self/exe", cl.bindir, sizeof(cl.bindir) - 1);
	if (n > 0) {
		cl.bindir[n] = '\0';
		*strrchr(cl.bindir, '/') = '\0';
	} else {
		strcpy(cl.bindir, ".");
	}
	mkdir(cl.conf->socket_dir, 0755);
	cl.pidfile = lpd_asprintf("%s/%s.pid", cl.conf->socket_dir,
				  cl.conf->cluster);
	cl.procfile = lpd_asprintf("%s/%s.procs", cl.conf->socket_dir,
				   cl.conf->cluster);
	if (cl.pidfile == NULL || cl.procfile == NULL) {
		fprintf(stderr, "vios-cluster: out of memory\n");
		return 1;
	}
	if (strcmp(cmd, "start") == 0)
		rc = cmd_start(&cl, foreground);
	else if (strcmp(cmd, "stop") == 0)
		rc = cmd_stop(&cl);
	else
		rc = cmd_status(&cl);
	lpd_free(cl.pidfile);
	lpd_free(cl.procfile);
	lpd_free(cl.procs);
	msg_config_destroy(cl.conf);
	return rc;
}
