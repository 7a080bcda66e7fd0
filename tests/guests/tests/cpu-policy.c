/*
 * What libxenguest's xc_cpuid_apply_policy and libxl's scheduler setup issue
 * for every domain `xl create` builds: sysctl get_cpu_policy (the bound with
 * no arrays, the PV default and host policies, a short array, bad indexes;
 * hvm_default and hvm_max with the leaf 1 bits Xen 4.17 offers HVM guests
 * only, PSE, PGE and x2APIC, which pv_default hides), sysctl
 * get_cpu_featureset's pv, hvm and hvm_max words (what xen-cpuid prints)
 * each equal to the register of the matching policy's leaf,
 * domctl get_cpu_policy of the caller's own domain, set_cpu_policy refused
 * for oneself, and domctl scheduler_op getinfo/putinfo under the scheduler
 * sysctl sched_id names (credit on Petrel, credit2 on Xen 4.17); and what
 * xl sched-credit -s issues, sysctl scheduler_op for credit: under credit
 * getinfo, putinfo of out-of-range values refused with nothing changed, a
 * good putinfo answered and read back; under another scheduler -EINVAL.
 */
#include "xtest.h"
#include "featureset-op.h"

#define HC_sysctl 35
#define SYSCTL_VERSION 0x15
#define SYSCTL_sched_id 4
#define SYSCTL_scheduler_op 19
#define SYSCTL_get_cpu_policy 29
#define MAX_WORDS 64
#define POLICY_host 1
#define POLICY_pv_default 4
#define POLICY_hvm_max 3
#define POLICY_hvm_default 5
#define DOMCTL_scheduler_op 16
#define DOMCTL_get_cpu_policy 82
#define DOMCTL_set_cpu_policy 83
#define SCHEDOP_putinfo 0
#define SCHEDOP_getinfo 1
#define SCHEDULER_CREDIT 5
#define SCHEDULER_ARINC653 7
#define NO_SUBLEAF 0xffffffffu
#define ESRCH 3
#define EINVAL 22
#define ENOBUFS 105
#define MAX_LEAVES 256
/* CPUID 1: EDX PSE and PGE, ECX x2APIC (Xen's 'S' features: HVM guests only) */
#define F1_EDX_PSE (1u << 3)
#define F1_EDX_PGE (1u << 13)
#define F1_ECX_X2APIC (1u << 21)

struct leaf {
	uint32_t leaf, subleaf, a, b, c, d;
};
struct msr {
	uint32_t idx, flags;
	uint64_t val;
};
struct policy_args {
	uint32_t index, nr_leaves, nr_msrs, rsvd;
	struct leaf *leaves;
	struct msr *msrs;
};
/* xen_sysctl_credit_schedule */
struct credit_params {
	uint32_t tslice_ms, ratelimit_us, migr_delay_us;
};
/* xen_sysctl_scheduler_op: its union is 8-byte aligned (a 64-bit handle in it) */
struct sched_params_op {
	uint32_t pool, sched_id, cmd, pad;
	struct credit_params credit;
};
struct sysctl {
	uint32_t cmd, interface_version;
	union {
		struct policy_args policy;
		struct sched_params_op sched_op;
		uint32_t sched_id;
		uint8_t pad[128];
	} u;
};
struct domctl_policy {
	uint32_t nr_leaves, nr_msrs;
	struct leaf *leaves;
	struct msr *msrs;
	uint32_t err_leaf, err_subleaf, err_msr;
};
struct domctl_sched {
	uint32_t sched_id, cmd;
	uint16_t weight, cap;
};
_Static_assert(sizeof(struct sysctl) == 136, "xen_sysctl is 136 bytes");
_Static_assert(sizeof(struct domctl_policy) == 40, "xen_domctl_cpu_policy is 40 bytes");

static struct leaf leaves[MAX_LEAVES];
static struct msr msrs[8];

static long sysctl(struct sysctl *op, uint32_t cmd)
{
	op->cmd = cmd;
	op->interface_version = SYSCTL_VERSION;
	return hypercall(HC_sysctl, (unsigned long)op, 0, 0, 0, 0);
}

static long policy(uint32_t index, uint32_t *nr_leaves, struct leaf *l, uint32_t *nr_msrs,
		   struct msr *m)
{
	struct sysctl op = { 0 };
	long rc;

