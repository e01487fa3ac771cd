import ChangeGate
import Foundation
import Testing

/// Which files are read, on repositories laid out as the upstream projects lay theirs out (real
/// files from ../shared/testdata): exclusions (`except`, `ignore`, `--exclude`), the defaults of
/// `diff`, and `detect SYSTEM` — the catalogue's way to find Patroni's `postgres0.yml` or
/// CloudNativePG's `docs/src/samples/*.yaml`.
@Suite("File selection on real layouts")
struct FileSelectionTests {
    private static let helmTemplate = """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: {{ include "patroni.fullname" . }}
          labels:
            {{- include "patroni.labels" . | nindent 4 }}
        data:
          ttl: {{ .Values.ttl | quote }}

        """

    private static let haproxy = """
        global
            maxconn 100

        defaults
            log global
            mode tcp

        listen primary
            bind *:5000
            option httpchk OPTIONS /primary

        """

    private func real(_ path: String) throws -> String {
        let root = try #require(Paths.testdata, "../shared/testdata is absent")
        return try String(contentsOf: root.appendingPathComponent("real/" + path), encoding: .utf8)
    }

    private func changegate(_ arguments: [String], in directory: URL? = nil) throws -> Shell.Result {
        try Shell.run([Paths.changegate.path] + arguments, in: directory, environment: GitFixture.baseEnvironment)
    }

    /// Patroni's own repository: postgres0.yml at the top, haproxy.cfg, a Helm chart beside it.
    private func patroniLayout() throws -> (GitFixture, String, String) {
        var repo = try GitFixture(label: "patroni-layout")
        let postgres0 = try real("patroni/postgres0.yml")
        try repo.write("postgres0.yml", postgres0)
        try repo.write("postgres1.yml", try real("patroni/postgres1.yml"))
        try repo.write("haproxy.cfg", Self.haproxy)
        try repo.write("kubernetes/charts/patroni/templates/configmap.yaml", Self.helmTemplate)
        try repo.write("mkdocs.yml", "site_name: Patroni\nnav:\n  - Home: index.md\n")
        let base = try repo.commit("base")
        try repo.write("postgres0.yml", postgres0.replacingOccurrences(of: "ttl: 30", with: "ttl: 15"))
        try repo.write("haproxy.cfg", Self.haproxy.replacingOccurrences(of: "maxconn 100", with: "maxconn 200"))
        try repo.write(
            "kubernetes/charts/patroni/templates/configmap.yaml", Self.helmTemplate + "  loop_wait: \"10\"\n")
        try repo.write("mkdocs.yml", "site_name: Patroni docs\nnav:\n  - Home: index.md\n")
        let head = try repo.commit("head")
        #expect(postgres0.contains("ttl: 30"), "the real postgres0.yml has ttl: 30")
        return (repo, base, head)
    }

    @Test("diff without --files reads what is likely configuration and passes over Helm templates and haproxy.cfg")
    func diffDefaults() throws {
        let (repo, base, head) = try patroniLayout()
        defer { repo.remove() }
        let result = try changegate(["diff", "--format", "json", base, head], in: repo.url)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let changes = try #require(object["changes"] as? [[String: Any]])
        let keys = Set(changes.map { "\($0["file"]!) \($0["key"]!)" })
        #expect(keys.contains("postgres0.yml bootstrap.dcs.ttl"))
        #expect(keys.contains("mkdocs.yml site_name"))
        #expect(!keys.contains { $0.hasPrefix("haproxy.cfg") || $0.contains("templates/") })
        #expect((object["errors"] as? [Any])?.isEmpty == true)
    }

