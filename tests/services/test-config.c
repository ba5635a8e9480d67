/* tests/services/test-config.c - the cluster configuration: nodes, LPARs
 * generated or listed, and errors that name the line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "services/messaging/messaging.h"

static char *
write_conf(const char *text)
{
	char tmpl[] = "/tmp/lpd-conf.XXXXXX";
	int fd = mkstemp(tmpl);
	FILE *f;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return strdup(tmpl);
}

static void
test_config__nodes_and_lpars(void **state)
{
	char *path = write_conf(
		"# demo\ncluster demo\nsocket_dir /tmp/x\nheartbeat_ms 20\n"
		"allow_gid 4\nlpars_per_node 2\nbusy_poll_us 250\n"
		"node a id=1 port=9001 repo=/r/a\n"
		"node b id=2 port=9002 lpars=web,db,batch\n");
	struct msg_config *c;
	const struct msg_node_conf *n;
	char *sock;

	(void)state;
	assert_null(msg_config_load(path, &c));
	assert_int_equal(c->rto_ms, 20);
	assert_string_equal(c->cluster, "demo");
	assert_int_equal(c->heartbeat_ms, 20);
	assert_int_equal(c->dead_ms, 1000);
	assert_int_equal(c->allow_uid, -1);
	assert_int_equal(c->allow_gid, 4);
	assert_int_equal(c->busy_poll_us, 250);
	assert_int_equal(c->nnodes, 2);
	n = msg_config_node(c, "a");
	assert_non_null(n);
	assert_int_equal(n->nlpars, 2);
	assert_string_equal(n->lpars[1], "a-lpar2");
	assert_string_equal(n->repo, "/r/a");
	n = msg_config_node(c, "2");
	assert_non_null(n);
	assert_int_equal(n->nlpars, 3);
	assert_string_equal(n->lpars[2], "batch");
	assert_null(msg_config_node(c, "zz"));
	sock = msg_config_socket_path(c, n);
	assert_string_equal(sock, "/tmp/x/b.sock");
	lpd_free(sock);
	msg_config_destroy(c);
	unlink(path);
	free(path);
}

static void
test_config__errors_name_the_line(void **state)
{
	static const struct { const char *text, *want; } cases[] = {
		{ "node a id=1\n", ":1:1: node 'a' needs id= and port=" },
		{ "cluster x\nnode a id=0 port=1\n", ":2:1: node id '0'" },
		{ "node a id=1 port=70000\n", ":1:1: bad port" },
		{ "node a id=1 port=2\nnode b id=1 port=3\n",
		  ":2:1: node 'b' (id 1) defined twice" },
		{ "bogus 1\n", ":1:1: unknown key 'bogus'" },
		{ "dead_ms -5\n", ":1:1: bad value '-5'" },
		{ "cluster x\nbusy_poll_us 100001\n",
		  ":2:1: bad busy_poll_us '100001'" },
		{ "busy_poll_us 5us\n", ":1:1: bad busy_poll_us '5us'" },
		{ "node a id=1 port=2 colour=red\n", "unknown node key" },
		{ "# empty\n", "no node defined" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *path = write_conf(cases[i].text);
		struct msg_config *c = NULL;
		struct lpd_error *err = msg_config_load(path, &c);

		assert_non_null(err);
		assert_null(c);
		if (strstr(err->message, cases[i].want) == NULL)
			fail_msg("'%s': got '%s'", cases[i].want, err->message);
		lpd_error_destroy(err);
		unlink(path);
		free(path);
	}
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config__nodes_and_lpars),
		cmocka_unit_test(test_config__errors_name_the_line),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("services/config", tests, NULL,
					   NULL);
}
