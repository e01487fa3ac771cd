# ChangeGate — the two commands a new machine needs: `make demo` and `make test`.
SWIFT ?= swift
DEMO_REPO ?= .build/demo/shop-config
DEMO_SERVER ?= .build/demo/shop-server.git
CHANGEGATE = .build/debug/changegate

.PHONY: bootstrap build release test demo lint format bench docs-api clean

# The binary for servers (the hook) and benchmarks: optimized, the Swift runtime linked in so that
# each hook process starts without loading it (~10 ms of a 1-commit push).
RELEASE_FLAGS = -c release --static-swift-stdlib

bootstrap:
	@scripts/bootstrap

build: bootstrap
	$(SWIFT) build

# `changegate` (the hook's binary, without swift-nio), `changegate-postgres` (the same commands with
# PostgreSQL, without the service) and `changegate-server` (the same with the service too), to be
# installed side by side: `changegate` hands PostgreSQL locations to the second, `serve` to the third.
release: bootstrap
	$(SWIFT) build $(RELEASE_FLAGS) --product changegate
	$(SWIFT) build $(RELEASE_FLAGS) --product changegate-postgres
	$(SWIFT) build $(RELEASE_FLAGS) --product changegate-server

# Builds everything (the tests start the `changegate`, `changegate-postgres` and `changegate-server`
# executables, so they are built too) and runs all tests.
test: bootstrap
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# Replays the incident of shared/seed/postmortem.txt as a config repository and shows the
# failover settings the bad commit changed. Step 3 runs the failover simulation on real Patroni
# clusters (docs/simulation.md; about two and a half minutes), and the gate judges with its result.
demo: build
	@mkdir -p $(dir $(DEMO_REPO))
	@examples/ecommerce-outage/make-repo.sh $(DEMO_REPO) > .build/demo/commits.txt
	@bad=$$(awk '/^bad-commit/ {print $$2}' .build/demo/commits.txt); \
	revert=$$(awk '/^revert-commit/ {print $$2}' .build/demo/commits.txt); \
	ev=examples/ecommerce-outage/evidence; sim=.build/demo/simulation; \
	echo "== 1. What changed: changegate diff $${bad}~1 $${bad}   (\"update failover protocols\", 2024-06-04 13:55 GMT)"; \
	$(CHANGEGATE) diff --repo $(DEMO_REPO) $${bad}~1 $${bad}; \
	echo; echo "== 2. The merge check on the incident commit, as pushed (no review, no simulation): denied"; \
	$(CHANGEGATE) check --repo $(DEMO_REPO) --base $${bad}~1 --head $${bad} --now 2024-06-04T13:55:00Z; \
	test $$? -eq 1 || { echo "demo: expected a denial (exit 1)"; exit 1; }; \
	echo; echo "== 3. The failover simulation (docs/simulation.md), real Patroni clusters on loopback: the incident's"; \
	echo "   db/prod/patroni.yml does not fail over; the one before it (the revert restores it) does"; \
	rm -rf $$sim && mkdir -p $$sim; \
	( $(CHANGEGATE) simulate patroni --repo $(DEMO_REPO) --rev $${bad} db/prod/patroni.yml --timers fast \
	    --junit $$sim/incident/failover-simulation.xml > $$sim/incident.txt 2>&1; echo $$? > $$sim/incident.rc ) & \
	( $(CHANGEGATE) simulate patroni --repo $(DEMO_REPO) --rev $${bad}~1 db/prod/patroni.yml --timers fast \
	    --junit $$sim/fixed/failover-simulation.xml > $$sim/fixed.txt 2>&1; echo $$? > $$sim/fixed.rc ) & \
	wait; cat $$sim/incident.txt; echo; cat $$sim/fixed.txt; \
	test "$$(cat $$sim/incident.rc)" = 1 || { echo "demo: expected the incident's simulation to fail (exit 1)"; exit 1; }; \
	test "$$(cat $$sim/fixed.rc)" = 0 || { echo "demo: expected the fixed configuration's simulation to pass"; exit 1; }; \
	echo; echo "== 4. The incident commit with a DBA's review and the simulation's real result: still denied"; \
	$(CHANGEGATE) check --repo $(DEMO_REPO) --base $${bad}~1 --head $${bad} --now 2024-06-04T13:55:00Z \
	  --evidence $$ev/review.json --junit "$$sim/incident/*.xml"; \
	test $$? -eq 1 || { echo "demo: expected a denial (exit 1): the simulation failed"; exit 1; }; \
	echo; echo "== 5. The revert at 16:00: allowed at once, a low-risk revert (no review needed)"; \
	$(CHANGEGATE) check --repo $(DEMO_REPO) --base $${bad} --head $${revert} --now 2024-06-04T16:00:00Z \
	  || { echo "demo: expected the revert to pass"; exit 1; }; \
	echo; echo "== 6. The shipped catalogue (policies/) on the incident, review and simulation result: denied"; \
	$(CHANGEGATE) check --repo $(DEMO_REPO) --base $${bad}~1 --head $${bad} --now 2024-06-04T13:55:00Z \
	  --policy policies --evidence $$ev/review.json --junit "$$sim/incident/*.xml" --format github; \
	test $$? -eq 1 || { echo "demo: expected a denial (exit 1)"; exit 1; }; \
	srv=$(abspath $(DEMO_SERVER)); cg=$(abspath $(CHANGEGATE)); \
	echo; echo "== 7. A git server with the pre-receive hook: frank pushes the incident commit to main: refused"; \
	rm -rf $$srv && git init -q --bare --initial-branch=main $$srv && git -C $(DEMO_REPO) push -q $$srv $${bad}~1:refs/heads/main && \
	$$cg hook install --repo $$srv --executable $$cg && \
	if CHANGEGATE_USER=frank@example.com git -C $(DEMO_REPO) push $$srv $${bad}:refs/heads/main; then \
	  echo "demo: expected git to refuse the push"; exit 1; fi; \
	echo; echo "== 8. frank puts the commit on a branch of his, bob (a DBA) approves it, CI leaves the simulation's"; \
	echo "   real result on the server (step 3: no failover), frank pushes again: still refused"; \
	CHANGEGATE_USER=frank@example.com git -C $(DEMO_REPO) push -q $$srv $${bad}:refs/heads/frank/failover && \
	CHANGEGATE_USER=bob@example.com git -C $(DEMO_REPO) push $$srv $${bad}:refs/changegate/approvals/$${bad}-bob && \
	mkdir -p $$srv/changegate/evidence/$${bad} && cp $$sim/incident/failover-simulation.xml $$srv/changegate/evidence/$${bad}/ \
	  || { echo "demo: expected the branch, the approval and the evidence on the server"; exit 1; }; \
	if CHANGEGATE_USER=frank@example.com git -C $(DEMO_REPO) push $$srv $${bad}:refs/heads/main; then \
	  echo "demo: expected git to refuse the push: the simulation found no failover"; exit 1; fi; \
	echo; echo "== 9. The server's audit trail: every decision and approval, hash-chained, and proven untouched"; \
	$$cg audit log --audit $$srv/changegate/audit.sqlite && \
	$$cg audit verify --audit $$srv/changegate/audit.sqlite || { echo "demo: expected a whole chain"; exit 1; }; \
	echo; echo "== 10. The responder at 14:05: which failover settings changed in the last 6 hours?"; \
	echo "   (--dates committer: this demo's server received the 2024 commits just now; on a real server the"; \
	echo "    default, the time the server received each commit, is what bounds --since)"; \
	$$cg history --repo $(DEMO_REPO) --since 6h --tag failover --now 2024-06-04T14:05:00Z --evaluate \
	  --audit $$srv/changegate/audit.sqlite --dates committer > .build/demo/incident.txt \
	  || { cat .build/demo/incident.txt; echo "demo: expected the incident view"; exit 1; }; \
	cat .build/demo/incident.txt; \
	grep -q "$$(echo $${bad} | cut -c1-7)" .build/demo/incident.txt \
	  || { echo "demo: expected the incident commit in the incident view"; exit 1; }; \
	grep -q "evidence from the trail record" .build/demo/incident.txt && grep -q "DENIED" .build/demo/incident.txt \
	  && grep -q "test failover-simulation/kill-leader failed" .build/demo/incident.txt \
	  || { echo "demo: expected --evaluate to judge with the trail's evidence (the approval, the failed simulation): denied"; exit 1; }; \
	echo; echo "== 11. The web view (changegate serve, /ui/) over the merge checks' trail, in headless Chromium:"; \
	echo "   screenshots of each page in .build/demo/web-view/ (docs/server.md, The web view)"; \
	examples/ecommerce-outage/web-view.sh $(abspath .build/debug/changegate-server) \
	  $(abspath $(DEMO_REPO))/.git/changegate/audit.sqlite $(abspath $(DEMO_REPO)) $(abspath .build/demo/web-view) \
	  || { echo "demo: expected the web view's pages in Chromium"; exit 1; }; \
	echo; echo "The demo ran as expected."

