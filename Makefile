# Thin wrappers around Maven and the project's scripts.
MVN ?= mvn -B -q
PREFIX ?= $(HOME)/.local
MACHINE := dist/bin/machine

.PHONY: build install test examples conformance fmt lint demo bench clean chaos
# Builds everything into dist/bin, then runs `machine plugin ls` once with a scratch store: that
# launches the CLI and each bundled driver, which trains their class-data-sharing archives.
# With a C compiler, dist/native also holds the native front end (host/src/main/c) as `machine`,
# with the Java one beside it as machine-jvm and the drivers linked in.
build:
	$(MVN) install -DskipTests -Dspotless.check.skip=true
	@$(call native_links)
	@$(call train,dist/bin)
	@if [ -x dist/native/machine ]; then $(call train,dist/native); fi

# The SDK, the parent POMs and every module into the local Maven repository (what a project made by
# `machine plugin new` builds against), and the CLI and bundled drivers into $(PREFIX)/bin.
# With the native front end built, it is installed as `machine` and the Java one as machine-jvm.
install: build
	install -d $(PREFIX)/bin
	install -m 755 dist/bin/machine dist/bin/machine-driver-* $(PREFIX)/bin/
	if [ -x dist/native/machine ]; then \
	  install -m 755 dist/bin/machine $(PREFIX)/bin/machine-jvm && \
	  install -m 755 dist/native/machine $(PREFIX)/bin/machine; fi
	@$(call train,$(PREFIX)/bin)

native_links = if [ -x dist/native/machine ]; then \
	ln -sfn ../bin/machine dist/native/machine-jvm && \
	for d in dist/bin/machine-driver-*; do ln -sfn ../bin/$$(basename $$d) dist/native/; done; fi

train = store=$$(mktemp -d) && MACHINE_STORAGE_PATH=$$store MACHINE_PLUGIN_PATH= \
	$(1)/machine plugin ls >/dev/null 2>&1; rm -rf $$store

# The whole suite from a fresh machine: installs its dependencies and the test bench, then runs the
# Java unit and integration tests, the Python and Node drivers' own tests, and the conformance kit
# against every bundled driver (.ci/test.sh).
test:
	.ci/test.sh

examples:
	plugins/python-example/test.sh
	plugins/node-example/test.sh

conformance:
	$(MACHINE) plugin test none -- --url tcp://127.0.0.1:2376
	.ci/testbed/generic-target.sh $(MACHINE) plugin test generic -- --generic-ip-address 127.0.0.1 --generic-ssh-port {port} --generic-ssh-key {key}
	$(MACHINE) plugin test plugins/python-example/machine-driver-pyproc -- --pyproc-greeting hello --pyproc-create-delay 3
	$(MACHINE) plugin test plugins/node-example/machine-driver-nodeproc -- --nodeproc-greeting hello --nodeproc-create-delay 3
	$(MACHINE) plugin test docker -- --docker-host "$$(.ci/testbed/testbed.sh env | sed -n 's/^export DOCKER_HOST=//p')"
	$(MACHINE) plugin test qemu -- --qemu-image "$$($(VM_IMAGE_RECIPE) --print-dir $(VM_IMAGE_CACHE))"
	$(MACHINE) plugin test "$$(host/src/test/go/build.sh)/docker-machine-driver-legacytest"
	plugins/amazonec2/with-moto.sh $(MACHINE) plugin test amazonec2 -- --amazonec2-endpoint {endpoint} --amazonec2-access-key x --amazonec2-secret-key y

# The README's end-to-end demo: builds, then drives real machines through dist/bin/machine.
demo:
	.ci/demo.sh

# Wall time, CPU and memory of the CLI against none-driver stores of 1 to 500 machines, with and
# without warm plugin reuse; writes bench/results.json and prints a table (.ci/bench/bench.sh).
# Measures the current dist/: run "make build" first. Then the qemu driver's section: create → SSH
# and → Docker, stop, start, plugin and QEMU memory on KVM and TCG (.ci/bench/qemu-bench.sh, which
# skips saying why without QEMU or the image; bench/qemu-results.json); the targets' table: the
# native and Java front ends, warm and cold, side by side with docker-machine when one is on PATH,
# in interleaved rounds (.ci/bench/compare.sh; ROUNDS=10); the amazonec2 driver against moto.
bench:
	.ci/bench/bench.sh
	.ci/bench/qemu-bench.sh
	.ci/bench/compare.sh
	plugins/amazonec2/bench.sh

# The fault suite: kills, concurrent writers, the bad-input corpus and another user on every socket,
# each COUNT times (default 50), against the current dist/ (.ci/chaos/chaos.py; README "Fault suite").
chaos:
	COUNT=$${COUNT:-50} /usr/bin/python3 .ci/chaos/chaos.py

fmt:
	$(MVN) spotless:apply

lint:
	$(MVN) spotless:check

clean:
	$(MVN) clean
	rm -rf dist

# The integration-test bench: a Docker engine and locally built images (.ci/testbed/testbed.sh).
.PHONY: testbed testbed-env testbed-down
testbed:
	.ci/testbed/testbed.sh up

testbed-env:
	@.ci/testbed/testbed.sh env

testbed-down:
	.ci/testbed/testbed.sh down

# The qemu driver's machine image, built from Debian packages (debootstrap; needs root and Debian's
# mirror) into VM_IMAGE_CACHE, the store's image cache by default, where `machine create -d qemu`
# looks; rebuilt only when the recipe changes (plugins/qemu/README.md).
VM_IMAGE_RECIPE := plugins/qemu/src/main/image/build-image.sh
VM_IMAGE_CACHE ?= $(or $(MACHINE_STORAGE_PATH),$(HOME)/.machine)/cache/qemu
.PHONY: vm-image
vm-image:
	$(VM_IMAGE_RECIPE) $(VM_IMAGE_CACHE)
