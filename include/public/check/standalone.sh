#!/usr/bin/env bash
# Compile every public header on its own, in each language the ABI headers
# promise: C89, C99, C11 (freestanding, as the hypervisor uses them), C++98
# and C++11, all with -pedantic -Wall -Wextra -Werror.  Each generated
# source includes only the header under test, twice (include guards), and
# declares one object so the translation unit is never empty.
# Usage: standalone.sh PUBLIC_DIR WORK_DIR
# Prints a line per failure and "headers-check: N passed, N failed".
set -uo pipefail
pub=$(cd "$1" && pwd)
work=$2
CC=${CC:-gcc}
CXX=${CXX:-g++}
mkdir -p "$work"

modes="c89 c99 c11 c++98 c++11"
pass=0 fail=0
headers=$(cd "$pub" && find . -name '*.h' -not -path './check/*' | sed 's|^\./||' | sort)
[ -n "$headers" ] || { echo "headers-check: no headers under $pub"; echo "headers-check: 0 passed, 1 failed"; exit 1; }

for h in $headers; do
	base=$(echo "$h" | tr '/.-' '___')
	for m in $modes; do
		case $m in
		c++*) src="$work/$base.$m.cc" comp="$CXX" extra="" ;;
		c11) src="$work/$base.$m.c" comp="$CC" extra="-ffreestanding" ;;
		*) src="$work/$base.$m.c" comp="$CC" extra="" ;;
		esac
		printf '#include "%s"\n#include "%s"\nint petrel_headers_check_%s;\n' \
			"$pub/$h" "$pub/$h" "$base" >"$src"
		if out=$($comp -std="$m" -pedantic -Wall -Wextra -Werror $extra \
			-fsyntax-only "$src" 2>&1); then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
			echo "FAIL $h as $m:"
			echo "$out" | head -n 15
		fi
	done
done
echo "headers-check: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
