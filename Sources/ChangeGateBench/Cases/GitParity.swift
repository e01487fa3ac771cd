import Foundation

/// ChangeGate beside git on the same repository (issue 19's table): `history` against `git log -p`
/// on many small files and on real histories, `diff` between far-apart tags against `git diff
/// --stat`, and a one-commit `check` against `git diff HEAD~1 HEAD`, all whole processes, run
/// alternately.
///
/// The real repositories are local clones named by environment variables (`CHANGEGATE_BENCH_CNPG`:
/// cloudnative-pg/cloudnative-pg, `CHANGEGATE_BENCH_PATRONI`: patroni/patroni); without one, its
/// cases are listed as skipped.
struct GitParity {
    let changegate: String
    let policies: String
    let scratch: String
    let environment: [String: String]

    static let cloudNativePGVariable = "CHANGEGATE_BENCH_CNPG"
    static let patroniVariable = "CHANGEGATE_BENCH_PATRONI"

    private var git: String {
        get throws {
            try Shell.output("sh", ["-c", "command -v git"]).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    private var input: String {
        let path = scratch + "/empty.input"
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: Data())
        }
        return path
    }

    private func run(_ executable: String, _ arguments: [String]) throws {
        _ = try Spawn.run(executable, arguments, inputFile: input, environment: [:], directory: scratch)
    }

    /// `history` on a repository of small Patroni files, against `git log -p` on the policy's
    /// globs and on the folder a user would type (`db`).
    func smallFiles(_ repository: SyntheticRepository, runs: Int) throws -> [Benchmark] {
        let git = try git
        let globs = try HistoryScan.pathspecs(policyPath: policies + "/failover.policy")
        let rows = try Shell.lineCount(
            changegate, ["history", "--no-index", "--repo", repository.path, "--ref", "main", "--format", "ndjson"])
        let shape =
            "\(try repository.count("main").formatted()) commits of \(repository.shape.files.formatted()) small YAML files"
        let history = {
            try run(
                changegate, ["history", "--no-index", "--repo", repository.path, "--ref", "main", "--format", "ndjson"])
        }
        return [
            Benchmark(
                name: "history: \(shape) vs git log -p (policy globs)", target: .ratio(1.0), warmUp: 1, runs: runs,
                subject: history,
                reference: (
                    "`git log -p -- <policy globs>`",
                    { try run(git, ["-C", repository.path, "log", "-p", "--format=%H", "main", "--"] + globs) }
                ),
                note: "every file a Patroni YAML of about 620 bytes, one to three changed per commit; "
                    + "`changegate history --ref main --format ndjson` (\(rows.formatted()) changes listed) against "
                    + "`git log -p` limited to the policy's \(globs.count) `files` globs as `:(glob)` pathspecs."),
            Benchmark(
                name: "history: \(shape) vs git log -p -- db", target: .ratio(1.0), warmUp: 1, runs: runs,
                subject: history,
                reference: (
                    "`git log -p -- db`",
                    { try run(git, ["-C", repository.path, "log", "-p", "--format=%H", "main", "--", "db"]) }
                ),
                note: "the same against git on the pathspec a user would type: the folder the files are in "
                    + "(git pays less for one plain pathspec than for the policy's globs)."),
        ]
    }

    /// The responder's question on an indexed repository, against the same scan without the index.
    func indexedQuery(_ repository: SyntheticRepository) throws -> Benchmark {
        let query = ["--ref", "main", "--since", "30d", "--setting", "bootstrap.dcs.*", "--format", "ndjson"]
        // The first scan fills the index (GIT_DIR/changegate/history-index.sqlite), as a responder's first
        // question would; the timed runs read it and the commits it has not seen.
        try run(changegate, ["history", "--repo", repository.path] + query)
        let commits = try repository.count("main")
        return Benchmark(
            name: "history --since 30d --setting 'bootstrap.dcs.*', indexed (\(commits.formatted()) commits)",
            target: .milliseconds(100), warmUp: 2, runs: 11,
            subject: { try run(changegate, ["history", "--repo", repository.path] + query) },
            reference: (
                "the same with `--no-index`",
                { try run(changegate, ["history", "--no-index", "--repo", repository.path] + query) }
            ),
            note: "the incident question on a repository whose history index a first scan filled: the walk "
                + "reads each commit's changes from the index and parses nothing; the reference reads every "
                + "commit of the window from the repository.")
    }

