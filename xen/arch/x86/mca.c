/*
 * The machine-check hypercall: XEN_MC_physcpuinfo, which a dom0's mcelog
 * driver asks at boot to learn the physical CPUs, and XEN_MC_fetch, which it
 * polls. Petrel does not collect machine-check telemetry, so a fetch always
 * finds none (XEN_MC_NODATA) and an ack has nothing to drop. The injection
 * ops answer -ENOSYS; notifydomain and unknown ops -EINVAL, as on Xen.
 */
#include "types.h"
#include "lib.h"
#include "asm.h"
#include "errno.h"
#include "domain.h"
#include "uaccess.h"
#include "public/arch-x86/xen-mca.h"

/* Xen's X86_VENDOR_* bits, as mc_vendor reports them. */
#define MCA_VENDOR_INTEL 0x01
#define MCA_VENDOR_AMD 0x02
#define MCA_VENDOR_HYGON 0x10

static void cpuid_str(u32 leaf, char *out)
{
	u32 r[4];

	cpuid_count(leaf, 0, &r[0], &r[1], &r[2], &r[3]);
	memcpy(out, r, sizeof(r));
}

static u32 mca_vendor_bit(enum x86_vendor v)
{
	switch (v) {
	case X86_VENDOR_INTEL:
		return MCA_VENDOR_INTEL;
	case X86_VENDOR_AMD:
		return MCA_VENDOR_AMD;
	case X86_VENDOR_HYGON:
		return MCA_VENDOR_HYGON;
	default:
		return 0;
	}
}

static void describe_cpu0(struct mcinfo_logical_cpu *c)
{
	u32 a, b, cx, d, max_ext, vendor[3];

	memset(c, 0, sizeof(*c));
	cpuid_count(0, 0, &a, &vendor[0], &vendor[2], &vendor[1]);
	c->mc_cpuid_level = (s32)a;
	memcpy(c->mc_vendorid, vendor, sizeof(vendor));
	c->mc_vendor = mca_vendor_bit(cpu_vendor());
	cpuid_count(1, 0, &a, &b, &cx, &d);
	c->mc_family = (a >> 8) & 0xf;
	if (c->mc_family == 0xf)
		c->mc_family += (a >> 20) & 0xff;
	c->mc_model = ((a >> 4) & 0xf) | (((a >> 16) & 0xf) << 4);
	c->mc_step = a & 0xf;
	c->mc_apicid = b >> 24;
	c->mc_cpu_caps[MC_CAPS_STD_EDX] = d;
	c->mc_cpu_caps[MC_CAPS_STD_ECX] = cx;
	c->mc_ncores = c->mc_ncores_active = c->mc_nthreads = 1;
	c->mc_cache_alignment = 64;
	cpuid_count(0x80000000, 0, &max_ext, &b, &cx, &d);
	if (max_ext >= 0x80000001) {
		cpuid_count(0x80000001, 0, &a, &b, &cx, &d);
		c->mc_cpu_caps[MC_CAPS_AMD_EDX] = d;
		c->mc_cpu_caps[MC_CAPS_AMD_ECX] = cx;
	}
	if (max_ext >= 0x80000004)
		for (u32 i = 0; i < 3; i++)
			cpuid_str(0x80000002 + i, c->mc_brandid + i * 16);
	if (max_ext >= 0x80000006) {
		cpuid_count(0x80000006, 0, &a, &b, &cx, &d);
		c->mc_cache_size = cx >> 16; /* KiB */
	}
}

static long physcpuinfo(unsigned long arg)
{
	struct xen_mc_physcpuinfo info;
	static struct mcinfo_logical_cpu cpu;
	u64 at = arg + sizeof(struct petrel_xen_mc_head);

	if (copy_from_guest(&info, at, sizeof(info)))
		return -EFAULT;
	if (info.info.p) {
		if (!info.ncpus)
			return -EINVAL;
		describe_cpu0(&cpu);
		if (copy_to_guest((u64)info.info.p, &cpu, sizeof(cpu)))
			return -EFAULT;
	}
	info.ncpus = 1;
	return copy_to_guest(at, &info, sizeof(info)) ? -EFAULT : 0;
}

static long fetch(unsigned long arg)
{
	struct xen_mc_fetch f;
	u64 at = arg + sizeof(struct petrel_xen_mc_head);

	if (copy_from_guest(&f, at, sizeof(f)))
		return -EFAULT;
	switch (f.flags & (XEN_MC_NONURGENT | XEN_MC_URGENT)) {
	case XEN_MC_NONURGENT:
	case XEN_MC_URGENT:
		break;
	default:
		return -EINVAL;
	}
	if (f.flags & XEN_MC_ACK)
		return 0;
	if (!f.data.p)
		return -EINVAL;
	f.flags = XEN_MC_OK | XEN_MC_NODATA;
	f.fetch_id = 0;
	return copy_to_guest(at, &f, sizeof(f)) ? -EFAULT : 0;
}

long do_mca(unsigned long arg)
{
	struct petrel_xen_mc_head head;

	if (copy_from_guest(&head, arg, sizeof(head)))
		return -EFAULT;
	if (head.interface_version != XEN_MCA_INTERFACE_VERSION)
		return -EACCES;
	switch (head.cmd) {
	case XEN_MC_physcpuinfo:
		return physcpuinfo(arg);
	case XEN_MC_fetch:
		return fetch(arg);
	case XEN_MC_msrinject:
	case XEN_MC_mceinject:
	case XEN_MC_inject_v2:
		return -ENOSYS;
	default:
		return -EINVAL;
	}
}
