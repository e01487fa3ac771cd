#!/usr/bin/env bash
# make-repo.sh DEST — build the example configuration repository whose history
# replays the 2024-06-04 e-commerce outage (see README.md next to this script).
#
# The result is deterministic: every commit has fixed author/committer names,
# e-mails and dates, and the user's git configuration is ignored, so two runs
# give the same commit ids. DEST is deleted first only if it holds the marker
# file .changegate-example written by an earlier run (an empty directory is
# also accepted); anything else is refused.
#
# stdout: exactly three lines, `bad-commit <oid>`, `revert-commit <oid>`, `head <oid>`.
set -euo pipefail

usage() { echo "usage: $0 DEST" >&2; exit 2; }
[[ $# -eq 1 && -n "$1" ]] || usage
DEST=$1
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MARKER=.changegate-example

# ---------------------------------------------------------------- safety & environment
if [[ -e "$DEST" || -L "$DEST" ]]; then
  if [[ -f "$DEST/$MARKER" ]]; then
    rm -rf -- "$DEST"
  elif [[ -d "$DEST" && ! -L "$DEST" && -z "$(ls -A -- "$DEST")" ]]; then
    :   # an empty directory is safe to use
  else
    echo "make-repo.sh: refusing to touch '$DEST': it exists and has no $MARKER marker" >&2
    exit 1
  fi
fi

# Nothing from the caller's git environment or configuration may leak in.
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES \
      GIT_NAMESPACE GIT_CEILING_DIRECTORIES GIT_DISCOVERY_ACROSS_FILESYSTEM GIT_COMMON_DIR \
      GIT_TEMPLATE_DIR GIT_CONFIG GIT_CONFIG_PARAMETERS GIT_CONFIG_COUNT GIT_EDITOR \
      GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_AUTHOR_DATE \
      GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL GIT_COMMITTER_DATE
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export LC_ALL=C TZ=UTC

# Keep stdout for the three result lines; everything else goes to stderr.
exec 3>&1 1>&2

g() {
  git -c init.defaultBranch=main \
      -c user.name="ChangeGate example" -c user.email=example@example.com \
      -c commit.gpgsign=false -c tag.gpgsign=false \
      -c core.autocrlf=false -c core.hooksPath=/dev/null \
      -c advice.detachedHead=false \
      "$@"
}

g init -q "$DEST"
cd "$DEST"
: >"$MARKER"
mkdir -p .git/info
printf '%s\n' "/$MARKER" >>.git/info/exclude

# who EMAIL -> display name
who() {
  case $1 in
    alice@example.com) echo Alice ;;  bob@example.com) echo Bob ;;  carol@example.com) echo Carol ;;
    dave@example.com) echo Dave ;;    erin@example.com) echo Erin ;;
    frank@example.com) echo Frank ;;  grace@example.com) echo Grace ;;
    *) echo "make-repo.sh: unknown author $1" >&2; exit 1 ;;
  esac
}

# commit EMAIL 'YYYY-MM-DD HH:MM:SS' <<message — stages everything, author = committer.
commit() {
  local email=$1 when="$2 +0000" name
  name=$(who "$email")
  g add -A
  GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$email GIT_AUTHOR_DATE=$when \
  GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email GIT_COMMITTER_DATE=$when \
    g commit -q -F -
}

# merge EMAIL 'YYYY-MM-DD HH:MM:SS' BRANCH <<message — a real two-parent merge.
merge() {
  local email=$1 when="$2 +0000" branch=$3 name msg
  name=$(who "$email")
  msg=$(cat)
  GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$email GIT_AUTHOR_DATE=$when \
  GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email GIT_COMMITTER_DATE=$when \
    g merge -q --no-ff --no-edit -m "$msg" "$branch"
}

# ---------------------------------------------------------------- file contents

