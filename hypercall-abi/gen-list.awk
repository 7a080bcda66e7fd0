# Generate the hypercall table of docs/abi-status.md from hypercalls.def.
BEGIN { print "| # | hypercall | state | who may call |"; print "|---|---|---|---|" }
/^#/ || NF == 0 { next }
{ printf "| %s | %s | %s | %s |\n", $1, $2, $6, $5 == "priv" ? "control domain" : "any PV guest" }
