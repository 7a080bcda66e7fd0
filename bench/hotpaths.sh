#!/usr/bin/env bash
# Hot-path benchmark: the benchmark guests of bench/guests on Petrel and on
# Debian's Xen 4.17, booted by the guest-test runner (tests/guests/run.sh) on
# the same QEMU (TCG), plus the native system call round trip of the same
# machine (the dom0 kernel booted without a hypervisor, bench/native).
#
# Usage:
#   bench/hotpaths.sh --check --petrel PETREL GUEST.elf...
#       boot each guest on Petrel once and check that it passes and that its
#       BENCH lines are well formed (no timing is judged); for make test
#   bench/hotpaths.sh [--runs N] --petrel PETREL --xen XEN [--kernel-dir DIR]
#                     [--native-initrd CPIO] [--doc FILE] GUEST.elf...
#       N runs (default 3), each booting every guest on both hypervisors
#       (which goes first alternates) and the native reference once; prints
#       the table of median cycles/op (median over the runs of each run's
#       median of rounds), the best round of each, and Petrel/Xen; writes it
#       to build/bench/hotpaths/table.md and, with --doc, between the
#       "hotpaths-table" markers of FILE. The raw figures of the last run stay
#       in build/bench/hotpaths/figures.txt ("hypervisor figure min median").
#   bench/hotpaths.sh --table FIGURES
#       only print the table of a saved figures file
# --src DIR (default bench/guests) is where the guests' sources (their TEST_*
# lines) are; --name NAME (default hotpaths) names the output directory
# build/bench/NAME and the doc's "NAME-table" markers. bench-hvm runs the HVM
# guests of bench/guests/hvm this way, without the native reference.
# Each guest prints "BENCH name min=C median=C iters=N rounds=R" per figure.
set -uo pipefail

BUILD=${BUILD:-build}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
check=0 table_from="" runs=3 src="$top/bench/guests" name=hotpaths petrel="" xen="" kdir="$BUILD/dom0" native_initrd="" doc="" guests=()
# table FIGURES: the Markdown table of a figures file ("hv figure min median" lines)
table() {
	awk -f - "$1" <<'AWK'
function med(list,    n, v, i, j, t) {
	n = split(list, v, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) {
			t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
		}
	return n % 2 ? v[(n + 1) / 2] : int((v[n / 2] + v[n / 2 + 1]) / 2)
}
{
	k = $1 SUBSEP $2
	if (!($2 in seen)) { seen[$2] = 1; order[++nf] = $2 }
	meds[k] = meds[k] " " $4
	if (!(k in best) || $3 + 0 < best[k]) best[k] = $3 + 0
}
END {
	print "| figure | Xen 4.17 median | Petrel median | Petrel / Xen | Xen best | Petrel best | Petrel / Xen (best) |"
	print "|---|---|---|---|---|---|---|"
	for (i = 1; i <= nf; i++) {
		f = order[i]
		if (f ~ /^native-/) continue
		x = ((("xen" SUBSEP f) in meds)) ? med(meds["xen" SUBSEP f]) : ""
		p = ((("petrel" SUBSEP f) in meds)) ? med(meds["petrel" SUBSEP f]) : ""
		ratio = (x != "" && p != "" && x > 0) ? sprintf("%.2fx", p / x) : "-"
		bx = (("xen" SUBSEP f) in best) ? best["xen" SUBSEP f] : ""
		bp = (("petrel" SUBSEP f) in best) ? best["petrel" SUBSEP f] : ""
		bratio = (bx != "" && bp != "" && bx > 0) ? sprintf("%.2fx", bp / bx) : "-"
		printf "| %s | %s | %s | %s | %s | %s | %s |\n", f, x == "" ? "-" : x,
			p == "" ? "-" : p, ratio, bx == "" ? "-" : bx, bp == "" ? "-" : bp, bratio
		if (f == "null-hypercall-syscall") { nx = x; np = p }
	}
	for (i = 1; i <= nf; i++) {
		f = order[i]
		if (f !~ /^native-/) continue
		n = med(meds["native" SUBSEP f])
		printf "\nNative reference, the same kernel without a hypervisor: %s median %s, best %s",
			f, n, best["native" SUBSEP f]
		if (n > 0 && np != "" && nx != "")
			printf "; the null hypercall (syscall) costs %.2fx that on Petrel, %.2fx on Xen", np / n, nx / n
		printf ".\n"
	}
}
AWK
}

die() {
	echo "hotpaths: $*" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case "$1" in
	--check) check=1; shift ;;
	--runs) runs=${2:?}; shift 2 ;;
	--petrel) petrel=${2:?}; shift 2 ;;
	--xen) xen=${2:?}; shift 2 ;;
	--kernel-dir) kdir=${2:?}; shift 2 ;;
	--native-initrd) native_initrd=${2:?}; shift 2 ;;
	--doc) doc=${2:?}; shift 2 ;;
	--table) table_from=${2:?}; shift 2 ;;
	--src) src=${2:?}; shift 2 ;;
	--name) name=${2:?}; shift 2 ;;
	-h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option $1" ;;
	*) guests+=("$1"); shift ;;
	esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "--runs needs a positive number"
if [ -n "$table_from" ]; then
	[ -f "$table_from" ] || die "no such file: $table_from"
	table "$table_from"
	exit
