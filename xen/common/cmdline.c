/*
 * Petrel's own command line, with Xen's spelling of the common options.
 *
 * Options are separated by spaces; a "--" option ends the list. Each option
 * is NAME, NAME=VALUE, or (for booleans) no-NAME. An unknown option or a
 * bad value is reported with a warning and ignored: the option keeps its
 * default. Recognised:
 *   console=LIST      comma-separated list of com1, vga, none
 *   com1=BAUD[/BASE][,DPS[,...]]  BAUD a number or "auto" (stored as 0:
 *                     keep what firmware set); DPS e.g. 8n1 (data bits 5-8,
 *                     parity n/o/e/m/s, stop bits 1-2); later fields ignored
 *   dom0_mem=LIST     comma-separated: SIZE, min:SIZE, max:SIZE; SIZE with a
 *                     K/M/G/T suffix, or B for bytes; no suffix means KiB as
 *                     in Xen. min: is checked but not kept.
 *   loglvl=, guest_loglvl=  LEVEL[/RATE_LEVEL], LEVEL one of none, error,
 *                     warning, info, debug, all, stored as 0, 1, 2, 3, 4, 4:
 *                     how many of the levels error..debug are shown (a
 *                     message "<n>" prints if n < loglvl); the rate-limited
 *                     level is checked but not kept
 *   noreboot[=BOOL], no-noreboot  BOOL: 1/0, yes/no, on/off, true/false,
 *                     enable/disable
 *   dom0_max_vcpus=N, N-, N-M or -M  dom0's vCPUs: one per online CPU, but at
 *                     least N and at most M (N alone: exactly N)
 *   maxcpus=N (0 counts as 1), nosmp[=BOOL]  how many CPUs to bring up
 *   hypercall_preempt_always[=BOOL], domu[=BOOL]  Petrel's testing aids
 *   ipi_selftest[=BOOL]  Petrel's debug aid: test the IPIs at boot
 *   hang_key[=BOOL]   Petrel's debug aid: Ctrl-] on the serial line prints
 *                     every CPU's and vCPU's state instead of reaching dom0
 *   tlb_holders[=BOOL]  flush only the CPUs that may hold the translations
 *                     a change makes stale (the default; off: every CPU that
 *                     ran a guest)
 *   hcstats[=BOOL]    Petrel's profiling aid: the per-call cycle counters
 *                     (hcstats.h) count from boot, before dom0 is built, as
 *                     if debug key 'P' had been sent then
 *   domctl_trace[=BOOL]  Petrel's debug aid: a console line for each domctl
 *                     (repeats of the one before squashed), with the
 *                     hypervisor's time, to time the toolstack's steps
 *   vcpus_on_cpu0[=BOOL]  Petrel's fallback: every vCPU on CPU 0 (the others idle)
 *   sched_wake_ratelimit[=BOOL]  credit2's wake rule (the default): a wake does
 *                     not preempt a vCPU that has run less than the 1 ms rate
 *                     limit; the woken one waits until it blocks or its turn
 *                     ends, at most 10 ms (off: it runs once the 1 ms is up)
 *   sched_credit2_turns[=BOOL]  credit2's bounds on turns (off by default): a
 *                     sleeper leads by at most 10 ms, and a turn while others
 *                     wait lasts 0.5-10 ms (off: a 30 ms slice each)
 *   timer_unlocked[=BOOL]  the LAPIC timer's interrupt from a PV guest raises
 *                     the vCPU's own singleshot VIRQ_TIMER, and the way back
 *                     bounces an upcall, without hv_lock (off by default)
 *   sched_preempt_spin[=BOOL]  with sched_wake_ratelimit (off by default): a
 *                     PV vCPU that keeps its CPU through a wake and then
 *                     makes no hypercall for 1 ms (it spins) is preempted
 *                     then (off: at the end of its turn, up to 10 ms)
 *   sched_wake_wait_us=N  with sched_wake_ratelimit, a deferred wake also
 *                     waits at most N us after it came (decimal, 1-10000;
 *                     default 10000)
 *   gnttab_max_frames=N, gnttab_max_maptrack_frames=N  each domain's default
 *                     and largest grant table and maptrack, in frames (N
 *                     decimal, 0x hex or 0 octal, at most 2^31-1, as Xen)
 *   gnttab=LIST       comma-separated: max-ver:1|2 (max_ver: too), the highest
 *                     grant table version; transitive=BOOL, copies through
 *                     transitive grants (Xen 4.17's sub-options)
 */
