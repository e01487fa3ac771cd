import ChangeGate
import Foundation
import Testing

/// Renames paired as `git diff -M` pairs them, on cases built after real commits.
@Suite("Rename pairing as git's")
struct RenamePairingTests {
    /// A CustomResourceDefinition-like document: names, printer columns and a few fields, with the
    /// label lines given (templated in a Helm chart, plain in a `crds/` folder).
    static func crd(kind: String, plural: String, columns: [String], labels: [String]) -> String {
        var lines = [
            "apiVersion: apiextensions.k8s.io/v1beta1",
            "kind: CustomResourceDefinition",
            "metadata:",
            "  name: \(plural).failover.example.org",
            "  labels:",
        ]
        lines += labels.map { "    " + $0 }
        lines += [
            "  annotations:",
            "    \"helm.sh/hook\": crd-install",
            "spec:",
            "  group: failover.example.org",
            "  names:",
            "    kind: \(kind)",
            "    listKind: \(kind)List",
            "    plural: \(plural)",
            "    singular: \(kind.lowercased())",
            "  additionalPrinterColumns:",
        ]
        for column in columns {
            lines += [
                "  - name: \(column)",
                "    type: string",
                "    description: The \(column.lowercased()) of the \(kind.lowercased()) as the operator reports it",
                "    JSONPath: .spec.\(column.lowercased()).value",
            ]
        }
        lines += ["  scope: Namespaced", "  subresources:", "    status: {}", "  version: v1"]
        return lines.joined(separator: "\n") + "\n"
    }

    static let clusterColumns = ["Team", "Version", "Replicas", "Volume", "CPU", "Memory", "Age", "Status"]
    static let policyColumns = ["Image", "Leader", "Lag", "Timeout", "Status", "Age"]

    static func templatedLabels(_ chart: String) -> [String] {
        [
            "app.kubernetes.io/name: {{ template \"\(chart).name\" . }}",
            "helm.sh/chart: {{ template \"\(chart).chart\" . }}",
            "app.kubernetes.io/managed-by: {{ .Release.Service }}",
            "app.kubernetes.io/instance: {{ .Release.Name }}",
        ]
    }

    /// The shape of zalando/postgres-operator 0529408: a Helm template holding two CRDs (its labels
    /// templated, the whole wrapped in `{{ if }}`) is deleted; each CRD comes back as a plain file of
    /// its own, and a small template includes them. The larger CRD is nearly half the template:
    /// libgit2's metric called it a rename, git (45%) does not.
    static func helmSplit() throws -> (repo: GitFixture, base: String, head: String) {
        var repo = try GitFixture(label: "helm-split")
        let chart = "failover-operator"
        let template =
            "{{ if .Values.crd.create }}\n"
            + crd(kind: "Cluster", plural: "clusters", columns: clusterColumns, labels: templatedLabels(chart))
            + "---\n"
            + crd(
                kind: "FailoverPolicy", plural: "failoverpolicies", columns: policyColumns,
                labels: templatedLabels(chart))
            + "{{ end }}\n"
        try repo.write("charts/\(chart)/templates/customresourcedefinition.yaml", template)
        try repo.write("charts/\(chart)/values.yaml", "crd:\n  create: true\n")
        let base = try repo.commit("a chart with its CRDs in a template")
        try repo.remove("charts/\(chart)/templates/customresourcedefinition.yaml")
        let plain = ["app.kubernetes.io/name: \(chart)"]
        try repo.write(
            "charts/\(chart)/crds/clusters.yaml",
            crd(kind: "Cluster", plural: "clusters", columns: clusterColumns, labels: plain))
        try repo.write(
            "charts/\(chart)/crds/failoverpolicies.yaml",
            crd(kind: "FailoverPolicy", plural: "failoverpolicies", columns: policyColumns, labels: plain))
        try repo.write(
            "charts/\(chart)/templates/crds.yaml",
            "{{ if .Values.crd.create }}\n{{- range $path, $bytes := .Files.Glob \"crds/*.yaml\" }}\n"
                + "{{ $.Files.Get $path }}\n---\n{{- end }}\n{{- end }}\n")
        let head = try repo.commit("CRDs in a crds folder, for Helm 3")
        return (repo, base, head)
    }

    /// `git diff --name-status -M`, one line per file, with git's similarity (`R087`).
    static func gitNameStatus(_ repo: GitFixture, _ base: String, _ head: String) throws -> [String] {
        try repo.git(["diff", "--name-status", "-M", base, head]).split(separator: "\n").map(String.init).sorted()
    }

    static func ours(_ repository: Repository, _ base: String, _ head: String) throws -> [String] {
        try repository.diff(from: repository.resolveCommit(base), to: repository.resolveCommit(head)).map(Self.line)
            .sorted()
    }

