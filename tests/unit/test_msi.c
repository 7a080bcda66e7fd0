/*
 * MSI: xen/arch/x86/msi.c (included below, so its state can be inspected)
 * over a fake PCI configuration space: two functions with an MSI
 * capability (one with per-vector masking and 64-bit addresses, one
 * without either) and one with MSI-X that does not decode memory. Covers
 * the message the layer writes, the masks, vector allocation and release,
 * dom0's configuration writes as Xen filters them, delivery, restore, and
 * the errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define strtoul petrel_strtoul
#define strlcpy petrel_strlcpy
#define sort petrel_sort
#define parse_size petrel_parse_size
#include "../../xen/arch/x86/msi.c"
#include "shim.h"

#define DEV_MASKABLE 0x10 /* MSI at 0x50: 64-bit, per-vector mask, 4 vectors */
#define DEV_PLAIN 0x18	  /* MSI at 0x40: 32-bit, no mask, 1 vector */
#define DEV_MSIX 0x20	  /* MSI-X at 0x60, memory decoding off */
#define NR_GSIS 24
#define APIC_ID 3

static u8 cfg[256][256];
static unsigned int eois, delivered, last_pirq;

u32 pci_conf_read(u8 bus, u8 devfn, unsigned int reg, unsigned int size)
{
	u32 v = 0;

	if (bus)
		return ~0u;
	for (unsigned int i = 0; i < size; i++)
		v |= (u32)cfg[devfn][reg + i] << (8 * i);
	return v;
}

void pci_conf_write(u8 bus, u8 devfn, unsigned int reg, unsigned int size, u32 val)
{
	assert_int_equal(bus, 0);
	for (unsigned int i = 0; i < size; i++)
		cfg[devfn][reg + i] = (u8)(val >> (8 * i));
}

bool pci_present(u8 bus, u8 devfn)
{
	return !bus && pci_conf_read(bus, devfn, 0, 2) != 0xffff;
}

unsigned int pci_find_cap(u8 bus, u8 devfn, u8 id)
{
	for (unsigned int pos = cfg[devfn][PCI_CAP_PTR]; !bus && pos; pos = cfg[devfn][pos + 1])
		if (cfg[devfn][pos] == id)
			return pos;
	return 0;
}

u64 pci_bar_address(u8 bus, u8 devfn, unsigned int bir)
{
	(void)bus;
	(void)devfn;
	(void)bir;
	return 0xfe000000;
}

u32 apic_id(void)
{
	return APIC_ID;
}

void apic_eoi(void)
{
	eois++;
}

unsigned int io_apic_nr_gsis(void)
{
	return NR_GSIS;
}

/* struct domain is opaque to msi.c: any distinct pointer names the owner. */
static int owner_tag;
#define OWNER ((struct domain *)&owner_tag)
static struct domain *last_dom;

void pirq_msi_interrupt(struct domain *d, unsigned int pirq)
{
	delivered++;
	last_dom = d;
	last_pirq = pirq;
}

static void put16(u8 devfn, unsigned int reg, u16 v)
{
	pci_conf_write(0, devfn, reg, 2, v);
}

static int setup(void **state)
{
	(void)state;
	memset(&msi, 0, sizeof(msi));
	memset(cfg, 0xff, sizeof(cfg));
	eois = delivered = last_pirq = 0;
	for (unsigned int d = DEV_MASKABLE; d <= DEV_MSIX; d += 8) {
		memset(cfg[d], 0, 256);
		put16((u8)d, PCI_VENDOR_ID, 0x1234);
	}
	cfg[DEV_MASKABLE][PCI_CAP_PTR] = 0x50;
	cfg[DEV_MASKABLE][0x50] = PCI_CAP_ID_MSI;
	put16(DEV_MASKABLE, 0x52, MSI_CTRL_MASKBIT | MSI_CTRL_64BIT | (2 << MSI_CTRL_MMC_SHIFT));
	cfg[DEV_PLAIN][PCI_CAP_PTR] = 0x40;
	cfg[DEV_PLAIN][0x40] = PCI_CAP_ID_MSI;
	cfg[DEV_MSIX][PCI_CAP_PTR] = 0x60;
	cfg[DEV_MSIX][0x60] = PCI_CAP_ID_MSIX;
	put16(DEV_MSIX, 0x62, 7); /* 8 entries */
	return 0;
}