#include "cmdline.h"
#include "lib.h"
#include "console.h"

#define LOGLVL_DEFAULT 2 /* warning: errors and warnings are shown */

struct val {
	const char *s;
	size_t len;
	bool given; /* "=" was present */
};

struct option {
	const char *name;
	bool boolean; /* accepts no-NAME and a missing value */
	int (*parse)(struct boot_options *opt, const struct val *v, bool negated);
};

static bool val_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && strncmp(s, word, len) == 0;
}

/* Returns 1 or 0 for Xen's boolean spellings, -1 for anything else. */
static int parse_bool(const char *s, size_t len)
{
	static const char *const yes[] = { "1", "yes", "on", "true", "enable" };
	static const char *const no[] = { "0", "no", "off", "false", "disable" };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (val_is(s, len, yes[i]))
			return 1;
		if (val_is(s, len, no[i]))
			return 0;
	}
	return -1;
}

/*
 * Parse a number in @base (0: as C writes it) that must end exactly at @end
 * and be at most @max.
 */
static int parse_number(const char *s, const char *end, int base, unsigned long max, u32 *out)
{
	const char *p;
	unsigned long v;

	if (s >= end || *s < '0' || *s > '9')
		return -1;
	v = strtoul(s, &p, base);
	if (p != end || v > max)
		return -1;
	*out = (u32)v;
	return 0;
}

/* A decimal number that must end exactly at @end. */
static int parse_uint(const char *s, const char *end, u32 *out)
{
	return parse_number(s, end, 10, 0xffffffffUL, out);
}

/* A boolean option: NAME (on), NAME=BOOL, or no-NAME (negated). */
static int set_flag(bool *flag, const struct val *v, bool negated)
{
	int b = v->given ? parse_bool(v->s, v->len) : 1;

	if (b < 0)
		return -1;
	*flag = negated ? !b : b;
	return 0;
}

static int opt_console(struct boot_options *opt, const struct val *v, bool negated)
{
	const char *p = v->s, *end = v->s + v->len, *comma;

	(void)negated;
	if (!v->len || v->len >= sizeof(opt->console))
		return -1;
	while (p <= end) {
		for (comma = p; comma < end && *comma != ','; comma++)
			;
		if (!val_is(p, (size_t)(comma - p), "com1") &&
		    !val_is(p, (size_t)(comma - p), "vga") &&
		    !val_is(p, (size_t)(comma - p), "none"))
			return -1;
		p = comma + 1;
	}
	memcpy(opt->console, v->s, v->len);
	opt->console[v->len] = '\0';
	return 0;
}

/* "8n1": data bits, parity, stop bits. */
static int parse_dps(const char *s, const char *end, struct boot_options *tmp)
{
	if (s == end)
		return 0; /* omitted: keep the defaults */
	if (end - s != 3 || s[0] < '5' || s[0] > '8' || !strchr("noems", s[1]) || !s[1] ||
	    (s[2] != '1' && s[2] != '2'))
		return -1;
	tmp->com1_data_bits = (u8)(s[0] - '0');
	tmp->com1_parity = s[1];
	tmp->com1_stop_bits = (u8)(s[2] - '0');
	return 0;
}