	op.u.policy.index = index;
	op.u.policy.nr_leaves = *nr_leaves;
	op.u.policy.leaves = l;
	op.u.policy.nr_msrs = *nr_msrs;
	op.u.policy.msrs = m;
	rc = sysctl(&op, SYSCTL_get_cpu_policy);
	*nr_leaves = op.u.policy.nr_leaves;
	*nr_msrs = op.u.policy.nr_msrs;
	return rc;
}

static long domctl(unsigned int cmd, struct xen_domctl *op)
{
	op->cmd = cmd;
	op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	op->domain = 0;
	return hypercall(HC_domctl, (unsigned long)op, 0, 0, 0, 0);
}

/* Sorted by (leaf, subleaf), leaf 0 first with the vendor CPUID 0 shows. */
static bool well_formed(const struct leaf *l, uint32_t n)
{
	uint32_t a, b, c, d;

	xen_cpuid(0, 0, &a, &b, &c, &d);
	if (n < 2 || l[0].leaf != 0 || l[0].subleaf != NO_SUBLEAF || l[0].b != b || l[0].c != c ||
	    l[0].d != d)
		return false;
	for (uint32_t i = 1; i < n; i++) {
		if (l[i].leaf < l[i - 1].leaf)
			return false;
		if (l[i].leaf == l[i - 1].leaf && l[i].subleaf <= l[i - 1].subleaf)
			return false;
	}
	return true;
}

/* Leaf 1's entry: the family/model/stepping CPUID 1 shows. */
static bool leaf1_matches(const struct leaf *l, uint32_t n)
{
	uint32_t a, b, c, d;

	xen_cpuid(1, 0, &a, &b, &c, &d);
	for (uint32_t i = 0; i < n; i++)
		if (l[i].leaf == 1)
			return l[i].subleaf == NO_SUBLEAF && l[i].a == a;
	return false;
}

static void test_sysctl_policy(void)
{
	uint32_t bound = 0, nr_msrs = 0, n, m;
	long rc = policy(POLICY_pv_default, &bound, NULL, &nr_msrs, NULL);

	xtest_check(rc == 0 && bound >= 16 && bound <= MAX_LEAVES && nr_msrs >= 1 && nr_msrs <= 8,
		    "policy bound: %ld, %u leaves, %u MSRs", rc, bound, nr_msrs);
	if (rc || bound < 16 || bound > MAX_LEAVES || nr_msrs > 8)
		return;
	n = bound;
	m = nr_msrs;
	rc = policy(POLICY_pv_default, &n, leaves, &m, msrs);
	xtest_check(rc == 0 && n <= bound && m <= nr_msrs && well_formed(leaves, n) &&
			leaf1_matches(leaves, n),
		    "pv default policy: %ld, %u leaves, %u MSRs", rc, n, m);
	n = bound;
	m = 0;
	rc = policy(POLICY_host, &n, leaves, &m, NULL);
	xtest_check(rc == 0 && well_formed(leaves, n) && leaf1_matches(leaves, n),
		    "host policy without MSRs: %ld, %u leaves", rc, n);
	n = 1;
	m = 0;
	rc = policy(POLICY_pv_default, &n, leaves, &m, NULL);
	xtest_check(rc == -ENOBUFS, "a one-leaf array: %ld", rc);
	n = bound;
	m = 0;
	xtest_check(policy(6, &n, leaves, &m, NULL) == -EINVAL, "policy index 6 was not -EINVAL");
}

/* Leaf 1's entry of a serialised policy, or NULL. */
static const struct leaf *leaf1_of(const struct leaf *l, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (l[i].leaf == 1 && l[i].subleaf == NO_SUBLEAF)
			return &l[i];
	return NULL;
}

/* Which of PSE (1), PGE (2) and x2APIC (4) policy @index's leaf 1 offers (-1: not read). */
static int hvm_only_bits(uint32_t index)
{
	uint32_t n = MAX_LEAVES, m = 0;
	const struct leaf *l1;
	long rc = policy(index, &n, leaves, &m, NULL);

	xtest_check(rc == 0 && well_formed(leaves, n) && leaf1_matches(leaves, n),
		    "policy %u: %ld, %u leaves", index, rc, n);
	l1 = rc ? NULL : leaf1_of(leaves, n);
	if (!l1)
		return -1;
	return ((l1->d & F1_EDX_PSE) ? 1 : 0) | ((l1->d & F1_EDX_PGE) ? 2 : 0) |
	       ((l1->c & F1_ECX_X2APIC) ? 4 : 0);
}