fi
[ ${#guests[@]} -gt 0 ] || die "no benchmark guests given"
[ -f "$petrel" ] || die "no Petrel image '$petrel'"
out="$BUILD/bench/$name"
mkdir -p "$out"
line_re='^BENCH [a-z0-9-]+ min=[0-9]+ median=[0-9]+ iters=[1-9][0-9]* rounds=[1-9][0-9]*$'

# boot_guests MODE IMAGE OUTDIR: the runner's verdicts; logs in OUTDIR/MODE/
boot_guests() {
	bash "$top/tests/guests/run.sh" --timeout 120 --jobs 1 --src "$src" \
		--out "$3" --mode "$1" --petrel "$2" "${guests[@]}"
}

# bench_lines LOG: the BENCH lines, carriage returns dropped
bench_lines() {
	tr -d '\r' <"$1" | grep -a '^BENCH '
}

# well_formed LINE: a BENCH line with 0 < min <= median
well_formed() {
	[[ "$1" =~ $line_re ]] &&
		awk '{ split($3, a, "="); split($4, b, "=")
		       exit !(a[2] + 0 > 0 && a[2] + 0 <= b[2] + 0) }' <<<"$1"
}

if [ "$check" = 1 ]; then
	# the checker itself, on made-up lines
	well_formed "BENCH null-hypercall min=950 median=1200 iters=500 rounds=11" &&
		! well_formed "BENCH null-hypercall min=1300 median=1200 iters=500 rounds=11" &&
		! well_formed "BENCH null-hypercall min=0 median=0 iters=500 rounds=11" &&
		! well_formed "BENCH null-hypercall min=950 median= iters=500 rounds=11" &&
		! well_formed "BENCH null-hypercall min=950 median=1200 iters=500" ||
		die "the BENCH line checker judges its made-up lines wrongly"
	boot_guests multiboot "$petrel" "$out/check"
	rc=$?
	good=0 bad=0
	for g in "${guests[@]}"; do
		name=$(basename "$g" .elf) log="$out/check/multiboot/$(basename "$g" .elf).log"
		n=0
		while IFS= read -r l; do
			n=$((n + 1))
			if well_formed "$l"; then
				good=$((good + 1))
			else
				bad=$((bad + 1))
				echo "$name: malformed: $l"
			fi
		done < <(bench_lines "$log" 2>/dev/null)
		[ "$n" -gt 0 ] || { bad=$((bad + 1)); echo "$name: no BENCH line"; }
	done
	[ "$rc" = 0 ] || bad=$((bad + 1))
	echo "bench-guests: $good passed, $bad failed"
	[ "$bad" = 0 ]
	exit
fi

[ -f "$xen" ] || die "no Xen image '$xen' (make xen-ref)"
[ "$name" = hotpaths ] && : "${native_initrd:=$BUILD/bench/native/initramfs.cpio.gz}"

# native LOG: the dom0 kernel with the native initramfs, no hypervisor
native() {
	timeout -k 5 300 qemu-system-x86_64 -machine pc -m 512M -cpu max -nographic -no-reboot \
		-kernel "$kdir/vmlinuz" -initrd "$native_initrd" \
		-append "console=ttyS0 quiet panic=-1" -serial "file:$1" -display none \
		-monitor none </dev/null >"$1.qemu" 2>&1
}

rm -rf "$out/runs"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for r in $(seq 1 "$runs"); do
	order="petrel xen"
	[ $((r % 2)) = 0 ] && order="xen petrel"
	for hv in $order; do
		if [ "$hv" = petrel ]; then
			boot_guests multiboot "$petrel" "$out/runs/$r" >"$out/runs-$r-$hv.txt"
		else
			boot_guests xen "$xen" "$out/runs/$r" >"$out/runs-$r-$hv.txt"
		fi
		echo "run $r $hv: $(tail -n 1 "$out/runs-$r-$hv.txt")"
	done
	if [ -f "$native_initrd" ] && [ -f "$kdir/vmlinuz" ]; then
		mkdir -p "$out/runs/$r/native"
		native "$out/runs/$r/native/native.log"
		echo "run $r native: $(bench_lines "$out/runs/$r/native/native.log" | head -n 1)"
	fi
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# figures: hv figure min median, one line per guest line of every run
for r in $(seq 1 "$runs"); do
	for pair in multiboot:petrel xen:xen native:native; do
		for log in "$out/runs/$r/${pair%%:*}"/*.log; do
			[ -f "$log" ] || continue
			bench_lines "$log" | grep -E "$line_re" |
				awk -v hv="${pair#*:}" '{ split($3, a, "="); split($4, b, "=")
					print hv, $2, a[2], b[2] }'
		done
	done
done >"$out/figures.txt"

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
{
	echo "Run of $(date -u '+%Y-%m-%d %H:%M UTC'), Petrel at $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?'):"
	echo "$(nproc) CPUs ($cpu), $(qemu-system-x86_64 --version | head -n 1), TCG, -cpu max or the guests' TEST_CPU;"
	echo "$runs runs, load average $load_before before and $load_after after."
	echo "Cycles are TSC cycles per operation; median = median over the runs of each"
	echo "run's median of rounds, best = the lowest round seen."
	echo
	table "$out/figures.txt"
} >"$out/table.md"
cat "$out/table.md"
grep -h -- '^native: ' "$out"/runs/*/native/native.log 2>/dev/null | tr -d '\r' | sort -u

if [ -n "$doc" ]; then
	begin="<!-- $name-table begin -->" end="<!-- $name-table end -->"
	grep -qF "$begin" "$doc" && grep -qF "$end" "$doc" ||
		die "$doc has no '$begin' / '$end' markers"
	awk -v b="$begin" -v e="$end" -v t="$out/table.md" '
		$0 == b { print; while ((getline l < t) > 0) print l; skip = 1; next }
		$0 == e { skip = 0 }
		!skip' "$doc" >"$doc.tmp" && mv "$doc.tmp" "$doc"
	echo "$name: table written to $doc"
fi