static int opt_com1(struct boot_options *opt, const struct val *v, bool negated)
{
	const char *end = v->s + v->len, *p, *q;
	struct boot_options tmp = *opt;
	u32 base;

	(void)negated;
	for (p = v->s; p < end && *p != ',' && *p != '/'; p++)
		;
	if (val_is(v->s, (size_t)(p - v->s), "auto"))
		tmp.com1_baud = 0;
	else if (parse_uint(v->s, p, &tmp.com1_baud) || tmp.com1_baud == 0)
		return -1;
	if (p < end && *p == '/') {
		for (q = ++p; q < end && *q != ','; q++)
			;
		if (parse_uint(p, q, &base) || base == 0)
			return -1;
		p = q;
	}
	if (p < end) {
		for (q = ++p; q < end && *q != ','; q++)
			;
		if (parse_dps(p, q, &tmp))
			return -1;
	}
	*opt = tmp;
	return 0;
}

/* A size for dom0_mem: Xen's units, where a bare number counts KiB. */
static int parse_mem_amount(const char *s, const char *end, u64 *out)
{
	const char *p;
	u64 v;

	if (s >= end || *s < '0' || *s > '9')
		return -1;
	v = parse_size(s, &p);
	if (p != end || v == ~0ULL)
		return -1;
	if (p[-1] >= '0' && p[-1] <= '9') {
		if (v > (~0ULL >> 10))
			return -1;
		v <<= 10;
	}
	if (v == 0)
		return -1;
	*out = v;
	return 0;
}

static int opt_dom0_mem(struct boot_options *opt, const struct val *v, bool negated)
{
	const char *p = v->s, *end = v->s + v->len, *comma;
	u64 amount = 0, min = 0, max = 0;

	(void)negated;
	if (!v->len)
		return -1;
	while (p <= end) {
		for (comma = p; comma < end && *comma != ','; comma++)
			;
		if (comma - p > 4 && strncmp(p, "min:", 4) == 0) {
			if (parse_mem_amount(p + 4, comma, &min))
				return -1;
		} else if (comma - p > 4 && strncmp(p, "max:", 4) == 0) {
			if (parse_mem_amount(p + 4, comma, &max))
				return -1;
		} else if (parse_mem_amount(p, comma, &amount)) {
			return -1;
		}
		p = comma + 1;
	}
	if (max && min > max)
		return -1;
	opt->dom0_mem = amount;
	opt->dom0_mem_max = max;
	return 0;
}

static int parse_level(const char *s, size_t len)
{
	static const char *const names[] = { "none", "error", "warning", "info", "debug", "all" };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (val_is(s, len, names[i]))
			return i < 4 ? (int)i : 4; /* "all" is "debug": nothing is above it */
	}
	return -1;
}

static int parse_loglvl(const struct val *v, int *out)
{
	const char *slash = v->s, *end = v->s + v->len;
	int lvl;

	while (slash < end && *slash != '/')
		slash++;
	lvl = parse_level(v->s, (size_t)(slash - v->s));
	if (lvl < 0)
		return -1;
	if (slash < end && parse_level(slash + 1, (size_t)(end - slash - 1)) < 0)
		return -1;
	*out = lvl;
	return 0;
}

static int opt_loglvl(struct boot_options *opt, const struct val *v, bool negated)
{
	(void)negated;
	return parse_loglvl(v, &opt->loglvl);
}

static int opt_guest_loglvl(struct boot_options *opt, const struct val *v, bool negated)
{
	(void)negated;
	return parse_loglvl(v, &opt->guest_loglvl);
}

static int opt_noreboot(struct boot_options *opt, const struct val *v, bool negated)
{
	int b = 1;

	if (v->given) {
		if (negated)
			return -1; /* "no-noreboot=..." is not an option */
		b = parse_bool(v->s, v->len);
		if (b < 0)
			return -1;
	}
	opt->noreboot = negated ? !b : b;
	return 0;
}

/* Petrel's testing aid: preempt every preemptible hypercall at its first check. */
static int opt_preempt_always(struct boot_options *opt, const struct val *v, bool negated)
{
	return set_flag(&opt->hypercall_preempt_always, v, negated);
}

/*
 * Petrel's testing aid until the toolstack creates domains: the last boot
 * module is a second PV kernel, started beside dom0 as domain 1.
 */
static int opt_domu(struct boot_options *opt, const struct val *v, bool negated)
{
	return set_flag(&opt->domu_module, v, negated);
}