    /// A delta as `git diff --name-status` prints it.
    static func line(_ delta: FileDelta) -> String {
        switch delta.status {
        case .renamed, .copied:
            "\(delta.status.letter)\(String(format: "%03d", delta.similarity))\t\(delta.oldPath!)\t\(delta.newPath!)"
        default: "\(delta.status.letter)\t\(delta.path)"
        }
    }

    @Test("a Helm template split into plain CRD files is no rename, as git says; the CRD's settings appear as added")
    func helmTemplateSplitIntoCRDs() throws {
        let (repo, base, head) = try Self.helmSplit()
        defer { repo.remove() }
        let expected = try Self.gitNameStatus(repo, base, head)
        // git's own verdict on this shape, so the test cannot drift from the case it stands for.
        #expect(!expected.contains { $0.hasPrefix("R") }, "\(expected)")
        let scores = try repo.git(["diff", "--name-status", "-M1%", base, head])
        #expect(scores.contains("R04"), "git's score should be just under 50%: \(scores)")

        let repository = try Repository(path: repo.path)
        #expect(try Self.ours(repository, base, head) == expected)

        var differ = RepositorySettingsDiff(repository: repository)
        let report = try differ.diff(from: try repository.resolveCommit(base), to: try repository.resolveCommit(head))
        let crd = "charts/failover-operator/crds/clusters.yaml"
        let added = report.changes.filter { $0.file == crd }
        #expect(added.count >= 40 && added.allSatisfy { $0.kind == .added && $0.previousFile == nil }, "\(added.count)")
        // The template does not parse as YAML: that is an error of its own, not the CRD's.
        #expect(!report.errors.contains { $0.file == crd }, "\(report.errors)")
        #expect(report.errors.contains { $0.file.hasSuffix("templates/customresourcedefinition.yaml") })

        // The same through the command line.
        let result = try Shell.run(
            [Paths.changegate.path, "diff", "--repo", repo.path, "--format", "json", base, head],
            environment: GitFixture.baseEnvironment)
        let json = try jsonObject(result.stdout)
        let changes = try #require(json["changes"] as? [[String: Any]])
        let cli = changes.filter { $0["file"] as? String == crd }
        #expect(cli.count == added.count && cli.allSatisfy { $0["kind"] as? String == "added" })
    }

    static func lines(_ prefix: String, _ count: Int) -> [String] {
        (1...count).map { "\(prefix)_setting_\($0): value \($0 * 7919 % 1000)" }
    }

    static func text(_ lines: [String]) -> String { lines.joined(separator: "\n") + "\n" }

    /// Our file list equals git's, scores included; returns git's.
    @discardableResult
    static func expectSameAsGit(_ repo: GitFixture, _ base: String, _ head: String) throws -> [String] {
        let expected = try gitNameStatus(repo, base, head)
        let repository = try Repository(path: repo.path)
        #expect(try ours(repository, base, head) == expected)
        return expected
    }

    @Test("a file moved keeping its name pairs by basename first, even when another file is more similar")
    func basenameFirst() throws {
        var repo = try GitFixture(label: "basename")
        defer { repo.remove() }
        let body = Self.lines("ttl", 40)
        try repo.write("db/prod/patroni.yaml", Self.text(body))
        let base = try repo.commit("base")
        try repo.remove("db/prod/patroni.yaml")
        var moved = body
        for i in stride(from: 0, to: 40, by: 5) { moved[i] = "changed_\(i): 1" }  // 80% similar
        try repo.write("db/staging/patroni.yaml", Self.text(moved))
        var copy = body
        copy[0] = "changed: 1"  // 97% similar, another name
        try repo.write("db/prod/other.yaml", Self.text(copy))
        let head = try repo.commit("head")
        let git = try Self.expectSameAsGit(repo, base, head)
        #expect(git.contains { $0.hasPrefix("R") && $0.hasSuffix("db/prod/patroni.yaml\tdb/staging/patroni.yaml") })

        // Under 75% the basename does not pair them first; the most similar file wins.
        var far = body
        for i in stride(from: 0, to: 40, by: 3) { far[i] = "changed_\(i): 1" }  // about 65% similar
        try repo.write("db/staging/patroni.yaml", Self.text(far))
        let head2 = try repo.commit("head 2")
        let git2 = try Self.expectSameAsGit(repo, base, head2)
        #expect(git2.contains { $0.hasPrefix("R") && $0.hasSuffix("db/prod/patroni.yaml\tdb/prod/other.yaml") })
    }