static void test_hvm_policies(void)
{
	int bits = hvm_only_bits(POLICY_pv_default);

	xtest_check(bits == 0, "pv_default offers PSE, PGE or x2APIC (%d)", bits);
	bits = hvm_only_bits(POLICY_hvm_default);
	xtest_check(bits == 7, "hvm_default lacks PSE, PGE or x2APIC (%d)", bits);
	bits = hvm_only_bits(POLICY_hvm_max);
	xtest_check(bits == 7, "hvm_max lacks PSE, PGE or x2APIC (%d)", bits);
}

/*
 * Xen 4.17's featureset words that are CPUID registers, in its order: leaf,
 * subleaf and register (0..3: eax..edx). Words 16 and 17 (MSR_ARCH_CAPS) are
 * not CPUID and not compared.
 */
static const struct fs_reg {
	uint32_t leaf, sub, reg;
} fs_regs[] = {
	{ 1, NO_SUBLEAF, 3 },
	{ 1, NO_SUBLEAF, 2 },
	{ 0x80000001, NO_SUBLEAF, 3 },
	{ 0x80000001, NO_SUBLEAF, 2 },
	{ 0xd, 1, 0 },
	{ 7, 0, 1 },
	{ 7, 0, 2 },
	{ 0x80000007, NO_SUBLEAF, 3 },
	{ 0x80000008, NO_SUBLEAF, 1 },
	{ 7, 0, 3 },
	{ 7, 1, 0 },
	{ 0x80000021, NO_SUBLEAF, 0 },
	{ 7, 1, 1 },
	{ 7, 2, 3 },
	{ 7, 1, 2 },
	{ 7, 1, 3 },
};

/* Register @r of a serialised policy's leaf in *@v; false if the policy lacks the leaf. */
static bool policy_reg(const struct leaf *l, uint32_t n, const struct fs_reg *r, uint32_t *v)
{
	for (uint32_t i = 0; i < n; i++) {
		if (l[i].leaf != r->leaf || l[i].subleaf != r->sub)
			continue;
		*v = r->reg == 0 ? l[i].a : r->reg == 1 ? l[i].b : r->reg == 2 ? l[i].c : l[i].d;
		return true;
	}
	return false;
}

/*
 * Featureset @fs against policy @pol: each word whose leaf the policy has is
 * that leaf's register. (A word past the policy's max leaf is not compared:
 * Xen 4.17's hvm_max featureset has 0x80000021.eax bits on a CPU whose max
 * extended leaf is below it.)
 */
static void check_featureset(uint32_t fs, uint32_t pol)
{
	static uint32_t words[MAX_WORDS];
	uint32_t nr = MAX_WORDS, n = MAX_LEAVES, m = 0, bad = 0, same = 0, v;
	long rc = featureset(fs, words, &nr);

	xtest_check(rc == 0 && nr >= 8 && nr < MAX_WORDS, "featureset %u: %ld, %u words", fs, rc,
		    nr);
	if (rc || policy(pol, &n, leaves, &m, NULL))
		return;
	for (uint32_t i = 0; i < nr && i < sizeof(fs_regs) / sizeof(fs_regs[0]); i++) {
		if (!policy_reg(leaves, n, &fs_regs[i], &v))
			continue;
		if (words[i] == v) {
			same++;
			continue;
		}
		xtest_fail("featureset %u word %u: %#x, policy %u's %#x", fs, i, words[i], pol, v);
		bad++;
	}
	xtest_check(!bad && same >= 4, "featureset %u: %u words differ from policy %u, %u agree",
		    fs, bad, pol, same);
}