/*
 * dom0=LIST, as Xen: "pvh" (or "pvh=BOOL") builds the initial domain as a
 * PVH guest; other Xen sub-options (shadow, verbose, ...) are accepted and
 * ignored.
 */
static int opt_dom0(struct boot_options *opt, const struct val *v, bool negated)
{
	const char *s = v->s, *end = v->s + v->len;

	(void)negated;
	while (s < end) {
		const char *e = s, *eq;
		int b = 1;

		while (e < end && *e != ',')
			e++;
		for (eq = s; eq < e && *eq != '='; eq++)
			;
		if (eq < e)
			b = parse_bool(eq + 1, (size_t)(e - eq - 1));
		if (val_is(s, (size_t)(eq - s), "pvh")) {
			if (b < 0)
				return -1;
			opt->dom0_pvh = b;
		}
		s = e < end ? e + 1 : e;
	}
	return 0;
}

static int opt_dom0_max_vcpus(struct boot_options *opt, const struct val *v, bool negated)
{
	const char *dash = v->s, *end = v->s + v->len;
	u32 lo = 1, hi = 0;

	(void)negated;
	while (dash < end && *dash != '-')
		dash++;
	if (dash > v->s && (parse_uint(v->s, dash, &lo) || lo == 0))
		return -1;
	if (dash == end)
		hi = lo; /* "N": exactly N */
	else if (dash + 1 < end && (parse_uint(dash + 1, end, &hi) || hi < lo))
		return -1;
	else if (dash == v->s && dash + 1 == end)
		return -1; /* "-" alone */
	opt->dom0_vcpus_min = lo;
	opt->dom0_vcpus_max = hi;
	return 0;
}

static int opt_maxcpus(struct boot_options *opt, const struct val *v, bool negated)
{
	u32 n;

	(void)negated;
	if (parse_uint(v->s, v->s + v->len, &n))
		return -1;
	opt->max_cpus = n ? n : 1; /* maxcpus=0: CPU 0 only, as on Xen */
	return 0;
}

static int opt_nosmp(struct boot_options *opt, const struct val *v, bool negated)
{
	return set_flag(&opt->nosmp, v, negated);
}

/* Petrel's fallback: place every vCPU on CPU 0, as before vCPUs ran on every CPU. */
static int opt_vcpus_on_cpu0(struct boot_options *opt, const struct val *v, bool negated)
{
	return set_flag(&opt->vcpus_on_cpu0, v, negated);
}

/* credit2's wake rule instead of Petrel's (docs/design.md, "Scheduler"). */
static int opt_sched_wake_ratelimit(struct boot_options *opt, const struct val *v, bool negated)
{
	return set_flag(&opt->sched_wake_ratelimit, v, negated);
}

/* credit2's sleeper lead and turn length (docs/design.md, "Scheduler"). */
static int opt_sched_credit2_turns(struct boot_options *opt, const struct val *v, bool negated)
{
	return set_flag(&opt->sched_credit2_turns, v, negated);
}

/* A spinning vCPU preempted for a deferred wake (docs/design.md, "Scheduler"). */
static int opt_sched_preempt_spin(struct boot_options *opt, const struct val *v, bool negated)
{
	return set_flag(&opt->sched_preempt_spin, v, negated);
}

/* sched_wake_wait_us=N: 1 us to credit2's longest slice, 10 ms. */
static int opt_sched_wake_wait_us(struct boot_options *opt, const struct val *v, bool negated)
{
	u32 us;

	(void)negated;
	if (parse_uint(v->s, v->s + v->len, &us) || !us || us > 10000)
		return -1;
	opt->sched_wake_wait_us = us;
	return 0;
}

/* Petrel's debug aid: send each kind of IPI to every CPU at boot and check it arrived. */
static int opt_ipi_selftest(struct boot_options *opt, const struct val *v, bool negated)
{
	return set_flag(&opt->ipi_selftest, v, negated);
}

