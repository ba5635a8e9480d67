/* plugins/messaging.c - the cluster messaging service (issue 9) seen from
 * a dump of its VKE (vios-vke): the node, its receiver queue, the last
 * message it delivered and its kcluster peer table, as facts.
 *
 * Everything goes through the host API of plugin.h: the VKE's state is
 * found through the global vke_debug_root and laid out by the core's own
 * DWARF (struct vke, struct kc_peer, struct msg_node_conf in
 * services/messaging/vke-int.h and messaging.h), so the plugin follows the
 * service's structs without sharing its headers. Every byte of the dump is
 * untrusted: counts are bounded and strings are read byte by byte up to a
 * limit. */
#include <stdio.h>
#include <string.h>

#include "plugins/plugin.h"

#define MSG_PLUGIN_VERSION "1.0"
#define MSG_MAX_PEERS 1024	/* more than a config can hold: corrupt */
#define MSG_NAME_MAX 64

/* Fields of struct vke the plugin reads, in this order. */
enum {
	V_ME, V_INC, V_NPEERS, V_PEERS, V_RQ_COUNT, V_LAST_FROM,
	V_H_TYPE, V_H_FLAGS, V_H_SRC, V_H_DST, V_H_SEQ, V_H_LEN,
	V_S_SUBSYS, V_S_OPCODE, V_S_LEN, V_SUBMITTED, V_DELIVERED, V_FAULT,
	V_COUNT
};
static const char *const vke_fields[V_COUNT] = {
	"me", "inc", "npeers", "peers", "rq_count", "last_from",
	"last_frame.hdr.type", "last_frame.hdr.flags", "last_frame.hdr.src",
	"last_frame.hdr.dst", "last_frame.hdr.seq", "last_frame.hdr.length",
	"last_frame.sub.subsystem", "last_frame.sub.opcode",
	"last_frame.sub.length", "stats.submitted", "stats.delivered_local",
	"fault",
};

enum {
	P_CONF, P_SELF, P_UP, P_EVER_UP, P_INC, P_SENT, P_RECEIVED,
	P_DELIVERED, P_RTX, P_WAIT, P_COUNT
};
static const char *const peer_fields[P_COUNT] = {
	"conf", "self", "up", "ever_up", "inc", "sent", "received",
	"delivered_total", "rtx_count", "wait_count",
};

enum { C_NAME, C_ID, C_COUNT };
static const char *const conf_fields[C_COUNT] = { "name", "id" };

struct msg_layout {
	struct lpd_plugin_field vke[V_COUNT];
	struct lpd_plugin_field peer[P_COUNT];
	struct lpd_plugin_field conf[C_COUNT];
	uint64_t vke_size, peer_size, conf_size;
};

struct msg_run {
	const struct lpd_plugin_host *h;
	const struct lpd_plugin_target *t;
	struct lpd_plugin_facts *out;
	struct msg_layout l;
};

static bool
msg_match(void *state, const struct lpd_plugin_target *t)
{
	static const char *const need[] = { "vke_debug_root" };

	return lpd_plugin_has_symbols(lpd_plugin_state_host(state), t, need,
				      sizeof(need) / sizeof(need[0]));
}

/* Reads go through the host, which knows the target's byte order. */
static struct lpd_error *
msg_field(struct msg_run *r, uint64_t base, const struct lpd_plugin_field *f,
	  uint64_t *ret)
{
	return lpd_plugin_read_field(r->h, r->t, base, f, ret);
}

/* Name and id of the msg_node_conf at ADDR. */
static struct lpd_error *
msg_node(struct msg_run *r, uint64_t addr, char *name, uint64_t *id)
{
	struct lpd_error *err;
	uint64_t p;

	if ((err = msg_field(r, addr, &r->l.conf[C_NAME], &p)) != NULL ||
	    (err = msg_field(r, addr, &r->l.conf[C_ID], id)) != NULL)
		return err;
	return lpd_plugin_read_string(r->h, r->t, p, name, MSG_NAME_MAX);
}

