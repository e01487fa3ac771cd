import ChangeGate
import Foundation
import Testing

/// Every version of real failover config files (testdata/history), replayed as git histories with
/// their original authors and dates, diffed pair by pair and checked against Python's reading.
@Suite(
    "Real file histories",
    .enabled(if: Paths.testdata != nil, "../shared/testdata is absent: history replay skipped"))
struct HistoryReplayTests {
    struct Version {
        var number: String
        var date: String
        var email: String
        var present: Bool
        var subject: String
    }

    static func versions(in folder: URL) throws -> [Version] {
        try String(contentsOf: folder.appendingPathComponent("index.tsv"), encoding: .utf8)
            .split(separator: "\n").map { line in
                let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                return Version(number: f[0], date: f[2], email: f[3], present: f[4] == "present", subject: f[5])
            }
    }

    @Test(
        "each consecutive pair diffs without error, and the changed keys equal Python's",
        arguments: [
            ("patroni-postgres0", "postgres0.yml", ConfigFormat.yaml),
            ("orchestrator-sample", "conf/orchestrator-sample.conf.json", ConfigFormat.json),
        ])
    func replay(folderName: String, path: String, format: ConfigFormat) throws {
        let folder = try #require(Paths.testdata).appendingPathComponent("history/\(folderName)")
        let versions = try Self.versions(in: folder)
        #expect(versions.count > 30)
        let repo = try GitFixture(label: "history-\(folderName)")
        defer { repo.remove() }
        var commits: [String] = []
        for version in versions {
            if version.present {
                try repo.write(path, try Data(contentsOf: folder.appendingPathComponent("\(version.number).data")))
            } else {
                try? repo.remove(path)
            }
            try repo.git(["add", "-A"])
            let env = ["GIT_AUTHOR_DATE": version.date, "GIT_COMMITTER_DATE": version.date]
            try repo.git(
                [
                    "commit", "-q", "--allow-empty", "--author", "\(version.email) <\(version.email)>", "-m",
                    version.subject,
                ],
                environment: env)
            commits.append(try repo.revParse("HEAD"))
        }
        let dataFiles = versions.filter(\.present).map { folder.appendingPathComponent("\($0.number).data") }
        let oracle = try PythonOracle.read(dataFiles, format: format)

        let repository = try Repository(path: repo.path)
        var differ = RepositorySettingsDiff(repository: repository)
        var totalChanges = 0
        for index in 1..<versions.count {
            let report = try differ.diff(
                from: try repository.resolveCommit(commits[index - 1]), to: try repository.resolveCommit(commits[index])
            )
            #expect(report.errors.isEmpty, "version \(versions[index].number): \(report.errors)")
            totalChanges += report.changes.count
            // Python's view of the same pair: the keys whose value differs, appeared or vanished.
            func pythonSettings(_ version: Version) -> [String: ConfigValue] {
                guard version.present,
                    case .settings(let s)? = oracle[folder.appendingPathComponent("\(version.number).data").path]
                else { return [:] }
                return s
            }
            let before = pythonSettings(versions[index - 1])
            let after = pythonSettings(versions[index])
            let expected = Set(before.keys).union(after.keys).filter { key in
                guard let b = before[key], let a = after[key] else { return true }
                return !b.isSameSetting(as: a)
            }
            #expect(Set(report.changes.map(\.key)) == expected, "version \(versions[index].number)")
        }
        #expect(totalChanges > 50)
    }
}
