import ChangeGate
import Foundation
import Testing

/// The `[doc=…]` prefix of multi-document YAML (issue 16, item 5): a document's key paths never
/// change when another document is added beside it, removed or moved.
@Suite("Document keys")
struct DocumentKeyTests {
    static let pooler = """
        apiVersion: postgresql.cnpg.io/v1
        kind: Pooler
        metadata:
          name: pooler-example-rw
        spec:
          cluster:
            name: cluster-example
          instances: 3
          type: rw
          pgbouncer:
            poolMode: session

        """

    static let secret = """
        apiVersion: v1
        kind: Secret
        metadata:
          name: app-user
          namespace: prod
        type: kubernetes.io/basic-auth
        data:
          username: YXBw

        """

    @Test("a Kubernetes document is keyed by its identity, alone or not, wherever it stands")
    func identityAlways() throws {
        let cluster = "kind: Cluster\nmetadata: {name: db, namespace: prod}\nspec: {instances: 3}\n"
        let alone = try settings(cluster)
        #expect(
            alone == [
                "[doc=Cluster/prod/db].kind": .string("Cluster"), "[doc=Cluster/prod/db].metadata.name": .string("db"),
                "[doc=Cluster/prod/db].metadata.namespace": .string("prod"),
                "[doc=Cluster/prod/db].spec.instances": .integer(3),
            ])
        let after = try settings(cluster + "---\n" + Self.secret)
        let before = try settings(Self.secret + "---\n" + cluster)
        #expect(after == before)
        for (key, value) in alone { #expect(after[key] == value, "\(key)") }
        #expect(after["[doc=Secret/prod/app-user].data.username"] == .string("YXBw"))
        #expect(after.count == alone.count + 6)
    }

    @Test("documents without identity: the first has no prefix, later ones their rank among them")
    func unidentified() throws {
        let identified = "kind: Service\nmetadata: {name: db}\nspec: {port: 5432}\n"
        #expect(try settings("a: 1\n") == ["a": .integer(1)])
        #expect(try settings("a: 1\n---\n" + identified)["a"] == .integer(1))
        // An identified document inserted before changes nothing either.
        let plain = try settings(identified + "---\na: 1\n---\na: 2\n")
        #expect(plain["a"] == .integer(1))
        #expect(plain["[doc=1].a"] == .integer(2))
        #expect(plain["[doc=Service/db].spec.port"] == .integer(5432))
    }

    @Test("empty documents (`---` alone, a trailing `---`, `~`) hold no setting and take no rank")
    func emptyDocuments() throws {
        let cluster = "kind: Cluster\nmetadata: {name: db}\nspec: {instances: 3}\n"
        let expected = try settings(cluster)
        #expect(try settings(cluster + "---\n") == expected)
        #expect(try settings("---\n---\n" + cluster + "---\n~\n") == expected)
        #expect(try settings("---\n---\na: 1\n---\n---\nb: 2\n") == ["a": .integer(1), "[doc=1].b": .integer(2)])
        #expect(try settings("---\n").isEmpty)
    }

    @Test("a repeated identity: the first keeps its key, later ones add `#rank`")
    func duplicateIdentity() throws {
        let first = "kind: Cluster\nmetadata: {name: db}\nspec: {instances: 3}\n"
        let second = "kind: Cluster\nmetadata: {name: db}\nspec: {instances: 1}\n"
        let both = try settings(first + "---\n" + second)
        #expect(both["[doc=Cluster/db].spec.instances"] == .integer(3))
        #expect(both["[doc=Cluster/db#1].spec.instances"] == .integer(1))
        // A namespace makes another identity.
        let namespaced = try settings(first + "---\nkind: Cluster\nmetadata: {name: db, namespace: b}\n")
        #expect(namespaced["[doc=Cluster/db].spec.instances"] == .integer(3))
        #expect(namespaced["[doc=Cluster/b/db].metadata.namespace"] == .string("b"))
    }

    @Test("JSON, TOML and INI files are one document each, keyed from their root")
    func otherFormats() throws {
        let manifest = #"{"kind": "Cluster", "metadata": {"name": "db"}, "spec": {"instances": 3}}"#
        #expect(try settings(manifest, .json)["spec.instances"] == .integer(3))
    }