# db/prod/patroni.yml, driven by these variables:
P_LAYOUT=original        # original | grouped (node-local block moved up, parameters sorted)
P_IDLE_TIMEOUT=no        # idle_in_transaction_session_timeout present?
P_TTL=30
P_MODE=automatic
P_PROMOTION_TIMEOUT=30
P_DB2_PRIORITY=90
P_FAILOVER_COMMENT="# Failover policy, read by the failover controller and the on-call runbook."

prod_node_local() {
  cat <<'EOF'
postgresql:
  listen: 0.0.0.0:5432
  connect_address: db-1.prod.shop.internal:5432
  data_dir: /var/lib/postgresql/16/main
  bin_dir: /usr/lib/postgresql/16/bin
  pgpass: /var/lib/postgresql/.pgpass
  authentication:
    replication:
      username: replicator
      password: "placeholder-not-a-real-password"
    superuser:
      username: postgres
      password: "placeholder-not-a-real-password"

EOF
}

prod_parameters() {
  if [[ $P_LAYOUT == grouped ]]; then
    cat <<'EOF'
        effective_cache_size: 24GB
        hot_standby: "on"
EOF
    [[ $P_IDLE_TIMEOUT == yes ]] && echo "        idle_in_transaction_session_timeout: 60s"
    cat <<'EOF'
        max_connections: 400
        max_replication_slots: 10
        max_wal_senders: 10
        shared_buffers: 8GB
        wal_level: replica
        wal_log_hints: "on"
        work_mem: 16MB
EOF
  else
    cat <<'EOF'
        max_connections: 400
        shared_buffers: 8GB
        effective_cache_size: 24GB
        work_mem: 16MB
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
EOF
    [[ $P_IDLE_TIMEOUT == yes ]] && echo "        idle_in_transaction_session_timeout: 60s"
  fi
  return 0
}

write_prod_patroni() {
  mkdir -p db/prod
  {
    cat <<'EOF'
# Patroni configuration for the production cluster shop-db (orders, carts, payments).
# Owned by the DBA team (alice, bob, carol). Changes to bootstrap.dcs or failover need
# a DBA review and a green failover simulation on staging: see tests/failover/README.md.
scope: shop-db
namespace: /service/
name: db-1

restapi:
  listen: 0.0.0.0:8008
  connect_address: db-1.prod.shop.internal:8008

EOF
    [[ $P_LAYOUT == grouped ]] && prod_node_local
    cat <<EOF
etcd3:
  hosts:
    - etcd-1.prod.shop.internal:2379
    - etcd-2.prod.shop.internal:2379
    - etcd-3.prod.shop.internal:2379

bootstrap:
  # Cluster-wide settings, stored in the DCS (etcd) and shared by all members.
  # Patroni rule: loop_wait + 2 * retry_timeout must not exceed ttl.
  dcs:
    ttl: $P_TTL
    loop_wait: 10
    retry_timeout: 10
    maximum_lag_on_failover: 1048576   # 1 MiB of WAL; a standby further behind is never promoted
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
EOF
    prod_parameters
    echo
    [[ $P_LAYOUT == original ]] && prod_node_local
    cat <<EOF
$P_FAILOVER_COMMENT
failover:
  enabled: true
  mode: $P_MODE            # automatic | manual
  promotion_timeout: $P_PROMOTION_TIMEOUT      # seconds the new primary gets to accept writes
  health_checks: &health_checks
    interval: 5              # seconds between checks
    timeout: 3               # seconds per check
    failure_threshold: 3     # consecutive failures before the member counts as down
  members:
    - name: db-1
      role: primary
      priority: 100
      host: db-1.prod.shop.internal
      zone: eu-west-1a
      health_checks: *health_checks
    - name: db-2
      role: secondary
      priority: $P_DB2_PRIORITY
      host: db-2.prod.shop.internal
      zone: eu-west-1b
      health_checks:
        <<: *health_checks
        timeout: 5           # cross-zone link, allow a little more
EOF
  } >db/prod/patroni.yml
}

