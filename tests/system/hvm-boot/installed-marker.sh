#!/bin/sh
# The system test's HVM guest (tests/system/hvm-boot/installed-disk.sh): the
# CPU flags Linux uses, then one line on the serial port with what the guest
# runs on, then poweroff (ACPI S5 under an HVM guest).  Booted with
# petrel_bench (bench/hvm_dm.py), the benchmark program's lines follow the
# marker: its emulated (sda) and PV (xvda) disks, once both are there.
hv=$(cat /sys/hypervisor/type 2>/dev/null || echo none)
disks=$(ls /sys/block | grep -v -E '^(loop|ram)' | tr '\n' ' ')
grep -m 1 '^flags' /proc/cpuinfo | sed 's/^flags[[:space:]]*:/PETREL-HVM-CPUFLAGS:/' >/dev/ttyS0
efi=no
[ -d /sys/firmware/efi ] && efi=yes
echo "PETREL-HVM-INSTALLED: root=$(findmnt -n -o SOURCE /) disks=[${disks% }]" \
	"hypervisor=$hv efi=$efi cmdline=[$(cat /proc/cmdline)]" >/dev/ttyS0
if grep -q -w petrel_bench /proc/cmdline; then
	i=0
	while [ ! -b /dev/sda ] || [ ! -b /dev/xvda ]; do
		[ $i -ge 600 ] && break
		sleep 1
		i=$((i + 1))
	done
	/usr/local/sbin/petrel-hvm-bench /dev/sda /dev/xvda >/dev/ttyS0 2>&1
fi
systemctl --no-block poweroff