    @Test("identical files pair as git's exact renames: first unused source, the same basename preferred")
    func identicalCopies() throws {
        var repo = try GitFixture(label: "identical")
        defer { repo.remove() }
        let body = Self.text(Self.lines("same", 20))
        for path in ["a/x.yaml", "b/x.yaml", "c/y.yaml", "d/empty.yaml", "e/empty.yaml"] {
            try repo.write(path, path.hasSuffix("empty.yaml") ? "" : body)
        }
        let base = try repo.commit("base")
        for path in ["a/x.yaml", "b/x.yaml", "c/y.yaml", "d/empty.yaml", "e/empty.yaml"] { try repo.remove(path) }
        for path in ["m/z.yaml", "n/y.yaml", "o/x.yaml", "p/w.yaml", "q/empty.yaml", "r/other.yaml"] {
            try repo.write(path, path.hasSuffix("empty.yaml") || path.hasSuffix("other.yaml") ? "" : body)
        }
        let head = try repo.commit("head")
        let git = try Self.expectSameAsGit(repo, base, head)
        #expect(git.filter { $0.hasPrefix("R100") }.count == 5, "\(git)")
    }

    @Test("symlinks and submodules move only unchanged; a file type change is no rename")
    func nonRegularFiles() throws {
        var repo = try GitFixture(label: "kinds")
        defer { repo.remove() }
        try repo.write("db/a.yaml", Self.text(Self.lines("a", 30)))
        try FileManager.default.createSymbolicLink(
            atPath: repo.url.appendingPathComponent("link").path, withDestinationPath: "db/a.yaml")
        try FileManager.default.createSymbolicLink(
            atPath: repo.url.appendingPathComponent("edited-link").path, withDestinationPath: "db/c.yaml")
        let base = try repo.commit("base")
        try repo.git(["update-index", "--add", "--cacheinfo", "160000,\(base),vendor/module"])
        try repo.git(["commit", "-q", "-m", "a submodule"])
        let withModule = try repo.revParse("HEAD")
        try repo.git(["mv", "link", "moved-link"])
        try repo.remove("edited-link")
        try FileManager.default.createSymbolicLink(
            atPath: repo.url.appendingPathComponent("other-link").path, withDestinationPath: "db/a.yml")
        try repo.git(["update-index", "--force-remove", "vendor/module"])
        try repo.git(["update-index", "--add", "--cacheinfo", "160000,\(base),third_party/module"])
        // The file's content comes back elsewhere, and a symlink takes its place.
        try repo.git(["mv", "db/a.yaml", "db/b.yaml"])
        try FileManager.default.createSymbolicLink(
            atPath: repo.url.appendingPathComponent("db/a.yaml").path, withDestinationPath: "b.yaml")
        try repo.git(["add", "-A"])
        try repo.git(["update-index", "--add", "--cacheinfo", "160000,\(base),third_party/module"])
        try repo.git(["commit", "-q", "-m", "moves"])
        let head = try repo.revParse("HEAD")
        let git = try Self.expectSameAsGit(repo, withModule, head)
        #expect(git.contains("R100\tvendor/module\tthird_party/module"), "\(git)")
        #expect(git.contains("R100\tlink\tmoved-link"), "\(git)")
        #expect(git.contains("D\tedited-link") && git.contains("A\tother-link") && git.contains("T\tdb/a.yaml"))
    }

    @Test("past git's rename limit only exact and basename renames are found")
    func renameLimit() throws {
        var repo = try GitFixture(label: "limit")
        defer { repo.remove() }
        let similar = Self.lines("similar", 30)
        let moved = Self.lines("moved", 30)
        try repo.write("keep/similar.yaml", Self.text(similar))
        try repo.write("keep/moved.yaml", Self.text(moved))
        try repo.write("keep/exact.yaml", "exact: true\n")
        for i in 0..<1_000 { try repo.write("old/o\(i).txt", "old \(i)\n") }
        let base = try repo.commit("base")
        // After the exact and the basename renames, 1,001 deletions are left against 1,001
        // additions: past 1,000 × 1,000 pairs.
        try repo.remove("keep")
        try repo.remove("old")
        var edited = similar
        edited[0] = "edited: 1"
        try repo.write("new/other-name.yaml", Self.text(edited))
        var movedEdited = moved
        movedEdited[0] = "edited: 1"
        try repo.write("new/moved.yaml", Self.text(movedEdited))
        try repo.write("new/exact-elsewhere.yaml", "exact: true\n")
        for i in 0..<1_000 { try repo.write("fresh/n\(i).txt", "new \(i)\n") }
        let head = try repo.commit("head")
        let git = try Self.expectSameAsGit(repo, base, head)
        #expect(git.filter { $0.hasPrefix("R") }.count == 2, "\(git.filter { $0.hasPrefix("R") })")
        #expect(git.contains("A\tnew/other-name.yaml"))
    }
}
