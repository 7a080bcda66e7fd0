# Generate the PV hypercall dispatch table from hypercalls.def.
# Each handler gets a thunk with the table's uniform signature; every slot
# without a handler stays NULL and the dispatcher answers -ENOSYS.
BEGIN { n = 0; print "/* Generated from hypercall-abi/hypercalls.def: do not edit. */"
	print "#include \"hypercall.h\"\n" }
/^#/ || NF == 0 { next }
NF != 6 { printf "hypercalls.def:%d: expected 6 columns\n", NR > "/dev/stderr"; err = 1; exit 1 }
{
	if ($1 in seen) { printf "hypercalls.def:%d: duplicate number %s\n", NR, $1 > "/dev/stderr"; err = 1; exit 1 }
	if ($4 < 0 || $4 > 5) { printf "hypercalls.def:%d: nargs must be 0-5\n", NR > "/dev/stderr"; err = 1; exit 1 }
	seen[$1] = 1; num[n] = $1; name[n] = $2; handler[n] = $3; nargs[n] = $4; who[n] = $5; n++
	if ($3 != "-") {
		printf "long %s(%s);\n", $3, params($4, 0)
		printf "static long thunk_%s(unsigned long a0, unsigned long a1, unsigned long a2,\n", $3
		printf "\t\t\tunsigned long a3, unsigned long a4)\n{\n"
		printf "\t(void)a0; (void)a1; (void)a2; (void)a3; (void)a4;\n"
		printf "\treturn %s(%s);\n}\n\n", $3, params($4, 1)
	}
}
function params(k, call,   s, i) {
	if (k == 0) return call ? "" : "void"
	s = ""
	for (i = 0; i < k; i++) s = s (i ? ", " : "") (call ? "a" i : "unsigned long")
	return s
}
END {
	if (err) exit 1
	print "const struct hypercall_desc hypercall_table[NR_HYPERCALLS] = {"
	for (i = 0; i < n; i++) {
		h = handler[i] == "-" ? "NULL" : "thunk_" handler[i]
		printf "\t[%s] = { \"%s\", %s, %s, %s },\n", num[i], name[i], h, nargs[i], who[i] == "priv" ? "true" : "false"
	}
	print "};"
}