static int map(u8 devfn, bool msix, unsigned int nr)
{
	struct msi_request rq = { .devfn = devfn, .msix = msix, .entry_nr = nr };
	unsigned int nvec = 0;
	int d = msi_setup(&rq, &nvec);

	if (d >= 0)
		assert_int_equal(nvec, 1);
	return d;
}

static u32 reg32(u8 devfn, unsigned int reg)
{
	return pci_conf_read(0, devfn, reg, 4);
}

static void test_message_and_masks(void **state)
{
	int d;
	u8 v;

	(void)state;
	d = map(DEV_MASKABLE, false, 1);
	assert_true(d >= 0);
	v = msi.desc[d].vector;
	assert_int_equal(v, IOAPIC_FIRST_VECTOR + NR_GSIS); /* the first above the GSIs */
	assert_true(msi_vector(v));
	assert_false(msi_vector(v - 1));
	assert_false(msi_vector(IOAPIC_LAST_VECTOR + 1));
	assert_int_equal(reg32(DEV_MASKABLE, 0x54), 0xfee00000u | (APIC_ID << 12));
	assert_int_equal(reg32(DEV_MASKABLE, 0x58), 0);
	assert_int_equal(reg32(DEV_MASKABLE, 0x5c) & 0xffff, 0x4000 | v);
	assert_int_equal(reg32(DEV_MASKABLE, 0x60) & 1, 1); /* masked until bound */
	assert_int_equal(pci_conf_read(0, DEV_MASKABLE, 0x52, 2) & MSI_CTRL_MME_MASK, 0);
	msi_mask((unsigned int)d, false);
	assert_int_equal(reg32(DEV_MASKABLE, 0x60) & 1, 0);
	msi_mask((unsigned int)d, true);
	assert_int_equal(reg32(DEV_MASKABLE, 0x60) & 1, 1);
	/* A second MSI mapping for the same function. */
	assert_int_equal(map(DEV_MASKABLE, false, 1), -EEXIST);
	/* Release: MSI disabled, the vector free again. */
	put16(DEV_MASKABLE, 0x52, (u16)(pci_conf_read(0, DEV_MASKABLE, 0x52, 2) | MSI_CTRL_ENABLE));
	msi_teardown((unsigned int)d);
	assert_int_equal(pci_conf_read(0, DEV_MASKABLE, 0x52, 2) & MSI_CTRL_ENABLE, 0);
	assert_int_equal(msi.by_vector[v], 0);
	d = map(DEV_MASKABLE, false, 1);
	assert_int_equal(msi.desc[d].vector, v);
}

static void test_errors(void **state)
{
	struct msi_request rq = { .seg = 1, .devfn = DEV_PLAIN };
	unsigned int nvec;

	(void)state;
	assert_int_equal(msi_setup(&rq, &nvec), -ENODEV);   /* segment 1 */
	assert_int_equal(map(0x08, false, 1), -ENODEV);	    /* nothing there */
	assert_int_equal(map(DEV_PLAIN, true, 0), -ENODEV); /* no MSI-X */
	assert_int_equal(map(DEV_MSIX, false, 1), -ENODEV); /* no MSI */
	assert_int_equal(map(DEV_MSIX, true, 0), -ENXIO);   /* not decoding memory */
	assert_int_equal(msi_prepare_msix(0, 0, DEV_MSIX, false), -ENXIO);
	assert_int_equal(msi_prepare_msix(0, 0, DEV_MSIX, true), -EBUSY);
	assert_int_equal(msi_prepare_msix(0, 0, DEV_PLAIN, false), -ENODEV);
	assert_int_equal(map(DEV_MASKABLE, false, 2), -EOPNOTSUPP); /* no interrupt remapping */
	assert_int_equal(map(DEV_MASKABLE, false, 33), -EDOM);
	assert_int_equal(msi_restore(0, 0, 0x08), -ENODEV);
	assert_false(msi_ro_frame(0xfe000));
}

