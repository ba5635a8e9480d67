/* dumps/arch.c - find the architecture table for a core's ELF machine, and
 * name Linux signals. The tables themselves live in dumps/arch/<name>.c. */
#include "dumps/dumps-int.h"

static const struct dump_arch *const arch_table[] = {
	&dump_arch_x86_64,
	&dump_arch_x32,
	&dump_arch_i386,
	&dump_arch_aarch64,
	&dump_arch_aarch64_be,
	&dump_arch_ppc,
	&dump_arch_ppc64,
	&dump_arch_ppc64le,
	&dump_arch_s390,
	&dump_arch_s390x,
};

const struct dump_arch *
dump_arch_find(uint16_t e_machine, unsigned elfclass, bool big_endian)
{
	unsigned addr_size = elfclass == 2 ? 8 : elfclass == 1 ? 4 : 0;
	size_t i;

	for (i = 0; i < sizeof(arch_table) / sizeof(arch_table[0]); i++) {
		const struct dump_arch *a = arch_table[i];

		if (a->e_machine == e_machine && a->addr_size == addr_size &&
		    a->big_endian == big_endian)
			return a;
	}
	return NULL;
}

struct lpd_error *
dump_arch_read_word(dump_read_fn read, void *arg, uint64_t addr,
		    unsigned size, bool be, uint64_t *ret)
{
	struct lpd_error *err;
	uint8_t buf[8];

	if (size != 4 && size != 8)
		return lpd_error_format(LPD_ERR_INVALID_ARG,
					"word size %u", size);
	if (addr > UINT64_MAX - size)
		return lpd_error_fault(addr);
	err = read(arg, addr, buf, size);
	if (err != NULL)
		return err;
	*ret = size == 4 ? lpd_load_u32(buf, be) : lpd_load_u64(buf, be);
	return NULL;
}

/* Generic Linux numbering (x86, arm, aarch64, ppc, s390, riscv). */
static const char *const signal_names[] = {
	[1] = "SIGHUP", [2] = "SIGINT", [3] = "SIGQUIT", [4] = "SIGILL",
	[5] = "SIGTRAP", [6] = "SIGABRT", [7] = "SIGBUS", [8] = "SIGFPE",
	[9] = "SIGKILL", [10] = "SIGUSR1", [11] = "SIGSEGV",
	[12] = "SIGUSR2", [13] = "SIGPIPE", [14] = "SIGALRM",
	[15] = "SIGTERM", [16] = "SIGSTKFLT", [17] = "SIGCHLD",
	[18] = "SIGCONT", [19] = "SIGSTOP", [20] = "SIGTSTP",
	[21] = "SIGTTIN", [22] = "SIGTTOU", [23] = "SIGURG",
	[24] = "SIGXCPU", [25] = "SIGXFSZ", [26] = "SIGVTALRM",
	[27] = "SIGPROF", [28] = "SIGWINCH", [29] = "SIGIO", [30] = "SIGPWR",
	[31] = "SIGSYS",
};

const char *
dump_signal_name(int signo)
{
	if (signo <= 0 ||
	    (size_t)signo >= sizeof(signal_names) / sizeof(signal_names[0]))
		return NULL;
	return signal_names[signo];
}
