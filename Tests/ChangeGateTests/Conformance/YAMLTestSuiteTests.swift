import ChangeGate
import Foundation
import Testing

/// yaml/yaml-test-suite through ChangeGate's YAML reader and PyYAML side by side. The reference is
/// PyYAML (YAML 1.1 scalars, as Patroni reads them), not the suite's YAML 1.2 `in.json`.
///
/// With PyYAML's libyaml-based loader, every case must agree: accepted or rejected alike, and the same
/// settings when accepted. PyYAML's pure-Python parser (what `yaml.safe_load` uses) is a different
/// scanner that disagrees with libyaml on a few inputs — tabs as separators, reserved directives,
/// `?` inside flow scalars; those cases are pinned here, so that any new difference fails. On tabs,
/// ChangeGate follows the pure-Python scanner (a file Patroni refuses must not pass as "no change"),
/// so those cases are pinned as differences from the libyaml-based loader instead.
@Suite(
    "yaml-test-suite",
    .enabled(if: Paths.testdata != nil, "../shared/testdata is absent: yaml-test-suite skipped"))
struct YAMLTestSuiteTests {
    /// Cases where libyaml (ChangeGate, PyYAML's C loader) and PyYAML's pure-Python parser differ.
    static let pythonParserDifferences: Set<String> = [
        // libyaml rejects reserved or 1.3 directives that the Python scanner only warns about.
        "2LFX", "6LVF", "BEC7", "MUS6/05", "MUS6/06", "4ABK",
        // Tabs before a block scalar's content: libyaml rejects, the Python scanner accepts.
        "96NN/00", "96NN/01", "R4YG", "Y79Y/001",
        // `?` and empty keys in flow collections: accepted by libyaml only.
        "JR7V", "WZ62",
        // Directive and block-scalar forms the suite marks invalid; libyaml accepts them.
        "MUS6/00", "X4QW",
    ]

    /// Tabs that YAML allows as separation and libyaml accepts, but `yaml.safe_load` refuses: ChangeGate
    /// refuses them too (issue 14, item 10), so these differ from the libyaml-based loader only.
    static let refusedTabs: Set<String> = [
        "6HB6", "DC7X", "DK95/05", "DK95/07", "HS5T", "J3BT", "K54U", "NB6Z", "UV7Q", "Y79Y/002", "Y79Y/003",
        // A tab after a directive's value.
        "MUS6/03",
    ]

    /// Where PyYAML's C loader itself differs from its pure-Python loader in construction, ChangeGate
    /// follows the pure-Python one (`yaml.safe_load`): a bare `!` is null there, "" in the C loader.
    static let cLoaderConstructionDifferences: Set<String> = ["UKK6/02"]

    struct Case {
        var name: String
        var url: URL
    }

    static func cases() throws -> [Case] {
        let root = try #require(Paths.testdata).appendingPathComponent("suites/yaml-test-suite")
        return Paths.files(under: root, extensions: ["in.yaml"]).map { url in
            Case(name: url.path.dropFirst(root.path.count + 1).replacingOccurrences(of: "/in.yaml", with: ""), url: url)
        }
    }

    @Test("every case reads exactly as PyYAML with libyaml reads it, but the pinned construction and tab differences")
    func againstLibyamlLoader() throws {
        let cases = try Self.cases()
        #expect(cases.count > 300)
        let oracle = try PythonOracle.read(cases.map(\.url), format: .yaml, libyaml: true)
        var valid = 0
        for testCase in cases {
            let theirs = try #require(oracle[testCase.url.path])
            let ours = changegateReading(testCase.url, format: .yaml)
            let agrees = ours.agrees(with: theirs)
            #expect(
                agrees
                    != (Self.cLoaderConstructionDifferences.contains(testCase.name)
                        || Self.refusedTabs.contains(testCase.name)),
                "\(testCase.name): \(ours.difference(from: theirs))")
            if !ours.isError { valid += 1 }
        }
        #expect(valid > 200)
    }

    @Test("against PyYAML's pure-Python parser, only the pinned parser differences remain")
    func againstPythonParser() throws {
        let cases = try Self.cases()
        let oracle = try PythonOracle.read(cases.map(\.url), format: .yaml)
        var differences: Set<String> = []
        for testCase in cases {
            let theirs = try #require(oracle[testCase.url.path])
            if !changegateReading(testCase.url, format: .yaml).agrees(with: theirs) {
                differences.insert(testCase.name)
            }
        }
        #expect(differences == Self.pythonParserDifferences)
    }
}
