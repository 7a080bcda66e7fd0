#!/usr/bin/env bash
# The save file pxl's writer puts together (the good file of test_stream: a
# small PV domain's xl header, libxl and libxc streams) judged by Debian's
# Xen 4.17 stream checker, verify-stream-v2 -f xl, from the xenstore
# fragment's unpacked .debs.  TAP output for tests/unit/run-unit.sh.
set -uo pipefail
bin=${TEST_STREAM:-build/xl/test_stream}
deb=${XEN_DEB_ROOT:-build/xenstore/debian/root}/usr/lib/xen-4.17
img=$(mktemp)
log=$(mktemp)
trap 'rm -f "$img" "$log"' EXIT
echo "1..1"
if "$bin" "$img" && PYTHONPATH=$deb/lib/python python3 "$deb/bin/verify-stream-v2" -f xl -v \
	-i "$img" >"$log" 2>&1 && grep -q "Libxl Record: End" "$log"; then
	echo "ok 1 - verify-stream-v2 accepts the writer's file"
else
	echo "not ok 1 - verify-stream-v2 refused the writer's file: $(cat "$log")"
fi
