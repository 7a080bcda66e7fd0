# hypercall-abi: the generated dispatch table and the ABI list.
GEN := $(BUILD)/gen

$(GEN)/hypercall_table.c: hypercall-abi/hypercalls.def hypercall-abi/gen-table.awk
	@mkdir -p $(GEN)
	awk -f hypercall-abi/gen-table.awk $< > $@.tmp && mv $@.tmp $@

$(GEN)/hypercall-list.md: hypercall-abi/hypercalls.def hypercall-abi/gen-list.awk
	@mkdir -p $(GEN)
	awk -f hypercall-abi/gen-list.awk $< > $@

# docs/abi-status.md carries the generated table between two markers; this
# check fails when someone changes hypercalls.def without updating it.
.PHONY: abi-check abi-doc
abi-doc: $(GEN)/hypercall-list.md
	@bash hypercall-abi/update-doc.sh $< docs/abi-status.md

abi-check: $(GEN)/hypercall-list.md
	@bash hypercall-abi/update-doc.sh --check $< docs/abi-status.md && \
		echo "abi-check: 1 passed, 0 failed" || { echo "abi-check: 0 passed, 1 failed"; exit 1; }

TEST_TARGETS += abi-check
