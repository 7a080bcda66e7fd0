#!/usr/bin/env bash
# Petrel on a machine with RAM above 4 GiB (8 GiB: a hole below 4 GiB, RAM
# above it), with and without 1 GiB pages for the direct map: the memory
# above 4 GiB is counted and the guest runs.
#   bigmem.sh PETREL GUEST.elf OUTDIR
set -uo pipefail
petrel=$1 guest=$2 out=$3 pass=0 fail=0
mkdir -p "$out"
for cpu in max max,pdpe1gb=off; do
	log=$out/bigmem-${cpu//[,=]/-}.log
	timeout 120 qemu-system-x86_64 -machine pc -m 8G -cpu "$cpu" -nographic -no-reboot \
		-kernel "$petrel" -initrd "$guest x" -append "console=com1 loglvl=all dom0_mem=256M" \
		-serial "file:$log" -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-display none -monitor none </dev/null >/dev/null 2>&1
	free=$(sed -nE 's/.*Memory: ([0-9]+) MiB free.*/\1/p' "$log")
	if grep -q "Test result: SUCCESS" "$log" && [ "${free:-0}" -gt 7000 ]; then
		echo "PASS -cpu $cpu (${free} MiB free)"; pass=$((pass + 1))
	else
		echo "FAIL -cpu $cpu (free: ${free:-none}); log tail:"; tail -20 "$log"; fail=$((fail + 1))
	fi
done
echo "bigmem: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