static void test_guest_config_writes(void **state)
{
	u32 val;
	int d;

	(void)state;
	/* Nothing mapped: everything is dom0's. */
	val = 0;
	assert_true(msi_guest_conf_write(0, DEV_MASKABLE, 0x5c, 2, &val));
	d = map(DEV_MASKABLE, false, 1);
	assert_true(d >= 0);
	val = 0x1234;
	assert_false(msi_guest_conf_write(0, DEV_MASKABLE, 0x54, 4, &val)); /* address */
	assert_false(msi_guest_conf_write(0, DEV_MASKABLE, 0x5c, 2, &val)); /* data */
	assert_false(msi_guest_conf_write(0, DEV_MASKABLE, 0x50, 4, &val)); /* header + control */
	assert_false(msi_guest_conf_write(0, DEV_MASKABLE, 0x64, 4, &val)); /* pending bits */
	assert_false(msi_guest_conf_write(0, DEV_MASKABLE, 0x60, 2, &val)); /* mask, not 32-bit */
	assert_true(msi_guest_conf_write(0, DEV_MASKABLE, 0x52, 2, &val));  /* control */
	assert_true(msi_guest_conf_write(0, DEV_MASKABLE, 0x04, 2, &val));  /* command */
	assert_true(msi_guest_conf_write(0, DEV_MASKABLE, 0x68, 4, &val));  /* past the cap */
	/* The mask register: the masked vector and unused vectors 1-3 stay masked. */
	val = 0;
	assert_true(msi_guest_conf_write(0, DEV_MASKABLE, 0x60, 4, &val));
	assert_int_equal(val, 0xf);
	msi_mask((unsigned int)d, false);
	val = 0;
	assert_true(msi_guest_conf_write(0, DEV_MASKABLE, 0x60, 4, &val));
	assert_int_equal(val, 0xe);
	/* Without per-vector masking Xen guards nothing. */
	assert_true(map(DEV_PLAIN, false, 1) >= 0);
	val = 0x1234;
	assert_true(msi_guest_conf_write(0, DEV_PLAIN, 0x48, 2, &val));
	assert_int_equal(val, 0x1234);
}

static void test_delivery_and_restore(void **state)
{
	int d;
	u8 v;

	(void)state;
	d = map(DEV_PLAIN, false, 1);
	assert_true(d >= 0);
	v = msi.desc[d].vector;
	msi_set_pirq((unsigned int)d, OWNER, 200);
	msi_interrupt(v);
	assert_int_equal(eois, 1);
	assert_int_equal(delivered, 1);
	assert_ptr_equal(last_dom, OWNER);
	assert_int_equal(last_pirq, 200);
	msi_interrupt(v + 1); /* nobody's vector: acknowledged, dropped */
	assert_int_equal(eois, 2);
	assert_int_equal(delivered, 1);
	assert_true(shim_log_has("unused vector"));
	/* dom0 overwrote the message (the plain MSI is not guarded); restore puts it back. */
	put16(DEV_PLAIN, 0x48, 0x99);
	pci_conf_write(0, DEV_PLAIN, 0x44, 4, 0);
	assert_int_equal(msi_restore(0, 0, DEV_PLAIN), 0);
	assert_int_equal(pci_conf_read(0, DEV_PLAIN, 0x48, 2), 0x4000u | v);
	assert_int_equal(reg32(DEV_PLAIN, 0x44), 0xfee00000u | (APIC_ID << 12));
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_message_and_masks),
		T(test_errors),
		T(test_guest_config_writes),
		T(test_delivery_and_restore),
	};

	return cmocka_run_group_tests_name("msi", tests, NULL, NULL);
}
