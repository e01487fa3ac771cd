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
}