static struct lpd_error *
msg_layout(struct msg_run *r)
{
	struct lpd_error *err;
	size_t i;

	for (i = 0; i < V_COUNT; i++)
		r->l.vke[i].name = vke_fields[i];
	for (i = 0; i < P_COUNT; i++)
		r->l.peer[i].name = peer_fields[i];
	for (i = 0; i < C_COUNT; i++)
		r->l.conf[i].name = conf_fields[i];
	if ((err = r->h->find_type(r->t, "struct vke", r->l.vke, V_COUNT,
				   &r->l.vke_size)) != NULL ||
	    (err = r->h->find_type(r->t, "struct kc_peer", r->l.peer, P_COUNT,
				   &r->l.peer_size)) != NULL ||
	    (err = r->h->find_type(r->t, "struct msg_node_conf", r->l.conf,
				   C_COUNT, &r->l.conf_size)) != NULL)
		return err;
	if (r->l.peer_size == 0)
		return r->h->error_format(LPD_PLUGIN_ERR_BAD_INPUT,
					  "struct kc_peer has size 0");
	return NULL;
}

static struct lpd_error *
msg_emit(struct msg_run *r, const char *pred, const struct lpd_plugin_arg *a,
	 size_t n)
{
	return r->h->emit_fact(r->out, pred, a, n);
}

#define STR(s) ((struct lpd_plugin_arg){ .str = (s) })
#define NUM(v) ((struct lpd_plugin_arg){ .num = (double)(v) })

static struct lpd_error *
msg_peers(struct msg_run *r, uint64_t peers, uint64_t npeers)
{
	struct lpd_error *err;
	char name[MSG_NAME_MAX];
	uint64_t v[P_COUNT], id;

	if (npeers > MSG_MAX_PEERS)
		return r->h->error_format(LPD_PLUGIN_ERR_BAD_INPUT,
					  "vke.npeers %llu: over %u, corrupt",
					  (unsigned long long)npeers,
					  MSG_MAX_PEERS);
	for (uint64_t i = 0; i < npeers; i++) {
		uint64_t base = peers + i * r->l.peer_size;
		const char *state;

		for (size_t k = 0; k < P_COUNT; k++)
			if ((err = msg_field(r, base, &r->l.peer[k],
					     &v[k])) != NULL)
				return err;
		if ((err = msg_node(r, v[P_CONF], name, &id)) != NULL)
			return err;
		state = v[P_UP] ? "up" : v[P_EVER_UP] ? "down" : "unknown";
		{
			struct lpd_plugin_arg a[] = {
				STR(name), NUM(id), STR(state),
				STR(v[P_SELF] ? "self" : "remote"),
				NUM(v[P_INC]), NUM(v[P_SENT]),
				NUM(v[P_RECEIVED]), NUM(v[P_DELIVERED]),
				NUM(v[P_RTX] + v[P_WAIT]),
			};

			if ((err = msg_emit(r, "msg_peer", a, 9)) != NULL)
				return err;
		}
		if (!v[P_UP] && v[P_EVER_UP]) {
			struct lpd_plugin_arg a[] = { STR(name) };

			if ((err = msg_emit(r, "msg_peer_down", a, 1)))
				return err;
		}
		if (v[P_RTX] + v[P_WAIT] > 0) {
			struct lpd_plugin_arg a[] = {
				STR(name), NUM(v[P_RTX] + v[P_WAIT]) };

			if ((err = msg_emit(r, "msg_unacked", a, 2)))
				return err;
		}
	}
	return NULL;
}

static struct lpd_error *
msg_analyze(void *state, const struct lpd_plugin_target *t,
	    struct lpd_plugin_facts *out)
{
	struct msg_run r = {
		.h = lpd_plugin_state_host(state), .t = t, .out = out,
	};
	struct lpd_error *err;
	uint64_t root, vke, v[V_COUNT], id;
	char name[MSG_NAME_MAX];