    /// The real CloudNativePG samples: every document of a file is keyed as it is alone in a file.
    @Test("real CloudNativePG files: each document has the keys it has alone")
    func realFiles() throws {
        guard let testdata = Paths.testdata else {
            print("skipped: ../shared/testdata is absent")
            return
        }
        let files = Paths.files(under: testdata.appendingPathComponent("real/cloudnative-pg"), extensions: [".yaml"])
        #expect(files.count >= 10)
        var multiDocument = 0
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            let whole = try settings(text)
            // The samples separate documents with a `---` line and hold no block scalar with one;
            // each part keeps its last line break (a block scalar's value ends with it).
            let parts = text.components(separatedBy: "\n---\n").map { $0 + "\n" }
            if parts.count > 1 { multiDocument += 1 }
            var union: [String: ConfigValue] = [:]
            for part in parts {
                for (key, value) in try settings(part) {
                    #expect(union.updateValue(value, forKey: key) == nil, "\(file.lastPathComponent): \(key) twice")
                }
            }
            for key in Set(union.keys).union(whole.keys) where union[key] != whole[key] {
                Issue.record("\(file.lastPathComponent): \(key) is \(String(describing: whole[key])) in the file")
            }
            #expect(whole.keys.contains { $0.hasPrefix("[doc=Cluster/") }, "\(file.lastPathComponent)")
        }
        #expect(multiDocument >= 3)
    }

    @Test("issue 16: a Pooler added beside a real Cluster and instances 3 → 1: one modification, weighed once")
    func poolerBesideCluster() throws {
        guard let testdata = Paths.testdata else {
            print("skipped: ../shared/testdata is absent")
            return
        }
        let sample = try String(
            contentsOf: testdata.appendingPathComponent("real/cloudnative-pg/cluster-example.yaml"), encoding: .utf8)
        #expect(sample.contains("  instances: 3\n"))
        var repo = try GitFixture(label: "doc-keys")
        defer { repo.remove() }
        let path = "k8s/shop-db/cluster.yaml"
        try repo.write(path, sample)
        let base = try repo.commit("CloudNativePG cluster, alone in its file")
        let single = sample.replacingOccurrences(of: "  instances: 3\n", with: "  instances: 1\n")
        try repo.write(path, single + "---\n" + Self.pooler)
        let head = try repo.commit("a pooler beside the cluster; one instance")

        let diff = try Shell.run(
            [
                Paths.changegate.path, "diff", "--repo", repo.path, "--files", "k8s/**/*.yaml", "--format", "json",
                base,
                head,
            ], environment: GitFixture.baseEnvironment)
        #expect(diff.status == 0, "\(diff.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(diff.stdout.utf8)) as? [String: Any])
        let changes = try #require(object["changes"] as? [[String: Any]])
        let key = "[doc=Cluster/cluster-example].spec.instances"
        let clusterChanges = changes.filter { !(($0["key"] as? String) ?? "").hasPrefix("[doc=Pooler/") }
        #expect(clusterChanges.count == 1, "\(clusterChanges)")
        let change = try #require(clusterChanges.first)
        #expect(change["key"] as? String == key)
        #expect(change["kind"] as? String == "modified")
        #expect(change["old"] as? Int == 3)
        #expect(change["new"] as? Int == 1)
        #expect(changes.filter { $0["kind"] as? String != "added" }.count == 1)

        // git agrees: the one line removed is the old instances line, at the lines the change names.
        let gitDiff = try repo.git(["diff", "-U0", base, head, "--", path])
        let removed = gitDiff.split(separator: "\n").filter { $0.hasPrefix("-") && !$0.hasPrefix("---") }
        #expect(removed == ["-  instances: 3"])
        let added = gitDiff.split(separator: "\n").filter { $0.hasPrefix("+") && !$0.hasPrefix("+++") }
        #expect(added == ["+  instances: 1", "+---"] + Self.pooler.split(separator: "\n").map { "+" + $0 })
        let hunk = try #require(gitDiff.split(separator: "\n").first { $0.hasPrefix("@@") })
        let line =
            try #require(
                sample.split(separator: "\n", omittingEmptySubsequences: false).firstIndex {
                    $0 == "  instances: 3"
                }) + 1
        #expect(hunk.hasPrefix("@@ -\(line) +\(line) @@"), "\(hunk)")
        #expect(change["baseLine"] as? Int == line)
        #expect(change["headLine"] as? Int == line)

        // The gate with the shipped catalogue weighs the change once: 30 for the watch, 40 for no
        // standby left, 15 for halving (the old keying gave a removal and an addition: 120).
        let check = try Shell.run(
            [
                Paths.changegate.path, "check", "--repo", repo.path, "--base", base, "--head", head, "--policy",
                Paths.packageRoot.appendingPathComponent("policies").path, "--now", "2024-06-04T10:00:00Z",
                "--format", "json",
            ], environment: GitFixture.baseEnvironment)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])
        let risk = try #require(report["risk"] as? [String: Any])
        let items = try #require(risk["items"] as? [[String: Any]])
        let weighed = items.filter { $0["reason"] as? String == "watched setting" }
        #expect(weighed.count == 1, "\(items)")
        #expect(weighed.first?["key"] as? String == key)
        #expect(weighed.first?["points"] as? Int == 30)
        #expect(
            items.contains {
                $0["reason"] as? String == "no standby left to fail over to" && $0["key"] as? String == key
            })
        #expect(risk["score"] as? Int == 85, "\(items)")
        let gated = try #require(report["changes"] as? [[String: Any]])
        #expect(gated.filter { $0["weight"] is Int }.map { $0["key"] as? String } == [key])
    }
}