    @Test("a file selected and unreadable fails, once, saying what to do; --exclude leaves it out")
    func selectedAndUnreadable() throws {
        let (repo, base, head) = try patroniLayout()
        defer { repo.remove() }
        let all = try changegate(["diff", "--files", "**", base, head], in: repo.url)
        #expect(all.status == 2)
        // Both sides of each file fail the same way: one error each, not two.
        #expect(all.stdout.components(separatedBy: "haproxy.cfg:1:").count - 1 == 1, "\(all.stdout)")
        #expect(all.stdout.components(separatedBy: "templates/configmap.yaml:").count - 1 == 1, "\(all.stdout)")
        #expect(all.stdout.contains("2 file errors"))
        #expect(all.stdout.contains("looks like a template (`{{ … }}`, Helm or Go templating)"))
        #expect(all.stdout.contains("render it first"))
        #expect(all.stdout.contains("if this is not an INI file (HAProxy, nginx and Redis have syntaxes of their own)"))
        // Standard error names the files only: a log that merges both streams says each error once.
        #expect(all.stderr.contains("2 files could not be compared: haproxy.cfg, kubernetes/charts/"), "\(all.stderr)")
        #expect(!all.stderr.contains("render it first"))

        let excluded = try changegate(
            ["diff", "--files", "**", "--exclude", "**/templates/**", "--exclude", "haproxy.cfg", base, head],
            in: repo.url)
        #expect(excluded.status == 0, "\(excluded.stdout)\(excluded.stderr)")
        #expect(excluded.stdout.contains("bootstrap.dcs.ttl"))
        // The option takes its glob and leaves BASE and HEAD where the synopsis puts them.
        let equals = try changegate(["diff", "--exclude=haproxy.cfg", "--files=*.cfg", base, head], in: repo.url)
        #expect(equals.status == 0, "\(equals.stdout)\(equals.stderr)")
        #expect(equals.stdout.contains("0 settings changed"))
    }

    @Test(
        "diff reads a symbolic link as the file it points to; the gate refuses a selected link; one that leads outside or nowhere is an error"
    )
    func symbolicLinks() throws {
        var repo = try GitFixture(label: "symlinks")
        defer { repo.remove() }
        let postgres0 = try real("patroni/postgres0.yml")
        try repo.write("db/prod/patroni.yml", postgres0)
        try repo.write("db/staging/patroni.yml", postgres0.replacingOccurrences(of: "ttl: 30", with: "ttl: 20"))
        try repo.git(["config", "core.symlinks", "true"])
        func link(_ path: String, to target: String) throws {
            let url = repo.url.appendingPathComponent(path)
            try? FileManager.default.removeItem(at: url)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: target)
        }
        try link("current/patroni.yml", to: "../db/prod/patroni.yml")
        let base = try repo.commit("prod is current")
        try link("current/patroni.yml", to: "../db/staging/patroni.yml")
        let retargeted = try repo.commit("staging is current")
        let result = try changegate(["diff", "--format", "json", base, retargeted], in: repo.url)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let changes = try #require(object["changes"] as? [[String: Any]])
        // git itself shows only the link's text changing; the settings behind it are what moved.
        #expect(try repo.git(["diff", "--name-only", base, retargeted]) == "current/patroni.yml\n")
        #expect(changes.count == 1, "\(changes)")
        #expect(changes.first?["file"] as? String == "current/patroni.yml")
        #expect(changes.first?["key"] as? String == "bootstrap.dcs.ttl")
        #expect(changes.first?["old"] as? Int == 30)
        #expect(changes.first?["new"] as? Int == 20)

        // The gate does not follow it: a later change to db/staging/patroni.yml would change what
        // current/patroni.yml holds, judged under the staging path's rules. It refuses, saying why.
        try repo.write("policies/p.policy", "policy \"p\"\nfiles \"current/*.yml\"\nwatch \"bootstrap.**\" weight 1\n")
        let withPolicy = try repo.commit("policy")
        try link("current/patroni.yml", to: "../db/prod/patroni.yml")
        let relinked = try repo.commit("prod again")
        let gate = try changegate(
            ["check", "--repo", repo.path, "--base", withPolicy, "--head", relinked, "--no-audit"])
        #expect(gate.status == 2, "\(gate.stdout)")
        #expect(gate.stdout.contains("current/patroni.yml: error: a symbolic link: the gate judges the files"))
        #expect(gate.stdout.contains("commit the file itself, or leave the link out with `except"))
        try link("current/patroni.yml", to: "../db/staging/patroni.yml")
        try repo.commit("staging again")