	if ((err = r.h->find_symbol(t, "vke_debug_root", &root)) != NULL ||
	    (err = r.h->read_uint(r.t, root, 8, &vke)) != NULL)
		return err;
	if (vke == 0)
		return r.h->error_format(LPD_PLUGIN_ERR_NOT_FOUND,
					 "vke_debug_root is NULL: the VKE "
					 "had not started or had stopped");
	if ((err = msg_layout(&r)) != NULL)
		return err;
	for (size_t k = 0; k < V_COUNT; k++)
		if ((err = msg_field(&r, vke, &r.l.vke[k], &v[k])) != NULL)
			return err;
	if ((err = msg_node(&r, v[V_ME], name, &id)) != NULL)
		return err;
	{
		struct lpd_plugin_arg a[] = { STR(name), NUM(id),
					      NUM(v[V_INC]),
					      NUM(v[V_FAULT]) };

		if ((err = msg_emit(&r, "msg_vke", a, 4)) != NULL)
			return err;
	}
	{
		struct lpd_plugin_arg a[] = { NUM(v[V_RQ_COUNT]) };

		if ((err = msg_emit(&r, "msg_queue_len", a, 1)) != NULL)
			return err;
	}
	{
		struct lpd_plugin_arg a[] = { NUM(v[V_SUBMITTED]),
					      NUM(v[V_DELIVERED]) };

		if ((err = msg_emit(&r, "msg_traffic", a, 2)) != NULL)
			return err;
	}
	/* The last message handed up, as its header said. */
	if (v[V_H_TYPE] != 0) {
		struct lpd_plugin_arg a[] = {
			NUM(v[V_LAST_FROM]), NUM(v[V_H_TYPE]),
			NUM(v[V_H_FLAGS]), NUM(v[V_H_SRC]), NUM(v[V_H_DST]),
			NUM(v[V_H_SEQ]), NUM(v[V_H_LEN]), NUM(v[V_S_SUBSYS]),
			NUM(v[V_S_OPCODE]), NUM(v[V_S_LEN]),
		};

		if ((err = msg_emit(&r, "msg_last_header", a, 10)) != NULL)
			return err;
	}
	return msg_peers(&r, v[V_PEERS], v[V_NPEERS]);
}

/* A node that waits for a peer which is down: it holds unacknowledged
 * frames for it. Across two dumps, that peer's own dump is what it waits
 * on. */
static const char msg_rules[] =
	"% plugin messaging: facts msg_vke(D, Node, Id, Inc, Fault),\n"
	"% msg_queue_len(D, N), msg_traffic(D, Submitted, Delivered),\n"
	"% msg_last_header(D, From, Type, Flags, Src, Dst, Seq, Len, Subsys,\n"
	"%   Opcode, SubLen), msg_peer(D, Node, Id, State, Self, Inc, Sent,\n"
	"%   Received, Delivered, Unacked), msg_peer_down(D, Node),\n"
	"% msg_unacked(D, Node, N).\n"
	".show msg_waits_for_down_peer.\n"
	"msg_waits_for_down_peer(D, N) :- msg_peer_down(D, N),\n"
	"\tmsg_unacked(D, N, K), K > 0.\n"
	"waits_on(A, B) :- related(A, B), msg_waits_for_down_peer(A, N),\n"
	"\tmsg_vke(B, N, I, C, F).\n";

const struct lpd_plugin plugin_messaging = {
	.abi_version = LPD_PLUGIN_ABI,
	.size = sizeof(struct lpd_plugin),
	.name = "messaging",
	.version = MSG_PLUGIN_VERSION,
	.rules = msg_rules,
	.init = lpd_plugin_init_host,
	.match = msg_match,
	.analyze = msg_analyze,
};