/* Ctrl-] on the serial line as hang_dump() rather than dom0's input. */
static int opt_hang_key(struct boot_options *opt, const struct val *v, bool negated)
{
	return set_flag(&opt->hang_key, v, negated);
}

/* Flush only the CPUs that may hold stale translations (smp.c, tlb_holder). */
static int opt_tlb_holders(struct boot_options *opt, const struct val *v, bool negated)
{
	return set_flag(&opt->tlb_holders, v, negated);
}

/* The running vCPU's singleshot tick without hv_lock (timer.c, timer_softirq_unlocked). */
static int opt_timer_unlocked(struct boot_options *opt, const struct val *v, bool negated)
{
	return set_flag(&opt->timer_unlocked, v, negated);
}

/* A console line per domctl (domctl.c, trace_domctl). */
static int opt_domctl_trace(struct boot_options *opt, const struct val *v, bool negated)
{
	return set_flag(&opt->domctl_trace, v, negated);
}

/* Count hypercalls, traps and faults from boot (hcstats.c). */
static int opt_hcstats(struct boot_options *opt, const struct val *v, bool negated)
{
	return set_flag(&opt->hcstats, v, negated);
}

/* A grant limit: a number as C writes it (Xen's simple_strtoul base 0), at most INT_MAX. */
static int parse_gnttab_limit(const struct val *v, u32 *out)
{
	return parse_number(v->s, v->s + v->len, 0, 0x7fffffffUL, out);
}

static int opt_gnttab_max_frames(struct boot_options *opt, const struct val *v, bool negated)
{
	(void)negated;
	return parse_gnttab_limit(v, &opt->gnttab_max_frames);
}

static int opt_gnttab_max_maptrack(struct boot_options *opt, const struct val *v, bool negated)
{
	(void)negated;
	return parse_gnttab_limit(v, &opt->gnttab_max_maptrack_frames);
}

/* One gnttab= item: max-ver:N (or max_ver:N) with N 1 or 2, or transitive[=BOOL]. */
static int gnttab_item(struct boot_options *opt, const char *s, const char *e)
{
	size_t len = (size_t)(e - s);
	const char *eq = s;
	int b;

	if (len == 9 && (!strncmp(s, "max-ver:", 8) || !strncmp(s, "max_ver:", 8)) &&
	    (s[8] == '1' || s[8] == '2')) {
		opt->gnttab_max_version = (u32)(s[8] - '0');
		return 0;
	}
	while (eq < e && *eq != '=')
		eq++;
	b = eq < e ? parse_bool(eq + 1, (size_t)(e - eq - 1)) : 1;
	if (len > 3 && !strncmp(s, "no-", 3) && val_is(s + 3, len - 3, "transitive")) {
		opt->gnttab_transitive = false;
		return 0;
	}
	if (!val_is(s, (size_t)(eq - s), "transitive") || b < 0)
		return -1;
	opt->gnttab_transitive = b;
	return 0;
}

/* gnttab=LIST: a bad item leaves the whole option ignored (Petrel's rule above). */
static int opt_gnttab(struct boot_options *opt, const struct val *v, bool negated)
{
	const char *s = v->s, *end = v->s + v->len;
	struct boot_options tmp = *opt;

	(void)negated;
	while (s <= end) {
		const char *e = s;

		while (e < end && *e != ',')
			e++;
		if (gnttab_item(&tmp, s, e))
			return -1;
		s = e + 1;
	}
	opt->gnttab_max_version = tmp.gnttab_max_version;
	opt->gnttab_transitive = tmp.gnttab_transitive;
	return 0;
}