        for (target, message) in [
            ("/etc/patroni/patroni.yml", "outside the repository"), ("../../../x.yml", "outside the repository"),
            ("../db/missing.yml", "which commit"),
        ] {
            try link("current/patroni.yml", to: target)
            let head = try repo.commit("link to \(target)")
            let broken = try changegate(["diff", retargeted, head], in: repo.url)
            #expect(broken.status == 2, "\(target): \(broken.stdout)")
            #expect(broken.stdout.contains("current/patroni.yml: error: a symbolic link to"), "\(broken.stdout)")
            #expect(broken.stdout.contains(message), "\(target): \(broken.stdout)")
            try link("current/patroni.yml", to: "../db/staging/patroni.yml")
            try repo.commit("back")
        }
    }

    /// Judges base..head with `policy` as the base's policies/ and returns the JSON decision.
    private func check(_ repo: inout GitFixture, policy: String, change: (inout GitFixture) throws -> Void) throws
        -> (status: Int32, decision: [String: Any], output: String)
    {
        try repo.write("policies/p.policy", policy)
        let base = try repo.commit("policy")
        try change(&repo)
        let head = try repo.commit("change")
        let result = try changegate(
            ["check", "--repo", repo.path, "--base", base, "--head", head, "--format", "json", "--no-audit"])
        let decision = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
        return (result.status, decision, result.stdout + result.stderr)
    }

    private func changedKeys(_ decision: [String: Any]) -> Set<String> {
        Set((decision["changes"] as? [[String: Any]] ?? []).map { "\($0["file"]!) \($0["key"]!)" })
    }

    @Test("`files … except` and `ignore` keep a Helm template from failing the check; without them it fails closed")
    func policyExclusions() throws {
        for (label, files, judged) in [
            ("except", "files \"k8s/**/*.yaml\" except \"**/templates/**\"", true),
            ("ignore", "files \"k8s/**/*.yaml\"\nignore \"**/templates/**\"", true),
            ("neither", "files \"k8s/**/*.yaml\"", false),
        ] {
            var repo = try GitFixture(label: "except-\(label)")
            defer { repo.remove() }
            let cluster = try real("cloudnative-pg/cluster-example.yaml")
            try repo.write("k8s/prod/cluster.yaml", cluster)
            try repo.write("k8s/charts/db/templates/cluster.yaml", Self.helmTemplate)
            let outcome = try check(
                &repo,
                policy: "policy \"p\"\n\(files)\nwatch \"spec.instances\" weight 30 tag failover\n"
            ) { repo in
                try repo.write(
                    "k8s/prod/cluster.yaml", cluster.replacingOccurrences(of: "instances: 3", with: "instances: 1"))
                try repo.write("k8s/charts/db/templates/cluster.yaml", Self.helmTemplate + "  instances: 1\n")
            }
            if judged {
                #expect(outcome.status == 0, "\(label): \(outcome.output)")
                #expect(
                    changedKeys(outcome.decision) == [
                        "k8s/prod/cluster.yaml [doc=Cluster/cluster-example].spec.instances"
                    ],
                    "\(label)")
            } else {
                #expect(outcome.status == 2, "\(label): \(outcome.output)")
                #expect(outcome.output.contains("looks like a template"), "\(label): \(outcome.output)")
            }
        }
    }

    @Test("`ignore` also holds for a policy without `files` lines (every known config file is read)")
    func ignoreWithoutFiles() throws {
        var repo = try GitFixture(label: "ignore-default")
        defer { repo.remove() }
        try repo.write("charts/db/templates/cluster.yaml", Self.helmTemplate)
        try repo.write("db/app.yaml", "failover:\n  mode: automatic\n")
        let outcome = try check(&repo, policy: "policy \"p\"\nignore \"**/templates/**\"\n") { repo in
            try repo.write("charts/db/templates/cluster.yaml", Self.helmTemplate + "  x: 1\n")
            try repo.write("db/app.yaml", "failover:\n  mode: manual\n")
        }
        #expect(outcome.status == 0, "\(outcome.output)")
        #expect(changedKeys(outcome.decision) == ["db/app.yaml failover.mode"])
    }

    /// The shipped catalogue, as the base's policies/.
    private func catalogue() throws -> String {
        try String(contentsOf: Paths.packageRoot.appendingPathComponent("policies/failover.policy"), encoding: .utf8)
    }

    @Test("the catalogue finds each system's files where upstream keeps them, by their content")
    func catalogueOnUpstreamLayouts() throws {
        var repo = try GitFixture(label: "detect")
        defer { repo.remove() }
        let postgres0 = try real("patroni/postgres0.yml")
        let cluster = try real("cloudnative-pg/cluster-example.yaml")
        let orchestrator = try real("orchestrator/orchestrator-sample.conf.json")
        let sentinel = "port 26379\nsentinel monitor mymaster 10.0.0.1 6379 2\n"
        try repo.write("postgres0.yml", postgres0)
        try repo.write("docs/src/samples/cluster-example.yaml", cluster)
        try repo.write("conf/orchestrator-sample.conf.json", orchestrator)
        try repo.write("deploy/sentinel.conf", sentinel)
        try repo.write("mkdocs.yml", "site_name: x\n")
        try repo.write("docs/broken-example.yaml", "a: [\n")
        let outcome = try check(&repo, policy: try catalogue()) { repo in
            try repo.write("postgres0.yml", postgres0.replacingOccurrences(of: "ttl: 30", with: "ttl: 25"))
            try repo.write(
                "docs/src/samples/cluster-example.yaml",
                cluster.replacingOccurrences(of: "instances: 3", with: "instances: 2"))
            try repo.write(
                "conf/orchestrator-sample.conf.json",
                orchestrator.replacingOccurrences(
                    of: "\"RecoveryPeriodBlockSeconds\": 3600", with: "\"RecoveryPeriodBlockSeconds\": 1800"))
            try repo.write("deploy/sentinel.conf", sentinel.replacingOccurrences(of: "6379 2", with: "6379 3"))
            // Neither system's: not read, so neither a change nor an error.
            try repo.write("mkdocs.yml", "site_name: y\n")
            try repo.write("docs/broken-example.yaml", "a: [\nb\n")
        }
        #expect(orchestrator.contains("\"RecoveryPeriodBlockSeconds\": 3600"))
        let keys = changedKeys(outcome.decision)
        #expect(
            keys.isSuperset(of: [
                "postgres0.yml bootstrap.dcs.ttl", "conf/orchestrator-sample.conf.json RecoveryPeriodBlockSeconds",
                "deploy/sentinel.conf sentinel.mymaster.monitor.quorum",
            ]), "\(outcome.output)")
        #expect(
            keys.contains { $0.hasPrefix("docs/src/samples/cluster-example.yaml ") && $0.hasSuffix("spec.instances") })
        #expect(!keys.contains { $0.hasPrefix("mkdocs.yml") || $0.hasPrefix("docs/broken") }, "\(keys)")
        #expect(!outcome.output.contains("broken-example"), "\(outcome.output)")
        // Watched failover settings without review or simulation: denied, not passed over.
        #expect(outcome.status == 1, "\(outcome.output)")
    }

    @Test(
        "the catalogue's CloudNativePG cross-setting rules hold for a named Cluster, alone in its file or beside another kind"
    )
    func namedClusterRules() throws {
        let cluster = try real("cloudnative-pg/cluster-example-syncreplicas-legacy.yaml")
        #expect(cluster.contains("instances: 5") && cluster.contains("maxSyncReplicas: 3"))
        // Beside a Secret (no `spec.instances`) the Cluster's keys are still the only ones; beside a
        // Pooler, which has `spec.instances` too, `head("spec.instances")` is ambiguous and reads null.
        let secret = "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: app\nstringData:\n  username: app\n"
        let pooler =
            "---\napiVersion: postgresql.cnpg.io/v1\nkind: Pooler\nmetadata:\n  name: rw\nspec:\n  instances: 2\n"
        for (label, beside, fires) in [
            ("alone", "", true), ("with a Secret", secret, true), ("with a Pooler", pooler, false),
        ] {
            var repo = try GitFixture(label: "cnpg-rules")
            defer { repo.remove() }
            try repo.write("k8s/prod/cluster.yaml", cluster + beside)
            let outcome = try check(&repo, policy: try catalogue()) { repo in
                try repo.write(
                    "k8s/prod/cluster.yaml",
                    cluster.replacingOccurrences(of: "instances: 5", with: "instances: 3") + beside)
            }
            let failing = (outcome.decision["rules"] as? [[String: Any]] ?? [])
                .filter { $0["satisfied"] as? Bool == false }.compactMap { $0["name"] as? String }
            #expect(
                failing.contains("CloudNativePG: maxSyncReplicas must be lower than instances") == fires,
                "\(label): \(failing) \(outcome.output)")
        }
    }

    @Test(
        "a detected file cannot slip out: broken, it fails the check; renamed away or emptied, its settings are removed"
    )
    func detectionFailsClosed() throws {
        let postgres0 = try real("patroni/postgres0.yml")
        let attacks: [(String, (inout GitFixture) throws -> Void, Int32?)] = [
            ("broken on the head side", { try $0.write("postgres0.yml", postgres0 + "\n  bad: [\n") }, 2),
            (
                "renamed to a name no glob reads",
                { repo in
                    try repo.remove("postgres0.yml")
                    try repo.write("postgres0.yml.orig", postgres0)
                }, nil
            ),
            ("rewritten so that it is no Patroni file", { try $0.write("postgres0.yml", "scope: x\n") }, nil),
            (
                "moved into a templates/ folder the catalogue ignores",
                { repo in
                    try repo.remove("postgres0.yml")
                    try repo.write("templates/postgres0.yml", postgres0)
                }, nil
            ),
        ]
        for (label, attack, status) in attacks {
            var repo = try GitFixture(label: "detect-attack")
            defer { repo.remove() }
            try repo.write("postgres0.yml", postgres0)
            let outcome = try check(&repo, policy: try catalogue(), change: attack)
            if let status {
                #expect(outcome.status == status, "\(label): \(outcome.output)")
                #expect(outcome.output.contains("postgres0.yml"), "\(label): \(outcome.output)")
                continue
            }
            let removed = (outcome.decision["changes"] as? [[String: Any]] ?? []).filter {
                $0["file"] as? String == "postgres0.yml" && $0["key"] as? String == "bootstrap.dcs.ttl"
            }
            #expect(removed.first?["kind"] as? String == "removed", "\(label): \(outcome.output)")
            #expect(outcome.status == 1, "\(label): \(outcome.output)")
        }
    }
}

