# Thin wrappers around Maven and the project's scripts.
MVN ?= mvn -B -q
PREFIX ?= $(HOME)/.local

.PHONY: build test it fmt lint demo clean
build:
	$(MVN) install -DskipTests -Dspotless.check.skip=true

test:
	$(MVN) install -Dspotless.check.skip=true -DskipITs -DskipTests
	$(MVN) verify

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
