#!/usr/bin/env bash
# The demo's step 11: `changegate serve` over the demo's trail, its web view opened in headless
# Chromium (Tests/Browser/webview.py), a screenshot of each page written to OUT.
#
# Usage: web-view.sh CHANGEGATE_SERVER TRAIL REPOSITORY OUT
set -euo pipefail
server=$1 trail=$2 repository=$3 out=$4
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
python=${CHANGEGATE_BROWSER_VENV:-$here/.build/browser-venv}/bin/python
[ -x "$python" ] || { echo "web-view.sh: $python is missing: run scripts/bootstrap" >&2; exit 2; }
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf 'demo forge token' > "$work/forge.token"
printf 'demo webhook secret' > "$work/webhook.secret"
port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/serve.yml" <<YAML
listen: 127.0.0.1:$port
audit: $trail
forges:
  github:
    kind: github
    api: https://github.invalid/api/v3
    token_file: $work/forge.token
    secret_file: $work/webhook.secret
repositories:
  shop/config:
    forge: github
    path: $repository
    commit_url: https://github.invalid/shop/config/commit/{commit}
clients:
  responder:
    token_sha256: $(printf %s "$token" | sha256sum | cut -d' ' -f1)
    repositories: ["*"]
    actions: [view]
YAML
"$server" serve --config "$work/serve.yml" 2> "$work/serve.log" &
pid=$!
for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
# The incident commit's latest decision, and its settings' pages.
incident=$(curl -sf -u "responder:$token" "http://127.0.0.1:$port/ui/?setting=bootstrap.dcs.ttl&decision=deny" \
    | grep -o 'data-sequence="[0-9]*"' | head -1 | grep -o '[0-9]*')
cat > "$work/plan.json" <<JSON
[
 {"name": "timeline", "path": "/ui/", "count": ["#decisions tbody tr"], "screenshot": true},
 {"name": "decision", "path": "/ui/decisions/$incident", "text": ["#missing", "#verdict"], "screenshot": true},
 {"name": "setting", "path": "/ui/setting?file=db%2Fprod%2Fpatroni.yml&key=bootstrap.dcs.ttl",
  "count": ["svg#setting-chart circle.point"], "screenshot": true},
 {"name": "incident", "path": "/ui/incident?since=6h", "count": ["#incident tbody tr"], "screenshot": true},
 {"name": "integrity", "path": "/ui/integrity"},
 {"name": "verified", "click": "#verify", "text": ["#verification"], "screenshot": true}
]
JSON
mkdir -p "$out"
"$python" "$here/Tests/Browser/webview.py" --base "http://127.0.0.1:$port" --user responder --token "$token" \
    --plan "$work/plan.json" --screenshots "$out" > "$out/report.json"
"$python" - "$out/report.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
print("   timeline: %d decisions" % report["timeline"]["count"]["#decisions tbody tr"])
print("   the incident's decision: %s; missing: %s" % (report["decision"]["text"]["#verdict"],
      (report["decision"]["text"]["#missing"] or "").replace("\n", "; ")))
print("   bootstrap.dcs.ttl over time: %d points" % report["setting"]["count"]["svg#setting-chart circle.point"])
print("   integrity: %s" % report["verified"]["text"]["#verification"])
problems = {name: seen["axe"] for name, seen in report.items() if seen["axe"]}
if problems:
    sys.exit("web-view.sh: axe-core found accessibility problems: %s" % problems)
PY
echo "   screenshots: $(cd "$out" && ls *.png | tr '\n' ' ')"