/// The red-team pass over the new selection (each failed before its fix: ALLOWED with risk 0, or
/// a file passed over).
@Suite("File selection: attacks on detect, the Redis reader and document keys")
struct FileSelectionAttackTests {
    private func changegate(_ arguments: [String]) throws -> Shell.Result {
        try Shell.run([Paths.changegate.path] + arguments, environment: GitFixture.baseEnvironment)
    }

    /// The catalogue as the base's policy, `before` committed, then `after`; the check's result.
    private func check(_ before: [String: String], _ after: [String: String], links: [String: String] = [:]) throws
        -> (status: Int32, output: String)
    {
        var repo = try GitFixture(label: "selection-attack")
        defer { repo.remove() }
        let catalogue = try String(
            contentsOf: Paths.packageRoot.appendingPathComponent("policies/failover.policy"), encoding: .utf8)
        try repo.write("policies/failover.policy", catalogue)
        try repo.write("README", "x\n")
        for (path, text) in before { try repo.write(path, text) }
        let base = try repo.commit("base")
        for (path, text) in after { try repo.write(path, text) }
        for (path, target) in links {
            try FileManager.default.createSymbolicLink(
                atPath: repo.url.appendingPathComponent(path).path, withDestinationPath: target)
        }
        try repo.commit("change")
        let result = try changegate(
            [
                "check", "--repo", repo.path, "--base", base, "--head", "HEAD", "--no-audit", "--now",
                "2026-12-01T12:00:00Z",
            ])
        return (result.status, result.stdout + result.stderr)
    }

