# ChangeGate — the two commands a new machine needs: `make demo` and `make test`.
SWIFT ?= swift
DEMO_REPO ?= .build/demo/shop-config
CHANGEGATE = .build/debug/changegate

.PHONY: bootstrap build test demo lint format bench clean

bootstrap:
	@scripts/bootstrap

build: bootstrap
	$(SWIFT) build

# Builds everything (the tests start the `changegate` executable, so it is built too) and runs all tests.
test: bootstrap
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# Replays the incident of shared/seed/postmortem.txt as a config repository and shows the
# failover settings the bad commit changed.
demo: build
	@mkdir -p $(dir $(DEMO_REPO))
	@examples/ecommerce-outage/make-repo.sh $(DEMO_REPO) > .build/demo/commits.txt
	@bad=$$(awk '/^bad-commit/ {print $$2}' .build/demo/commits.txt); \
	echo "== changegate diff --repo $(DEMO_REPO) $${bad}~1 $${bad}   (\"update failover protocols\", 2024-06-04 13:55 GMT)"; \
	$(CHANGEGATE) diff --repo $(DEMO_REPO) $${bad}~1 $${bad}

# Benchmarks on a release build; writes docs/benchmarks.md and bench-results.json.
bench: bootstrap
	$(SWIFT) build -c release --product changegate-bench
	.build/release/changegate-bench --root . --output docs/benchmarks.md --json bench-results.json

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

clean:
	rm -rf .build
