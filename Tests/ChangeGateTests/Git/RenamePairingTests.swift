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
}
