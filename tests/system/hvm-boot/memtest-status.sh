#!/bin/sh
# What memtest86+'s serial console has shown so far (the system test's step
# xl-hvm-memtest; it runs in dom0, busybox only).  The log is a stream of
# VT100 row updates: each escape becomes a line break, then one line per
# fact, each list in the order of first appearance:
#   GRUB's line and memtest's banner, as shown
#   tests N...    the test numbers of the "#N [name]" row
#   passes N...   the "Pass: N" counts
#   errors N...   the "Errors: N" counts
#   status W...   the words of the status field (Testing, Pass, ...)
#   time H:MM:SS  memtest's own run time when the status first said Pass
#   state S       the domain's state in xl list (empty once it is gone)
#   bytes N       the size of the log
# Usage: memtest-status.sh LOG DOMAIN
log=$1
dom=$2
txt=/tmp/memtest-status.txt
first() { awk '!seen[$0]++'; }
tr '\033' '\n' <"$log" >"$txt" 2>/dev/null
grep -a -o -E 'grub: loading memtest86\+|Memtest86\+ v[0-9.]+' "$txt" | first
echo tests $(grep -a -o -E '#[0-9]+ +\[' "$txt" | tr -dc '0-9\n' | first)
echo passes $(grep -a -o -E 'Pass: +[0-9]+' "$txt" | tr -dc '0-9\n' | first)
echo errors $(grep -a -o -E 'Errors: +[0-9]+' "$txt" | tr -dc '0-9\n' | first)
echo status $(grep -a -o -E 'Status: [A-Za-z]+' "$txt" | cut -d ' ' -f 2 | first)
echo time $(grep -a -o -E 'Time: +[0-9:]+ +Status: Pass' "$txt" | head -n 1 | awk '{ print $2 }')
echo state $(xl list "$dom" 2>/dev/null | awk 'NR == 2 { print $5 }')
echo bytes $(wc -c <"$log" 2>/dev/null)
