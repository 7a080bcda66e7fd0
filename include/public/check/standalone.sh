#!/usr/bin/env bash
# Compile every public header on its own, in each language the ABI headers
# promise: C89, C99, C11 (freestanding, as the hypervisor uses them), C++98
# and C++11 with gcc/g++, and C99 and C++11 with clang, all with -pedantic
# -Wall -Wextra -Werror.  Each generated source includes only the header
# under test, twice (include guards), and declares one object so the
# translation unit is never empty.
# Headers that assembly sources use (hypercall numbers, ELF notes, CPUID
# leaves, PVH magic) are also preprocessed and assembled with __ASSEMBLY__,
# and io/xs_wire.h is also built after <errno.h>, which enables its
# xsd_errors table.
# Usage: standalone.sh PUBLIC_DIR WORK_DIR
# Prints a line per failure and "headers-check: N passed, N failed".
set -uo pipefail
if [ $# -ne 2 ] || [ ! -d "$1" ]; then
	echo "usage: standalone.sh PUBLIC_DIR WORK_DIR (PUBLIC_DIR must exist)" >&2
	echo "headers-check: 0 passed, 1 failed"
	exit 1
fi
pub=$(cd "$1" && pwd)
work=$2
CC=${CC:-gcc}
CXX=${CXX:-g++}
mkdir -p "$work"

# compiler:standard; clang also checks what gcc might let through.
CLANG=${CLANG:-clang}
CLANGXX=${CLANGXX:-clang++}
modes="$CC:c89 $CC:c99 $CC:c11 $CXX:c++98 $CXX:c++11 $CLANG:c99 $CLANGXX:c++11"
pass=0 fail=0
headers=$(cd "$pub" && find . -name '*.h' -not -path './check/*' | sed 's|^\./||' | sort)
[ -n "$headers" ] || { echo "headers-check: no headers under $pub"; echo "headers-check: 0 passed, 1 failed"; exit 1; }

for h in $headers; do
	base=$(echo "$h" | tr '/.-' '___')
	for cm in $modes; do
		comp=${cm%%:*} m=${cm#*:}
		tag=$(basename "$comp")-$m
		case $m in
		c++*) src="$work/$base.$tag.cc" extra="" ;;
		c11) src="$work/$base.$tag.c" extra="-ffreestanding" ;;
		*) src="$work/$base.$tag.c" extra="" ;;
		esac
		printf '#include "%s"\n#include "%s"\nint petrel_headers_check_%s;\n' \
			"$pub/$h" "$pub/$h" "$base" >"$src"
		if out=$($comp -std="$m" -pedantic -Wall -Wextra -Werror $extra \
			-fsyntax-only "$src" 2>&1); then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
			echo "FAIL $h with $comp -std=$m:"
			echo "$out" | head -n 15
		fi
	done
done

# compile_one NAME SOURCE-TEXT SUFFIX COMPILER FLAGS...
compile_one() {
	local name=$1 text=$2 suffix=$3 src out
	shift 3
	src="$work/extra-$(echo "$name" | tr '/. +' '____').$suffix"
	printf '%s\n' "$text" >"$src"
	if out=$("$@" "$src" -o "$work/extra.o" 2>&1); then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $name:"
		echo "$out" | head -n 15
	fi
}

# header:constant it must provide to assembly
asm_headers="xen.h:__HYPERVISOR_iret arch-x86/xen.h:FIRST_RESERVED_GDT_ENTRY
	arch-x86/xen-x86_64.h:FLAT_KERNEL_CS elfnote.h:XEN_ELFNOTE_PHYS32_ENTRY
	features.h:XENFEAT_dom0 arch-x86/cpuid.h:XEN_CPUID_SIGNATURE_EBX
	arch-x86/hvm/start_info.h:XEN_HVM_START_MAGIC_VALUE"
for hc in $asm_headers; do
	h=${hc%%:*} c=${hc#*:}
	# .if needs an assemble-time constant: an undefined name fails
	for def in -D__ASSEMBLY__ -U__ASSEMBLY__; do
		compile_one "$h as assembly ($def)" "#include \"$pub/$h\"
.if ($c) + 0
.endif
	mov \$($c), %eax" S $CC $def -Werror -c
	done
done
for m in c89 c++11; do
	case $m in c++*) comp=$CXX suf=cc ;; *) comp=$CC suf=c ;; esac
	compile_one "io/xs_wire.h with errno.h as $m" "#include <errno.h>
#include \"$pub/io/xs_wire.h\"
int petrel_first_xs_errno(void) { return xsd_errors[0].errnum; }" $suf \
		$comp -std=$m -pedantic -Wall -Wextra -Werror -c
done

echo "headers-check: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
