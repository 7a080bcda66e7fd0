#!/bin/sh
# The system test's HVM guest (tests/system/hvm-boot/installed-disk.sh): the
# CPU flags Linux uses, then one line on the serial port with what the guest
# runs on, then poweroff (ACPI S5 under an HVM guest).
hv=$(cat /sys/hypervisor/type 2>/dev/null || echo none)
disks=$(ls /sys/block | grep -v -E '^(loop|ram)' | tr '\n' ' ')
grep -m 1 '^flags' /proc/cpuinfo | sed 's/^flags[[:space:]]*:/PETREL-HVM-CPUFLAGS:/' >/dev/ttyS0
efi=no
[ -d /sys/firmware/efi ] && efi=yes
echo "PETREL-HVM-INSTALLED: root=$(findmnt -n -o SOURCE /) disks=[${disks% }]" \
	"hypervisor=$hv efi=$efi cmdline=[$(cat /proc/cmdline)]" >/dev/ttyS0
systemctl --no-block poweroff