static const struct option options[] = {
	{ "console", false, opt_console },
	{ "com1", false, opt_com1 },
	{ "dom0_mem", false, opt_dom0_mem },
	{ "loglvl", false, opt_loglvl },
	{ "guest_loglvl", false, opt_guest_loglvl },
	{ "noreboot", true, opt_noreboot },
	{ "dom0_max_vcpus", false, opt_dom0_max_vcpus },
	{ "dom0", false, opt_dom0 },
	{ "hypercall_preempt_always", true, opt_preempt_always },
	{ "domu", true, opt_domu },
	{ "maxcpus", false, opt_maxcpus },
	{ "nosmp", true, opt_nosmp },
	{ "ipi_selftest", true, opt_ipi_selftest },
	{ "tlb_holders", true, opt_tlb_holders },
	{ "hang_key", true, opt_hang_key },
	{ "vcpus_on_cpu0", true, opt_vcpus_on_cpu0 },
	{ "domctl_trace", true, opt_domctl_trace },
	{ "hcstats", true, opt_hcstats },
	{ "sched_wake_ratelimit", true, opt_sched_wake_ratelimit },
	{ "sched_credit2_turns", true, opt_sched_credit2_turns },
	{ "timer_unlocked", true, opt_timer_unlocked },
	{ "sched_wake_wait_us", false, opt_sched_wake_wait_us },
	{ "sched_preempt_spin", true, opt_sched_preempt_spin },
	{ "gnttab_max_frames", false, opt_gnttab_max_frames },
	{ "gnttab_max_maptrack_frames", false, opt_gnttab_max_maptrack },
	{ "gnttab", false, opt_gnttab },
};

static void defaults(struct boot_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	strlcpy(opt->console, "com1", sizeof(opt->console));
	opt->com1_baud = 115200;
	opt->com1_data_bits = 8;
	opt->com1_parity = 'n';
	opt->com1_stop_bits = 1;
	opt->loglvl = LOGLVL_DEFAULT;
	opt->guest_loglvl = LOGLVL_DEFAULT;
	opt->dom0_vcpus_min = 1;
	opt->gnttab_max_frames = 64;
	opt->gnttab_max_maptrack_frames = 1024;
	opt->gnttab_max_version = 2;
	opt->gnttab_transitive = true;
	opt->tlb_holders = true;
	opt->sched_wake_ratelimit = true;
	opt->sched_wake_wait_us = 10000;
}

unsigned int dom0_vcpus(const struct boot_options *opt, unsigned int nr_cpus, unsigned int limit)
{
	unsigned int n = nr_cpus;

	if (n < opt->dom0_vcpus_min)
		n = opt->dom0_vcpus_min;
	if (opt->dom0_vcpus_max && n > opt->dom0_vcpus_max)
		n = opt->dom0_vcpus_max;
	return n < limit ? n : limit;
}

static void parse_one(struct boot_options *opt, const char *tok, size_t len)
{
	const char *eq = tok, *name = tok;
	struct val v = { 0 };
	bool negated = false;
	size_t nlen;
	unsigned int i;

	while (eq < tok + len && *eq != '=')
		eq++;
	nlen = (size_t)(eq - tok);
	if (eq < tok + len) {
		v.s = eq + 1;
		v.len = len - nlen - 1;
		v.given = true;
	}
	for (i = 0; i < ARRAY_SIZE(options); i++) {
		const struct option *o = &options[i];

		negated = o->boolean && nlen > 3 && strncmp(tok, "no-", 3) == 0 &&
			  val_is(tok + 3, nlen - 3, o->name);
		if (!negated && !val_is(name, nlen, o->name))
			continue;
		if (!v.given && !o->boolean) {
			printk(XENLOG_WARNING "cmdline: option '%s' needs a value, ignored\n",
			       o->name);
			return;
		}
		if (o->parse(opt, &v, negated))
			printk(XENLOG_WARNING
			       "cmdline: bad value '%.*s' for option '%s', ignored\n",
			       (int)v.len, v.s ? v.s : "", o->name);
		return;
	}
	printk(XENLOG_WARNING "cmdline: unknown option '%.*s', ignored\n", (int)len, tok);
}

void cmdline_parse(struct boot_options *opt, const char *cmdline)
{
	const char *p = cmdline, *tok;

	defaults(opt);
	if (!cmdline)
		return;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p)
			break;
		for (tok = p; *p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r'; p++)
			;
		if (p - tok == 2 && tok[0] == '-' && tok[1] == '-')
			break;
		parse_one(opt, tok, (size_t)(p - tok));
	}
}
