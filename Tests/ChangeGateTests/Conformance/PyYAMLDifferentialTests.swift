import ChangeGate
import Foundation
import Testing

/// ChangeGate's readers against Python's (PyYAML's SafeLoader, which Patroni uses, and `json`):
/// the same key paths, types and values, file by file.
@Suite("Readers vs PyYAML and Python json")
struct PyYAMLDifferentialTests {
    @Test(
        "every real config file under testdata/real reads without error and as Python reads it",
        .enabled(if: Paths.testdata != nil, "../shared/testdata is absent: real-file differential skipped"))
    func realFiles() throws {
        let root = try #require(Paths.testdata).appendingPathComponent("real")
        for (format, extensions) in [(ConfigFormat.yaml, [".yaml", ".yml"]), (.json, [".json"])] {
            let files = Paths.files(under: root, extensions: extensions)
            #expect(!files.isEmpty)
            let oracle = try PythonOracle.read(files, format: format)
            for file in files {
                let ours = changegateReading(file, format: format)
                #expect(!ours.isError, "\(file.lastPathComponent): \(ours)")
                let theirs = try #require(oracle[file.path])
                #expect(ours.agrees(with: theirs), "\(file.lastPathComponent): \(ours.difference(from: theirs))")
            }
        }
    }

    @Test("a generated corpus of 2,000 YAML documents reads exactly as PyYAML reads it")
    func generatedCorpus() throws {
        let directory = try Paths.temporaryDirectory("yaml-corpus")
        defer { try? FileManager.default.removeItem(at: directory) }
        let generator = Paths.packageRoot.appendingPathComponent("scripts/oracle/gen_yaml_corpus.py").path
        try Shell.check(["python3", generator, "--seed", "1", "--count", "2000", "--out", directory.path])
        let files = Paths.files(under: directory, extensions: [".yaml"])
        #expect(files.count == 2000)
        let oracle = try PythonOracle.read(files, format: .yaml)
        var agreed = 0
        for file in files {
            let theirs = try #require(oracle[file.path])
            #expect(!theirs.isError, "the generator wrote a file PyYAML rejects: \(file.lastPathComponent)")
            let ours = changegateReading(file, format: .yaml)
            if ours.agrees(with: theirs) {
                agreed += 1
            } else {
                Issue.record("\(file.lastPathComponent): \(ours.difference(from: theirs))")
            }
        }
        #expect(agreed == files.count)
    }
}