    private static let sentinel =
        "port 26379\nsentinel monitor mymaster 10.0.0.1 6379 2\nsentinel down-after-milliseconds mymaster 30000\n"

    @Test(
        "Sentinel lines split as Redis splits them: a quote inside a word, a CR, a leading VT",
        arguments: [
            "sent\"inel\" down-after-milliseconds mymaster 1\n",
            "sentinel down-after-\"milliseconds\" mymaster 2\n",
            "sentinel\rdown-after-milliseconds mymaster 1\n",
            "\u{0B}sentinel down-after-milliseconds mymaster 7\n",
        ])
    func redisSplitting(line: String) throws {
        let outcome = try check(
            ["deploy/prod/sentinel.conf": Self.sentinel], ["deploy/prod/sentinel.conf": Self.sentinel + line])
        #expect(outcome.status != 0, "\(line.debugDescription): \(outcome.output)")
        #expect(
            outcome.output.contains("sentinel.mymaster.down-after-milliseconds"),
            "\(line.debugDescription): \(outcome.output)")
    }

    @Test("a Sentinel file whose words are all quoted is still recognised")
    func quotedSentinelDetected() throws {
        let hidden = "\"sentinel\" \"monitor\" mymaster 10.0.0.1 6379 1\n"
        let outcome = try check([:], ["deploy/sentinel.conf": hidden])
        #expect(outcome.output.contains("sentinel.mymaster.monitor.quorum"), "\(outcome.output)")
    }

    @Test("a per-master Sentinel option written twice is a duplicate (Sentinel takes the last), not a list")
    func sentinelDuplicate() throws {
        let twice = Self.sentinel + "sentinel down-after-milliseconds mymaster 1\n"
        let outcome = try check(["deploy/prod/sentinel.conf": Self.sentinel], ["deploy/prod/sentinel.conf": twice])
        #expect(outcome.status == 2, "\(outcome.output)")
        #expect(outcome.output.contains("is set twice"), "\(outcome.output)")
        let read = try settings(twice, .redis)
        #expect(read["sentinel.mymaster.down-after-milliseconds"] == .integer(1))
    }

    @Test("`kind` and `metadata.name` written into a Patroni file do not put its settings out of the watches")
    func kubernetesShapedPatroni() throws {
        let member =
            "kind: Member\nmetadata:\n  name: pg0\nbootstrap:\n  dcs:\n    ttl: 30\npostgresql:\n"
            + "  data_dir: /data\ntags:\n  nofailover: false\n"
        let outcome = try check(
            ["patroni/prod/postgres0.yml": member],
            [
                "patroni/prod/postgres0.yml": member.replacingOccurrences(
                    of: "nofailover: false", with: "nofailover: true")
            ])
        #expect(outcome.status == 1, "\(outcome.output)")
        #expect(outcome.output.contains("Patroni member marked nofailover"), "\(outcome.output)")
        #expect(outcome.output.contains("weight 30"), "\(outcome.output)")
    }

    @Test("Orchestrator keys that differ only in case are one setting to Go's encoding/json: refused")
    func orchestratorCase() throws {
        let base = "{\"MySQLTopologyUser\":\"orc\",\"RecoveryPeriodBlockSeconds\":3600}\n"
        let head =
            "{\"MySQLTopologyUser\":\"orc\",\"RecoveryPeriodBlockSeconds\":3600,\"recoveryPeriodBlockSeconds\":0}\n"
        let outcome = try check(
            ["orchestrator/prod/orchestrator.conf.json": base], ["orchestrator/prod/orchestrator.conf.json": head])
        #expect(outcome.status == 2, "\(outcome.output)")
        #expect(outcome.output.contains("differ only in letter case"), "\(outcome.output)")
        let lower = try check([:], ["conf/orc.json": "{\"recoverMasterClusterFilters\": []}\n"])
        #expect(lower.output.contains("recoverMasterClusterFilters"), "lowercase keys are detected: \(lower.output)")
    }

    @Test("a file only `detect` reads, unparsable but Patroni-shaped, fails the check instead of being passed over")
    func unparsableDetected() throws {
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        let patroni = "bootstrap:\n  dcs:\n    ttl: 5\npostgresql:\n  data_dir: /d\nx: \(deep)\n"
        let outcome = try check([:], ["conf/postgres1.yml": patroni])
        #expect(outcome.status == 2, "\(outcome.output)")
        #expect(outcome.output.contains("conf/postgres1.yml"), "\(outcome.output)")
        // A broken YAML of no system is still passed over.
        let other = try check([:], ["docs/example.yaml": "a: [\n"])
        #expect(other.status == 0, "\(other.output)")
    }

    @Test("a symbolic link only `detect` reads, to a Patroni file, is refused as a link")
    func detectedLink() throws {
        let patroni = "bootstrap:\n  dcs:\n    ttl: 30\npostgresql:\n  data_dir: /d\n"
        let outcome = try check(["conf/member.data": patroni], [:], links: ["conf/postgres1.yml": "member.data"])
        #expect(outcome.status == 2, "\(outcome.output)")
        #expect(outcome.output.contains("conf/postgres1.yml: error: a symbolic link"), "\(outcome.output)")
    }
}
