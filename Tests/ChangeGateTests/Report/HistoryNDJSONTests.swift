import ChangeGate
import Foundation
import Testing

/// `history --format ndjson` writes its lines straight as bytes (issue 19); they must be the text
/// the JSON tree of each row (``HistoryRenderer/ndjsonRow(_:of:)``) serializes to, for every kind
/// of value and every character that needs an escape.
@Suite("history's NDJSON lines, written as bytes, equal the JSON tree's")
struct HistoryNDJSONTests {
    static let awkward = [
        "", "plain", "quote \" backslash \\ slash /", "new\nline\ttab\rreturn", "\u{1}\u{1f}\u{7f}",
        "ünïcödé ✓ 中文 🚀", "\u{2028}\u{2029}", "\u{0}nul",
    ]

    static func values() -> [ConfigValue?] {
        let at = SourcePosition(line: 1, column: 1)
        var map = ConfigMap()
        map.set("a \"key\"", ConfigNode(.integer(1), at: at), keyPosition: at)
        map.set("b", ConfigNode(.list([ConfigNode(.string("x\ny"), at: at)]), at: at), keyPosition: at)
        let scalars: [ConfigValue?] = [
            nil, .null, .bool(true), .bool(false), .integer(0), .integer(-42), .integer(Int.max), .float(0.5),
            .float(-1e300), .float(.nan), .float(.infinity), .float(-.infinity), .float(3),
        ]
        return scalars + awkward.map { .string($0) } + [.list([]), .map(ConfigMap()), .map(map)]
    }

    @Test("every value kind, escapes, previous files, tags and none")
    func sameText() throws {
        let id = try #require(ObjectID(hex: String(repeating: "ab", count: 20)))
        let values = Self.values()
        var rows: [HistoryRow] = []
        for (index, value) in values.enumerated() {
            let text = Self.awkward[index % Self.awkward.count]
            rows.append(
                HistoryRow(
                    file: "db/\(text).yaml", previousFile: index % 3 == 0 ? "old/\(text).yml" : nil, key: "k.\(text)",
                    kind: [ChangeKind.added, .removed, .modified, .renamed][index % 4],
                    old: values[(index + 1) % values.count], new: value, line: index % 5 == 0 ? nil : index,
                    watched: index % 2 == 0, weight: index * 7 - 20, tags: Array(Self.awkward.prefix(index % 4))))
        }
        for subject in Self.awkward {
            let commit = HistoryCommit(
                id: id, time: 1_717_509_300, author: "frank\(subject)@example.com", subject: subject, rows: rows)
            var renderer = HistoryRenderer(format: .ndjson, query: HistoryQuery(), policy: nil, head: id)
            let written = renderer.commit(commit)
            let tree = rows.map { HistoryRenderer.ndjsonRow($0, of: commit).serialized() + "\n" }.joined()
            #expect(written == tree)
            // Each line is JSON a parser reads back.
            for line in written.split(separator: "\n") {
                #expect(throws: Never.self) { try JSONSerialization.jsonObject(with: Data(line.utf8)) }
            }
        }
    }
}