# db/staging/patroni.yml
S_TTL=30
S_SYNC=no

write_staging_patroni() {
  mkdir -p db/staging
  {
    cat <<EOF
# Patroni configuration for the staging cluster shop-db-staging.
# Same shape as db/prod/patroni.yml on smaller machines; failover simulations run here.
scope: shop-db-staging
namespace: /service/
name: db-1

restapi:
  listen: 0.0.0.0:8008
  connect_address: db-1.staging.shop.internal:8008

etcd3:
  hosts:
    - etcd-1.staging.shop.internal:2379

bootstrap:
  dcs:
    ttl: $S_TTL
    loop_wait: 10
    retry_timeout: 10
    maximum_lag_on_failover: 16777216   # 16 MiB: staging tolerates more lag
EOF
    if [[ $S_SYNC == yes ]]; then
      cat <<'EOF'
    synchronous_mode: true              # trial before prod, see tests/failover/README.md
    synchronous_mode_strict: false
EOF
    fi
    cat <<'EOF'
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        max_connections: 100
        shared_buffers: 1GB
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 5
        max_replication_slots: 5

postgresql:
  listen: 0.0.0.0:5432
  connect_address: db-1.staging.shop.internal:5432
  data_dir: /var/lib/postgresql/16/main
  bin_dir: /usr/lib/postgresql/16/bin
  authentication:
    replication:
      username: replicator
      password: "placeholder-staging-password"
    superuser:
      username: postgres
      password: "placeholder-staging-password"

failover:
  enabled: true
  mode: automatic
  promotion_timeout: 60
  health_checks: &health_checks
    interval: 10
    timeout: 5
    failure_threshold: 2
  members:
    - name: db-1
      role: primary
      priority: 100
      host: db-1.staging.shop.internal
      health_checks: *health_checks
    - name: db-2
      role: secondary
      priority: 50
      host: db-2.staging.shop.internal
      health_checks:
        <<: *health_checks
        failure_threshold: 3
EOF
  } >db/staging/patroni.yml
}

# services/checkout/database.toml
C_POOL=20
C_SEC_RETRIES=10
C_SEC_INTERVAL=500

write_checkout_toml() {
  mkdir -p services/checkout
  cat >services/checkout/database.toml <<EOF
# Database settings for the checkout service (carts, orders, payments).
# Read by checkout-svc at start-up; pool_size is per pod (8 pods at peak).

[service]
name = "checkout"
owner = "payments-team"

[database]
name = "shop"
user = "checkout_app"
primary = "db-1.prod.shop.internal:5432"
secondary = "db-2.prod.shop.internal:5432"
pool_size = $C_POOL
connect_timeout_ms = 3000
statement_timeout_ms = 15000
sslmode = "verify-full"

[database.failover]
retry_on_failover = true
max_retries = 5
retry_backoff_ms = 250

[database.failover.secondary]
# How checkout keeps trying db-2 while Patroni promotes it.
max_retries = $C_SEC_RETRIES
retry_interval_ms = $C_SEC_INTERVAL
EOF
}

# services/catalog/database.toml (renamed to services/catalog-api/ later)
K_DIR=services/catalog
K_POOL=15

write_catalog_toml() {
  mkdir -p "$K_DIR"
  cat >"$K_DIR/database.toml" <<EOF
# Database settings for the catalog service (product pages, search facets).
# Catalog is read-mostly: reads go to the secondary, writes to the primary.

[service]
name = "catalog"
owner = "storefront-team"

[database]
name = "shop"
user = "catalog_app"
primary = "db-1.prod.shop.internal:5432"
secondary = "db-2.prod.shop.internal:5432"
read_from_secondary = true
pool_size = $K_POOL
connect_timeout_ms = 2000
statement_timeout_ms = 5000
sslmode = "verify-full"

[database.failover]
retry_on_failover = true
max_retries = 3
retry_backoff_ms = 200
EOF
}

