# Thin wrappers around Maven and the project's scripts.
MVN ?= mvn -B -q
PREFIX ?= $(HOME)/.local

.PHONY: build test it fmt lint demo clean
build:
	$(MVN) install -DskipTests -Dspotless.check.skip=true

test:
	mvn -B verify

fmt:
	$(MVN) spotless:apply

lint:
	$(MVN) spotless:check

clean:
	$(MVN) clean
	rm -rf dist