/* The HVM featuresets offer PSE, PGE and x2APIC (words 0 and 1), the PV one not. */
static void test_featuresets(void)
{
	static uint32_t pv[MAX_WORDS], hvm[MAX_WORDS], hvm_max[MAX_WORDS];
	uint32_t n = MAX_WORDS, hvm_bits = F1_EDX_PSE | F1_EDX_PGE;

	check_featureset(FEATURESET_pv, POLICY_pv_default);
	check_featureset(FEATURESET_hvm, POLICY_hvm_default);
	check_featureset(FEATURESET_hvm_max, POLICY_hvm_max);
	featureset(FEATURESET_pv, pv, &n);
	n = MAX_WORDS;
	featureset(FEATURESET_hvm, hvm, &n);
	n = MAX_WORDS;
	featureset(FEATURESET_hvm_max, hvm_max, &n);
	xtest_check(!(pv[0] & hvm_bits) && !(pv[1] & F1_ECX_X2APIC),
		    "pv featureset offers PSE, PGE or x2APIC: %#x %#x", pv[0], pv[1]);
	xtest_check((hvm[0] & hvm_bits) == hvm_bits && (hvm[1] & F1_ECX_X2APIC),
		    "hvm featureset lacks PSE, PGE or x2APIC: %#x %#x", hvm[0], hvm[1]);
	xtest_check((hvm_max[0] & hvm_bits) == hvm_bits && (hvm_max[1] & F1_ECX_X2APIC),
		    "hvm_max featureset lacks PSE, PGE or x2APIC: %#x %#x", hvm_max[0], hvm_max[1]);
}

static void test_domctl_policy(void)
{
	struct xen_domctl op = { 0 };
	struct domctl_policy *p = (struct domctl_policy *)&op.u;
	long rc;

	p->nr_leaves = MAX_LEAVES;
	p->leaves = leaves;
	rc = domctl(DOMCTL_get_cpu_policy, &op);
	xtest_check(rc == 0 && p->nr_leaves <= MAX_LEAVES && well_formed(leaves, p->nr_leaves),
		    "get_cpu_policy(self): %ld, %u leaves", rc, p->nr_leaves);
	if (rc)
		return;
	/* The caller's own policy cannot change under it: Xen answers -EINVAL. */
	p->msrs = NULL;
	p->nr_msrs = 0;
	rc = domctl(DOMCTL_set_cpu_policy, &op);
	xtest_check(rc == -EINVAL, "set_cpu_policy(self): %ld", rc);
}

static long sched(uint32_t id, uint32_t cmd, uint16_t *weight, uint16_t *cap)
{
	struct xen_domctl op = { 0 };
	struct domctl_sched *s = (struct domctl_sched *)&op.u;
	long rc;

	s->sched_id = id;
	s->cmd = cmd;
	s->weight = *weight;
	s->cap = *cap;
	rc = domctl(DOMCTL_scheduler_op, &op);
	*weight = s->weight;
	*cap = s->cap;
	return rc;
}

static void test_scheduler_op(void)
{
	struct sysctl op = { 0 };
	uint16_t w = 0, c = 0;
	uint32_t id;
	long rc = sysctl(&op, SYSCTL_sched_id);

	id = op.u.sched_id;
	xtest_check(rc == 0, "sched_id: %ld", rc);
	rc = sched(id, SCHEDOP_getinfo, &w, &c);
	xtest_check(rc == 0 && w == 256 && c == 0, "getinfo: %ld, weight %u cap %u", rc, w, c);
	w = 512;
	c = 0;
	rc = sched(id, SCHEDOP_putinfo, &w, &c);
	xtest_check(rc == 0, "putinfo weight 512: %ld", rc);
	w = c = 0;
	rc = sched(id, SCHEDOP_getinfo, &w, &c);
	xtest_check(rc == 0 && w == 512 && c == 0, "after putinfo: %ld, weight %u cap %u", rc, w,
		    c);
	/* Weight 0 leaves the weight alone. */
	w = 0;
	c = 0;
	sched(id, SCHEDOP_putinfo, &w, &c);
	sched(id, SCHEDOP_getinfo, &w, &c);
	xtest_check(w == 512, "putinfo weight 0 changed the weight to %u", w);
	w = 256;
	c = 0;
	sched(id, SCHEDOP_putinfo, &w, &c);
	xtest_check(sched(SCHEDULER_ARINC653, SCHEDOP_getinfo, &w, &c) == -EINVAL,
		    "another scheduler's id was not -EINVAL");
	xtest_check(sched(id, 9, &w, &c) == -EINVAL, "scheduler_op cmd 9 was not -EINVAL");
}

