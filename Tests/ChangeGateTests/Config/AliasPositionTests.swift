import ChangeGate
import Foundation
import Testing

/// Values reached through a YAML alias are located at the alias, not at the anchor (issue 16, item 6).
@Suite("YAML alias positions")
struct AliasPositionTests {
    /// postgres0.yml's shape, with its DCS timings written once and aliased: line 1 anchors them,
    /// line 12 aliases them as `etcd`, line 21 merges them into `bootstrap.dcs`.
    static func patroni(ttl: Int) -> String {
        """
        defaults: &d {ttl: \(ttl), loop_wait: 10, retry_timeout: 10}
        scope: batman
        #namespace: /service/
        name: postgresql0

        restapi:
          listen: 127.0.0.1:8008
          connect_address: 127.0.0.1:8008

        # the lock timings of the DCS come from the defaults above, written once
        # for the DCS client and for the cluster's dynamic configuration
        etcd: *d

        bootstrap:
          # this section will be written into Etcd:/<namespace>/<scope>/config after initializing new cluster
          # and all other cluster members will use it as a `global configuration`.
          # WARNING! If you want to change any of the parameters that were set up
          # via `bootstrap.dcs` section, please use `patronictl edit-config`!
          dcs:
            maximum_lag_on_failover: 1048576
            <<: *d
          initdb:
          - encoding: UTF8
          - data-checksums

        """
    }

    /// Line of the first line of `text` that starts with `prefix` (1-based).
    static func line(of prefix: String, in text: String) throws -> Int {
        try #require(text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.hasPrefix(prefix) })
            + 1
    }

    private func positions(_ text: String) throws -> [String: SourcePosition] {
        let parsed = try ConfigReader().read(Array(text.utf8), path: "patroni.yml", format: .yaml)
        return try SettingsFlattener.settingsByKey(of: parsed).mapValues(\.position)
    }

    @Test("an alias's values are at the alias; a merged key at its `<<`; the anchor's own at the anchor")
    func positionsInTheTree() throws {
        let text = Self.patroni(ttl: 30)
        let at = try positions(text)
        #expect(at["defaults.ttl"] == SourcePosition(line: 1, column: 20))
        #expect(at["etcd.ttl"] == SourcePosition(line: 12, column: 7))
        #expect(at["etcd.retry_timeout"] == SourcePosition(line: 12, column: 7))
        let merge = try Self.line(of: "    <<: *d", in: text)
        #expect(at["bootstrap.dcs.ttl"] == SourcePosition(line: merge, column: 9))
        #expect(at["bootstrap.dcs.maximum_lag_on_failover"]?.line == merge - 1)
    }

    @Test("nested aliases and lists of merges: the outermost alias, or the merged alias's own line")
    func nestedAndListed() throws {
        let text = """
            a: &a {x: 1}
            b: &b {inner: *a, list: [*a, 2]}
            c: *b
            d:
              <<:
                - *a
                - {y: 2}
            """
        let at = try positions(text)
        #expect(at["b.inner.x"] == SourcePosition(line: 2, column: 15))
        #expect(at["c.inner.x"] == SourcePosition(line: 3, column: 4))
        #expect(at["c.list[0].x"] == SourcePosition(line: 3, column: 4))
        #expect(at["c.list[1]"] == SourcePosition(line: 3, column: 4))
        #expect(at["d.x"] == SourcePosition(line: 6, column: 7))
        #expect(at["d.y"] == SourcePosition(line: 7, column: 11))
    }

    @Test("changegate diff, GitHub annotations and SARIF point at the alias's line in a Patroni file")
    func reports() throws {
        var repo = try GitFixture(label: "alias")
        defer { repo.remove() }
        try repo.write(
            "policies/alias.policy",
            """
            policy "alias"
            files "db/**/*.yml"
            watch "etcd.ttl", "bootstrap.dcs.ttl" weight 20 tag failover
            warn "ttl changed" when any change (key == "etcd.ttl")

            """)
        try repo.write("db/prod/patroni.yml", Self.patroni(ttl: 30))
        let base = try repo.commit("base", author: "Alice <alice@example.com>")
        let text = Self.patroni(ttl: 20)
        try repo.write("db/prod/patroni.yml", text)
        try repo.commit("shorter ttl", author: "Frank <frank@example.com>")
        let alias = try Self.line(of: "etcd: *d", in: text)
        let merge = try Self.line(of: "    <<: *d", in: text)
        #expect(alias == 12 && merge == 21)

        let env = GitFixture.baseEnvironment
        let diff = try Shell.run([Paths.changegate.path, "diff", "--repo", repo.path, base, "HEAD"], environment: env)
        #expect(diff.status == 0, "\(diff.stderr)")
        let lines = diff.stdout.split(separator: "\n").map(String.init)
        let byKey = { (key: String) in lines.first { $0.contains(" \(key) ") } ?? "" }
        #expect(byKey("defaults.ttl").hasSuffix("line 1"), "\(diff.stdout)")
        #expect(byKey("etcd.ttl").hasSuffix("line 12"), "\(diff.stdout)")
        #expect(byKey("bootstrap.dcs.ttl").hasSuffix("line 21"), "\(diff.stdout)")

        let check = { (format: String) throws -> Shell.Result in
            try Shell.run(
                [
                    Paths.changegate.path, "check", "--repo", repo.path, "--base", base, "--head", "HEAD", "--now",
                    "2024-06-04T10:00:00Z", "--format", format,
                ], environment: env)
        }
        let github = try check("github").stdout.split(separator: "\n").map(String.init)
        #expect(
            github.contains("::notice file=db/prod/patroni.yml,line=12,title=ChangeGate risk +20::etcd.ttl: 30 → 20"),
            "\(github)")
        #expect(
            github.contains(
                "::notice file=db/prod/patroni.yml,line=21,title=ChangeGate risk +20::bootstrap.dcs.ttl: 30 → 20"),
            "\(github)")
        #expect(github.contains { $0.hasPrefix("::warning file=db/prod/patroni.yml,line=12,title=ChangeGate warning") })

        let sarif = try check("sarif")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(sarif.stdout.utf8)) as? [String: Any])
        let results = try #require((document["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]])
        var located: [String: [Int]] = [:]
        for result in results {
            let location = (result["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any]
            let line = (location?["region"] as? [String: Any])?["startLine"] as? Int
            located[result["ruleId"] as? String ?? "", default: []].append(line ?? 0)
        }
        #expect(located["risk/change"]?.sorted() == [12, 21], "\(results)")
        #expect(located["warn/ttl-changed"] == [12], "\(results)")
    }
}