    /// `check` of the newest commit, against `git diff HEAD~1 HEAD`.
    func oneCommitCheck(_ repository: SyntheticRepository) throws -> Benchmark {
        let git = try git
        let base = try repository.resolve("main~1")
        let head = try repository.resolve("main")
        // A trail of its own, kept from run to run as a server's is: each check appends one record.
        let audit = scratch + "/check-one-commit.sqlite"
        for suffix in ["", "-wal", "-shm", ".head", ".lock"] {
            try? FileManager.default.removeItem(atPath: audit + suffix)
        }
        return Benchmark(
            name: "check: a 1-commit change, whole process (\(repository.shape))", target: .milliseconds(12),
            warmUp: 3, runs: 21,
            subject: {
                try run(
                    changegate, ["check", "--repo", repository.path, "--base", base, "--head", head, "--audit", audit])
            },
            reference: ("`git diff HEAD~1 HEAD`", { try run(git, ["-C", repository.path, "diff", base, head]) }),
            note: "`changegate check --base main~1 --head main` with the shipped policy at the head and an "
                + "audit trail each run appends its decision to (with fsync), against `git diff` of the same pair.")
    }

    /// The cases on the real repositories that are cloned here; the others, skipped.
    func realRepositories(runs: Int) throws -> (cases: [Benchmark], skipped: [SkippedCase]) {
        var cases: [Benchmark] = []
        var skipped: [SkippedCase] = []
        let git = try git
        if let clone = environment[Self.cloudNativePGVariable], !clone.isEmpty {
            let commits = try Shell.output("git", ["-C", clone, "rev-list", "--count", "HEAD"])
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let folder = scratch + "/cnpg-releases-policy"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try """
            policy "cnpg-releases"
            files "releases/*.yaml"
            watch "**" weight 1 tag manifest

            """.write(toFile: folder + "/releases.policy", atomically: true, encoding: .utf8)
            let rows = try Shell.lineCount(
                changegate, ["history", "--no-index", "--repo", clone, "--policy", folder, "--format", "ndjson"])
            cases.append(
                Benchmark(
                    name: "history: cloudnative-pg's release manifests (\(commits) commits) vs git log -p",
                    target: .ratio(2.0), warmUp: 1, runs: runs,
                    subject: {
                        try run(
                            changegate,
                            ["history", "--no-index", "--repo", clone, "--policy", folder, "--format", "ndjson"])
                    },
                    reference: (
                        "`git log -p -- 'releases/*.yaml'`",
                        { try run(git, ["-C", clone, "log", "-p", "--format=%H", "--", "releases/*.yaml"]) }
                    ),
                    note: "a policy reading `releases/*.yaml` (the operator's manifests, up to 1.2 MB each) and "
                        + "watching every key: \(rows.formatted()) changes listed as NDJSON."))
            cases.append(
                Benchmark(
                    name: "history: cloudnative-pg, the shipped policy (\(commits) commits) vs git log -p",
                    target: .ratio(2.0), warmUp: 1, runs: runs,
                    subject: {
                        try run(
                            changegate,
                            ["history", "--no-index", "--repo", clone, "--policy", policies, "--format", "ndjson"])
                    },
                    reference: (
                        "`git log -p -- '*.yaml' '*.yml'`",
                        { try run(git, ["-C", clone, "log", "-p", "--format=%H", "--", "*.yaml", "*.yml"]) }
                    ),
                    note: "the shipped catalogue (policies/) on the real repository: its `detect cnpg` reads every "
                        + "YAML file to find CloudNativePG's; git shows every YAML file's changes."))
            if let diff = try tagDiff(clone: clone, name: "cloudnative-pg", from: "v1.5.0", git: git) {
                cases.append(diff)
            }
        } else {
            skipped.append(
                SkippedCase(
                    name: "history and diff on cloudnative-pg", reason: "set \(Self.cloudNativePGVariable) to a clone"))
        }
        if let clone = environment[Self.patroniVariable], !clone.isEmpty {
            if let diff = try tagDiff(clone: clone, name: "patroni", from: "v1.0", git: git) { cases.append(diff) }
        } else {
            skipped.append(SkippedCase(name: "diff on patroni", reason: "set \(Self.patroniVariable) to a clone"))
        }
        return (cases, skipped)
    }

    /// `diff` from an old tag to the newest, against `git diff --stat`.
    private func tagDiff(clone: String, name: String, from: String, git: String) throws -> Benchmark? {
        guard
            let newest = try Shell.output("git", ["-C", clone, "tag", "--sort=-version:refname"])
                .split(separator: "\n").first(where: {
                    !$0.contains("rc") && !$0.contains("beta") && !$0.contains("alpha")
                })
        else { return nil }
        let to = String(newest)
        return Benchmark(
            name: "diff: \(name) \(from)..\(to) vs git diff --stat", target: .ratio(4.0), warmUp: 1, runs: 11,
            subject: { try run(changegate, ["diff", "--repo", clone, from, to]) },
            reference: ("`git diff --stat`", { try run(git, ["-C", clone, "diff", "--stat", from, to]) }),
            note: "`changegate diff \(from) \(to)` (every YAML, JSON and TOML file, renames detected) against `git "
                + "diff --stat` of the same tags.")
    }
}