# Benchmarks on a release build; writes docs/benchmarks.md and bench-results.json. BENCH_SCALE=full
# makes the sizes docs/benchmarks.md reports (20,000 commits, 5,000 files); the default is small.
BENCH_SCALE ?= small
bench: bootstrap
	$(SWIFT) build $(RELEASE_FLAGS) --product changegate
	$(SWIFT) build $(RELEASE_FLAGS) --product changegate-bench
	$(SWIFT) build $(RELEASE_FLAGS) --product changegate-postgres
	$(SWIFT) build $(RELEASE_FLAGS) --product changegate-server
	$(SWIFT) build $(RELEASE_FLAGS) --product ChangeGateAuditFill
	.build/release/changegate-bench --root . --scale $(BENCH_SCALE) --output docs/benchmarks.md --json bench-results.json

# The API documentation: a DocC archive per library, built by swift-docc-plugin with DocC's warnings
# (a link that does not resolve, a documented parameter that does not exist) as errors. The user
# manual is docs/. To browse: `swift package --disable-sandbox preview-documentation --target ChangeGate`.
DOCS_OUTPUT ?= .build/docs
docs-api: bootstrap
	@mkdir -p $(DOCS_OUTPUT)
	$(SWIFT) package --disable-sandbox generate-documentation --target ChangeGate --warnings-as-errors \
	  --output-path $(DOCS_OUTPUT)/ChangeGate.doccarchive
	$(SWIFT) package --disable-sandbox generate-documentation --target PolicyDSL --warnings-as-errors \
	  --output-path $(DOCS_OUTPUT)/PolicyDSL.doccarchive

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

clean:
	rm -rf .build