# orchestrator/orchestrator.conf.json
O_RECOVERY_BLOCK=600

write_orchestrator_json() {
  mkdir -p orchestrator
  cat >orchestrator/orchestrator.conf.json <<EOF
{
  "Debug": false,
  "ListenAddress": ":3000",
  "MySQLTopologyUser": "orchestrator",
  "MySQLTopologyPassword": "placeholder-not-a-real-password",
  "BackendDB": "sqlite",
  "SQLite3DataFile": "/var/lib/orchestrator/orchestrator.sqlite3",
  "InstancePollSeconds": 5,
  "DiscoverByShowSlaveHosts": false,
  "RecoveryPeriodBlockSeconds": $O_RECOVERY_BLOCK,
  "RecoveryIgnoreHostnameFilters": [],
  "RecoverMasterClusterFilters": [
    "inventory"
  ],
  "RecoverIntermediateMasterClusterFilters": [
    "inventory"
  ],
  "FailMasterPromotionIfSQLThreadNotUpToDate": true,
  "DelayMasterPromotionIfSQLThreadNotUpToDate": false,
  "ApplyMySQLPromotionAfterMasterFailover": true,
  "PreventCrossDataCenterMasterFailover": false,
  "DetachLostReplicasAfterMasterFailover": true,
  "MasterFailoverLostInstancesDowntimeMinutes": 10,
  "PostMasterFailoverProcesses": [
    "echo 'Recovered from {failureType} on {failureCluster}; promoted {successorHost}:{successorPort}' >> /var/log/orchestrator/recovery.log"
  ]
}
EOF
}

# services/frontend/app.ini
F_SESSION_MINUTES=120
F_NEW_SEARCH=no

write_frontend_ini() {
  mkdir -p services/frontend
  {
    cat <<EOF
; Storefront web application (shop.example.com).

[server]
host = 0.0.0.0
port = 8080
workers = 8
request_timeout = 30

[session]
cookie_name = shop_session
lifetime_minutes = $F_SESSION_MINUTES
secure = true

[upstreams]
checkout = http://checkout.shop.svc.cluster.local:8080
catalog = http://catalog.shop.svc.cluster.local:8080

[features]
EOF
    if [[ $F_NEW_SEARCH == yes ]]; then
      printf 'new_search = true\nnew_search_rollout_percent = 10\n'
    else
      printf 'new_search = false\n'
    fi
    printf 'one_click_checkout = true\n'
  } >services/frontend/app.ini
}

# README.md
R_ONCALL=no

write_readme() {
  {
    cat <<'EOF'
# shop-platform-config

Configuration for the shop.example.com e-commerce platform, kept by the platform team.
The deploy job applies `main` to the clusters about five minutes after a push.

| path | what | owners |
|---|---|---|
| `db/prod/patroni.yml` | Patroni, production PostgreSQL cluster `shop-db` (db-1 primary, db-2 standby) | DBAs |
| `db/staging/patroni.yml` | Patroni, staging cluster `shop-db-staging` | DBAs |
| `services/*/database.toml` | per-service connection pool and failover-retry settings | service team + DBAs |
| `services/frontend/app.ini` | storefront web application | frontend |
| `orchestrator/orchestrator.conf.json` | MySQL Orchestrator for the inventory cluster | DBAs |
| `tests/failover/` | failover simulation notes | DBAs, SRE |

## Making a change

Open a merge request. Anything under `db/` and any `[database.failover]` table needs a review
from a DBA (alice, bob or carol) and a green `failover-simulation` run on staging. Record both
as trailers in the last paragraph of the commit message:

    Reviewed-by: Bob <bob@example.com>
    Tested: failover-simulation
EOF
    if [[ $R_ONCALL == yes ]]; then
      cat <<'EOF'

## On call

SRE rotation: dave and erin (pager `shop-sre`). Database escalation: the DBA on duty.
Failover runbook: https://wiki.example.com/runbooks/shop-db-failover

To roll back a bad configuration change, `git revert` the commit and push; do not edit by hand.
EOF
    fi
  } >README.md
}

