import ChangeGate
import TestSupport
import Testing

/// ``SettingsDiff`` compares settings pairwise while the keys of both sides line up and by key
/// from the first that does not; its result must be that of matching every key by name.
@Suite("Settings diff")
struct SettingsDiffTests {
    @Test("pairwise and by-key matching agree on edits, insertions, deletions and reorders (500 random pairs)")
    func alignedMatchingAgreesWithMatchingByKey() {
        var random = SeededGenerator(seed: 7)
        for round in 0..<500 {
            let count = Int.random(in: 0...60, using: &random)
            let base = (0..<count).map { index in
                Setting(
                    key: "section_\(index / 7).key_\(index)", value: .integer(Int.random(in: 0...3, using: &random)),
                    position: SourcePosition(line: index + 1, column: 3))
            }
            var head = base
            for _ in 0..<Int.random(in: 0...4, using: &random) {
                switch Int.random(in: 0...4, using: &random) {
                case 0 where !head.isEmpty:  // a value changes (or its type)
                    let index = Int.random(in: 0..<head.count, using: &random)
                    head[index].value = Bool.random(using: &random) ? .string("1") : .integer(9)
                case 1:  // a key is inserted somewhere
                    let index = Int.random(in: 0...head.count, using: &random)
                    head.insert(
                        Setting(
                            key: "new_\(round)_\(index)", value: .bool(true),
                            position: SourcePosition(line: 90, column: 1)), at: index)
                case 2 where !head.isEmpty:  // a key is deleted
                    head.remove(at: Int.random(in: 0..<head.count, using: &random))
                case 3 where head.count > 1:  // two keys swap places
                    let a = Int.random(in: 0..<head.count, using: &random)
                    let b = Int.random(in: 0..<head.count, using: &random)
                    head.swapAt(a, b)
                default:  // the whole side is shuffled
                    head.shuffle(using: &random)
                }
            }
            let found = SettingsDiff.changes(file: "f.yaml", base: base, head: head)
            let expected = Self.changesByKey(base: base, head: head)
            #expect(found == expected, "round \(round)")
        }
    }

    @Test("a key moved and changed is one modification; a file that only reorders its keys has no change")
    func reorderedKeys() {
        let a = Setting(key: "a", value: .integer(1), position: SourcePosition(line: 1, column: 1))
        let b = Setting(key: "b", value: .integer(2), position: SourcePosition(line: 2, column: 1))
        var movedB = b
        movedB.position = SourcePosition(line: 1, column: 1)
        #expect(SettingsDiff.changes(file: "f", base: [a, b], head: [movedB, a]).isEmpty)
        var changedA = a
        changedA.value = .integer(5)
        changedA.position = SourcePosition(line: 2, column: 1)
        let changes = SettingsDiff.changes(file: "f", base: [a, b], head: [movedB, changedA])
        #expect(changes.map(\.key) == ["a"])
        #expect(changes.first?.kind == .modified)
        #expect(changes.first?.baseLine == 1)
        #expect(changes.first?.headLine == 2)
    }

    /// The plain definition: every key matched by name.
    static func changesByKey(base: [Setting], head: [Setting]) -> [SettingChange] {
        let old = Dictionary(base.map { ($0.key, $0) }, uniquingKeysWith: { _, last in last })
        let new = Dictionary(head.map { ($0.key, $0) }, uniquingKeysWith: { _, last in last })
        var changes: [SettingChange] = []
        for key in Set(old.keys).union(new.keys).sorted() {
            switch (old[key], new[key]) {
            case (let o?, let n?) where !o.value.isSameSetting(as: n.value):
                changes.append(
                    SettingChange(
                        file: "f.yaml", key: key, kind: .modified, old: o.value, new: n.value,
                        baseLine: o.position.line, headLine: n.position.line))
            case (let o?, nil):
                changes.append(
                    SettingChange(
                        file: "f.yaml", key: key, kind: .removed, old: o.value, new: nil, baseLine: o.position.line,
                        headLine: nil))
            case (nil, let n?):
                changes.append(
                    SettingChange(
                        file: "f.yaml", key: key, kind: .added, old: nil, new: n.value, baseLine: nil,
                        headLine: n.position.line))
            default: break
            }
        }
        return changes
    }
}
