import ChangeGate
import Foundation
import Testing

/// nst/JSONTestSuite: `y_` files must be accepted, `n_` rejected; `i_` are the implementation's choice,
/// pinned here so that a change of behaviour is seen.
@Suite(
    "JSONTestSuite",
    .enabled(if: Paths.testdata != nil, "../shared/testdata is absent: JSONTestSuite skipped"))
struct JSONTestSuiteTests {
    /// The implementation-defined cases ChangeGate accepts; every other `i_` case is rejected.
    /// (Huge exponents read as ±inf or 0. A UTF-8 byte-order mark is rejected, as Python's json, Go and
    /// Node reject it. Integers beyond 64 bits are rejected rather than silently turned into floats, and
    /// lone surrogates cannot be a Swift string.)
    static let acceptedImplementationDefined: Set<String> = [
        "i_number_double_huge_neg_exp.json", "i_number_huge_exp.json", "i_number_neg_int_huge_exp.json",
        "i_number_pos_double_huge_exp.json", "i_number_real_neg_overflow.json", "i_number_real_pos_overflow.json",
        "i_number_real_underflow.json",
    ]

    @Test("y_ accepted, n_ rejected, i_ as pinned")
    func suite() throws {
        let folder = try #require(Paths.testdata).appendingPathComponent("suites/JSONTestSuite/test_parsing")
        let files = Paths.files(under: folder, extensions: [".json"])
        #expect(files.count == 318)
        var acceptedImplementationDefined: Set<String> = []
        for file in files {
            let name = file.lastPathComponent
            let accepted =
                (try? ConfigReader().read(Array(try Data(contentsOf: file)), path: name, format: .json)) != nil
            switch name.prefix(2) {
            case "y_": #expect(accepted, "\(name) must be accepted")
            case "n_": #expect(!accepted, "\(name) must be rejected")
            default: if accepted { acceptedImplementationDefined.insert(name) }
            }
        }
        #expect(acceptedImplementationDefined == Self.acceptedImplementationDefined)
    }

    /// Through git, as the gate reads them: libgit2's binary heuristic called the two `y_` files with
    /// a DEL (U+007F) binary, and refused them, where git itself (a NUL in the first 8,000 bytes) and
    /// every JSON reader take them as text (issue 16, item 10).
    @Test("y_ files committed to git are read as git reads them: text, none refused as binary")
    func throughGit() throws {
        let folder = try #require(Paths.testdata).appendingPathComponent("suites/JSONTestSuite/test_parsing")
        let files = Paths.files(under: folder, extensions: [".json"]).filter { $0.lastPathComponent.hasPrefix("y_") }
        #expect(files.contains { $0.lastPathComponent == "y_string_with_del_character.json" })
        var repo = try GitFixture(label: "json-suite")
        defer { repo.remove() }
        try repo.write("README.md", "suite\n")
        let base = try repo.commit("base")
        for file in files {
            try Data(contentsOf: file).write(to: repo.url.appendingPathComponent(file.lastPathComponent))
        }
        try repo.git(["add", "-A"])
        try repo.commit("the y_ cases")
        // git's own judgement: `-\t-` in --numstat is binary.
        let binaryToGit = Set(
            try repo.git(["diff", "--numstat", base, "HEAD"]).split(separator: "\n").filter { $0.hasPrefix("-\t-\t") }
                .map { String($0.split(separator: "\t").last ?? "") })
        let repository = try Repository(path: repo.path)
        var differ = RepositorySettingsDiff(repository: repository, selectors: [FileSelector("*.json")])
        let report = try differ.diff(
            from: try repository.resolveCommit(base), to: try repository.resolveCommit("HEAD"))
        // (Duplicated keys that a change adds are refused on purpose: docs/security.md, 18.)
        let refused = Set(report.errors.filter { $0.message.contains("binary") }.map(\.file))
        for del in ["y_string_with_del_character.json", "y_string_unescaped_char_delete.json"] {
            #expect(!report.errors.contains { $0.file == del }, "\(del): \(report.errors.filter { $0.file == del })")
            #expect(report.changes.contains { $0.file == del }, "\(del) read no setting")
        }
        #expect(
            refused.isSubset(of: binaryToGit),
            "refused, though git reads them as text: \(refused.subtracting(binaryToGit).sorted())")
    }
}
