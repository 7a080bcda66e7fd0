# Public ABI headers (include/public): checks only, nothing to build.
#   headers-check  every header compiles standalone as C89, C99, C11
#                  (freestanding), C++98 and C++11 (-pedantic -Werror)
#   headers-abi    every constant and struct layout equals Xen 4.17's, as
#                  found in Debian's libxen-dev (/usr/include/xen)
PUBLIC_DIR := include/public
XEN_PUBLIC_REF ?= /usr/include/xen

TEST_TARGETS += headers-check headers-abi

.PHONY: headers-check headers-abi
headers-check:
	@bash $(PUBLIC_DIR)/check/standalone.sh $(PUBLIC_DIR) $(BUILD)/headers-check

headers-abi:
	@$(PYTHON) $(PUBLIC_DIR)/check/abi-compare.py $(PUBLIC_DIR) $(XEN_PUBLIC_REF) $(BUILD)/headers-abi