# tests/failover/README.md
T_SYNC_NOTE=no

write_tests_readme() {
  mkdir -p tests/failover
  {
    cat <<'EOF'
# Failover simulation

CI job `failover-simulation` runs against staging (`db/staging/patroni.yml`): it stops
PostgreSQL on the primary, expects Patroni to promote the standby within
`failover.promotion_timeout`, and checks that checkout and catalog reconnect with the
retry settings from their `database.toml`. A run takes about ten minutes.

Run it for every change to `db/**` or to a `[database.failover]` table, and note the result
as `Tested: failover-simulation` in the commit message.
EOF
    if [[ $T_SYNC_NOTE == yes ]]; then
      cat <<'EOF'

## 2024-05-30: synchronous_mode on staging

Three runs with `synchronous_mode: true`: promotion in 14 s, 16 s and 15 s, no lost
transactions. Checkout p99 latency went up by 2 ms. Candidate for prod after the June sale.
EOF
    fi
  } >tests/failover/README.md
}

# ---------------------------------------------------------------- history

# 1. Initial import (Monday 2024-05-06), with the team's ChangeGate policy.
mkdir -p policies && cp "$HERE/policies/shop.policy" policies/shop.policy
write_readme; write_prod_patroni; write_staging_patroni
write_checkout_toml; write_catalog_toml; write_tests_readme
commit alice@example.com '2024-05-06 09:30:00' <<'EOF'
Initial import of shop-db and service database configs

Patroni configuration for prod and staging, per-service database
settings for checkout and catalog, and the failover simulation notes.
EOF

# 2. Orchestrator for the MySQL inventory cluster.
write_orchestrator_json
commit bob@example.com '2024-05-07 10:12:00' <<'EOF'
Add orchestrator config for the inventory MySQL cluster

Reviewed-by: Alice <alice@example.com>
EOF

# 3. Frontend settings move into this repo.
write_frontend_ini
commit grace@example.com '2024-05-08 14:40:00' <<'EOF'
frontend: move app.ini into the config repo
EOF

# 4. Pool size tuning.
C_POOL=40; write_checkout_toml
commit frank@example.com '2024-05-10 11:05:00' <<'EOF'
checkout: raise pool_size to 40 for the spring sale

Load test peaked at 31 busy connections per pod; 40 leaves headroom.
8 pods x 40 = 320 of shop-db's max_connections (400).

Reviewed-by: Carol <carol@example.com>
EOF

# 5. A new PostgreSQL parameter.
P_IDLE_TIMEOUT=yes; write_prod_patroni
commit carol@example.com '2024-05-13 16:20:00' <<'EOF'
prod: set idle_in_transaction_session_timeout to 60s

Checkout pods that crash mid-transaction kept locks on carts for hours.

Reviewed-by: Alice <alice@example.com>
EOF

# 6. Staging ttl change (still satisfies loop_wait + 2 * retry_timeout <= ttl).
S_TTL=45; write_staging_patroni
commit bob@example.com '2024-05-15 09:45:00' <<'EOF'
staging: raise DCS ttl to 45s

The staging etcd node is shared with CI and sometimes stalls for
more than 20 s; the leader lock expired twice last week.

Reviewed-by: Carol <carol@example.com>
Tested: failover-simulation
EOF

# 7. Orchestrator tweak.
O_RECOVERY_BLOCK=3600; write_orchestrator_json
commit erin@example.com '2024-05-17 13:30:00' <<'EOF'
orchestrator: block a second recovery for one hour

Avoids a flapping master being failed over back and forth.

Reviewed-by: Bob <bob@example.com>
EOF

