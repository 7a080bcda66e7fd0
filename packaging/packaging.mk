# Debian package of Petrel (packaging/build-deb.sh, dpkg-deb only):
#   deb   $(BUILD)/deb/petrel_VERSION_amd64.deb: /boot/petrel, /boot/petrel.efi,
#         the GRUB script /etc/grub.d/20_linux_petrel with
#         /etc/default/grub.d/petrel.cfg, xenstored and its systemd units
# Its test, which installs it into the installed Debian image and boots that
# through GRUB, is test-grub-debian (tests/installed/installed.mk).
PETREL_DEB_VERSION := $(shell git describe --always --dirty 2>/dev/null | sed 's/^v//; s/^\([0-9a-f]\)/0~git\1/; s/-/./g' || echo 0~unknown)
PETREL_DEB := $(BUILD)/deb/petrel_amd64.deb

.PHONY: deb
deb: $(PETREL_DEB)

$(PETREL_DEB): $(BUILD)/xen/petrel $(BUILD)/xen/petrel.efi $(XS_DOM0)/xenstored $(XS_DOM0)/xenstore \
		$(wildcard packaging/* packaging/debian/*)
	@mkdir -p $(@D)
	@bash packaging/build-deb.sh $(BUILD) $(PETREL_DEB_VERSION) $@