static long credit_params(uint32_t pool, uint32_t sched_id, uint32_t cmd, struct credit_params *p)
{
	struct sysctl op = { 0 };
	long rc;

	op.u.sched_op = (struct sched_params_op){ pool, sched_id, cmd, 0, *p };
	rc = sysctl(&op, SYSCTL_scheduler_op);
	*p = op.u.sched_op.credit;
	return rc;
}

static bool same_params(const struct credit_params *a, const struct credit_params *b)
{
	return a->tslice_ms == b->tslice_ms && a->ratelimit_us == b->ratelimit_us &&
	       a->migr_delay_us == b->migr_delay_us;
}

/* Out of Xen's credit ranges: a slice of 0 or 1001 ms, a rate limit under 100 us, over
 * 500000 us or longer than the slice, a migration delay over 100 ms. */
static const struct credit_params bad_params[] = {
	{ 0, 0, 0 },	   { 1001, 0, 0 }, { 30, 50, 0 },
	{ 30, 500001, 0 }, { 1, 1001, 0 }, { 30, 0, 100001 },
};

static void test_credit_params(void)
{
	struct credit_params start = { 0 }, p = { 0 }, want = { 10, 500, 7 };
	struct sysctl op = { 0 };
	long rc = sysctl(&op, SYSCTL_sched_id);

	if (rc == 0 && op.u.sched_id != SCHEDULER_CREDIT) {
		rc = credit_params(0, SCHEDULER_CREDIT, SCHEDOP_getinfo, &p);
		xtest_check(rc == -EINVAL, "credit's getinfo under scheduler %u: %ld",
			    op.u.sched_id, rc);
		return;
	}
	rc = credit_params(0, SCHEDULER_CREDIT, SCHEDOP_getinfo, &start);
	xtest_check(rc == 0 && start.tslice_ms >= 1 && start.tslice_ms <= 1000,
		    "getinfo: %ld, slice %u ms", rc, start.tslice_ms);
	for (unsigned int i = 0; i < sizeof(bad_params) / sizeof(bad_params[0]); i++) {
		p = bad_params[i];
		rc = credit_params(0, SCHEDULER_CREDIT, SCHEDOP_putinfo, &p);
		xtest_check(rc == -EINVAL, "putinfo %u ms, %u us, %u us: %ld",
			    bad_params[i].tslice_ms, bad_params[i].ratelimit_us,
			    bad_params[i].migr_delay_us, rc);
		credit_params(0, SCHEDULER_CREDIT, SCHEDOP_getinfo, &p);
		xtest_check(same_params(&p, &start), "a refused putinfo changed the slice to %u ms",
			    p.tslice_ms);
	}
	p = want;
	rc = credit_params(0, SCHEDULER_CREDIT, SCHEDOP_putinfo, &p);
	xtest_check(rc == 0 && same_params(&p, &want),
		    "putinfo 10 ms, 500 us, 7 us: %ld, answered "
		    "%u %u %u",
		    rc, p.tslice_ms, p.ratelimit_us, p.migr_delay_us);
	p = (struct credit_params){ 0 };
	credit_params(0, SCHEDULER_CREDIT, SCHEDOP_getinfo, &p);
	xtest_check(same_params(&p, &want), "getinfo after putinfo: %u %u %u", p.tslice_ms,
		    p.ratelimit_us, p.migr_delay_us);
	p = start;
	xtest_check(credit_params(0, SCHEDULER_CREDIT, SCHEDOP_putinfo, &p) == 0,
		    "putinfo of the first values refused");
	xtest_check(credit_params(1, SCHEDULER_CREDIT, SCHEDOP_getinfo, &p) == -ESRCH,
		    "getinfo of pool 1 was not -ESRCH");
	xtest_check(credit_params(0, SCHEDULER_CREDIT, 9, &p) == -EINVAL,
		    "sysctl scheduler_op cmd 9 was not -EINVAL");
}

void test_main(void)
{
	test_sysctl_policy();
	test_hvm_policies();
	test_featuresets();
	test_domctl_policy();
	test_scheduler_op();
	test_credit_params();
}