# 8. INI change.
F_SESSION_MINUTES=60; write_frontend_ini
commit grace@example.com '2024-05-21 10:00:00' <<'EOF'
frontend: shorten session lifetime to 60 minutes
EOF

# 9. README edit.
R_ONCALL=yes; write_readme
commit dave@example.com '2024-05-22 15:10:00' <<'EOF'
README: add on-call contacts and the failover runbook
EOF

# 10. Pure rename.
mkdir -p services/catalog-api
g mv services/catalog/database.toml services/catalog-api/database.toml
K_DIR=services/catalog-api
commit carol@example.com '2024-05-24 11:30:00' <<'EOF'
Rename services/catalog to services/catalog-api

Matches the deployment name. No content change.
EOF

# 11. Reorder keys in the prod YAML, no value changes.
P_LAYOUT=grouped; write_prod_patroni
commit alice@example.com '2024-05-28 14:00:00' <<'EOF'
prod: group node-local settings, sort postgresql parameters

Moves the node-local postgresql block up next to restapi and sorts
bootstrap.dcs.postgresql.parameters alphabetically. No value changes.

Reviewed-by: Bob <bob@example.com>
EOF

# 12. A short feature branch, merged with --no-ff while main moved on.
g checkout -q -b staging-synchronous-mode
S_SYNC=yes; write_staging_patroni
commit bob@example.com '2024-05-29 10:20:00' <<'EOF'
staging: try synchronous_mode
EOF

g checkout -q main
F_NEW_SEARCH=yes; write_frontend_ini
commit grace@example.com '2024-05-29 16:45:00' <<'EOF'
frontend: roll out new search to 10% of sessions
EOF

g checkout -q staging-synchronous-mode
T_SYNC_NOTE=yes; write_tests_readme
commit bob@example.com '2024-05-30 09:15:00' <<'EOF'
tests: record synchronous_mode simulation results

Tested: failover-simulation
EOF

g checkout -q main
merge bob@example.com '2024-05-31 11:00:00' staging-synchronous-mode <<'EOF'
Merge branch 'staging-synchronous-mode'

Synchronous replication on staging, ahead of a decision for prod.

Reviewed-by: Carol <carol@example.com>
Tested: failover-simulation
EOF
g branch -q -d staging-synchronous-mode
# The working tree files now match the merge result; keep the variables in step.
S_SYNC=yes; T_SYNC_NOTE=yes

# 13. One more ordinary change the day before.
K_POOL=25; write_catalog_toml
commit grace@example.com '2024-06-03 17:20:00' <<'EOF'
catalog-api: raise pool_size to 25

Reviewed-by: Bob <bob@example.com>
EOF

# 14. The bad change: Tuesday 2024-06-04 13:55 GMT, five minutes before the alerts.
P_TTL=15; P_MODE=manual; P_PROMOTION_TIMEOUT=300; P_DB2_PRIORITY=0
P_FAILOVER_COMMENT="# Failover protocols, read by the failover controller and the on-call runbook."
write_prod_patroni
C_SEC_RETRIES=1; C_SEC_INTERVAL=5000; write_checkout_toml
commit frank@example.com '2024-06-04 13:55:00' <<'EOF'
update failover protocols
EOF
BAD=$(g rev-parse HEAD)

# 15. The fix: revert to the last stable settings, 16:00 GMT.
g revert --no-commit "$BAD"
commit dave@example.com '2024-06-04 16:00:00' <<EOF
Revert "update failover protocols"

This reverts commit $BAD.

Restores the last stable failover settings: this change coincided with the start
of today's outage (alerts from 14:00 GMT), when shop-db's primary failed and db-2
was never promoted.
EOF
REVERT=$(g rev-parse HEAD)

printf 'bad-commit %s\nrevert-commit %s\nhead %s\n' "$BAD" "$REVERT" "$(g rev-parse HEAD)" >&3
