# Generate the PV hypercall dispatch table from hypercalls.def.
# Every slot without a handler stays NULL and the dispatcher answers -ENOSYS.
BEGIN { print "/* Generated from hypercall-abi/hypercalls.def: do not edit. */"
	print "#include \"hypercall.h\"\n" }
/^#/ || NF == 0 { next }
NF != 6 { printf "hypercalls.def:%d: expected 6 columns\n", NR > "/dev/stderr"; err = 1; exit 1 }
{
	if ($1 in seen) { printf "hypercalls.def:%d: duplicate number %s\n", NR, $1 > "/dev/stderr"; err = 1; exit 1 }
	seen[$1] = 1; num[n] = $1; name[n] = $2; handler[n] = $3; nargs[n] = $4; who[n] = $5; n++
	if ($3 != "-") printf "long %s(%s);\n", $3, sig($4)
}
function sig(k,   s, i) { if (k == 0) return "void"; s = ""; for (i = 0; i < k; i++) s = s (i ? ", " : "") "unsigned long"; return s }
END {
	if (err) exit 1
	print "\nconst struct hypercall_desc hypercall_table[NR_HYPERCALLS] = {"
	for (i = 0; i < n; i++) {
		h = handler[i] == "-" ? "NULL" : "(hypercall_fn_t)" handler[i]
		printf "\t[%s] = { \"%s\", %s, %s, %s },\n", num[i], name[i], h, nargs[i], who[i] == "priv" ? "true" : "false"
	}
	print "};"
}
