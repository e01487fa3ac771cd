import ChangeGate
import Testing

@Suite("Key paths and the settings diff")
struct KeyPathTests {
    @Test("keys holding . [ ] \" space or nothing are quoted")
    func quoting() throws {
        let s = try settings(
            """
            labels:
              app.kubernetes.io/name: shop
              "a b": 1
              "": 2
              'x[0]': 3
              'say "hi"': 4
              plain-key_1: 5
            """)
        #expect(s["labels.\"app.kubernetes.io/name\""] == .string("shop"))
        #expect(s["labels.\"a b\""] == .integer(1))
        #expect(s["labels.\"\""] == .integer(2))
        #expect(s["labels.\"x[0]\""] == .integer(3))
        #expect(s["labels.\"say \\\"hi\\\"\""] == .integer(4))
        #expect(s["labels.plain-key_1"] == .integer(5))
    }

    @Test("list items are addressed by name, else id, else key, else index")
    func listAddressing() throws {
        let s = try settings(
            """
            members:
              - {name: db-1, priority: 100}
              - {name: db-2, priority: 90}
            byId:
              - {id: 7, v: a}
              - {id: 8, v: b}
            byKey:
              - {key: k1, v: a}
            duplicateNames:
              - {name: same, v: 1}
              - {name: same, v: 2}
            mixed:
              - {name: a}
              - plain
            hosts: [a, b]
            """)
        #expect(s["members[name=db-2].priority"] == .integer(90))
        #expect(s["byId[id=8].v"] == .string("b"))
        #expect(s["byKey[key=k1].v"] == .string("a"))
        #expect(s["duplicateNames[1].v"] == .integer(2))
        #expect(s["mixed[1]"] == .string("plain"))
        #expect(s["hosts[0]"] == .string("a"))
    }

    @Test("reordering keys or keyed items, comments, whitespace and quoting are no change")
    func noChange() throws {
        let base = "# c\na: 1\nb: \"x\"\nmembers:\n  - {name: p, v: 1}\n  - {name: s, v: 2}\n"
        let head = "b:   'x'\nmembers:\n  - name: s\n    v: 2\n  - {name: p, v: 1}   # moved\na: 1\n"
        #expect(try changes(base, head).isEmpty)
    }

    @Test("a type change is a modification and says so")
    func typeChange() throws {
        let result = try changes("ttl: 30\n", "ttl: \"30\"\n")
        #expect(result.count == 1)
        #expect(result.first?.kind == .modified)
        #expect(result.first?.typeChanged == true)
        #expect(result.first?.old == .integer(30))
        #expect(result.first?.new == .string("30"))
    }

    @Test("added, removed and modified keys carry both lines")
    func kinds() throws {
        let result = try changes("a: 1\nb: 2\n", "a: 5\nc: 3\n")
        #expect(result.map(\.key) == ["a", "b", "c"])
        #expect(result.map(\.kind) == [.modified, .removed, .added])
        #expect(result[0].baseLine == 1 && result[0].headLine == 1)
        #expect(result[1].baseLine == 2 && result[1].headLine == nil)
        #expect(result[2].baseLine == nil && result[2].headLine == 2)
    }

    @Test("a whole file added or deleted shows all its keys")
    func wholeFile() throws {
        let parsed = try ConfigReader().read(Array("a: 1\nb: {c: 2}\n".utf8), path: "n.yaml")
        let added = try SettingsDiff.changes(file: "n.yaml", base: nil, head: parsed)
        #expect(added.map(\.key) == ["a", "b.c"])
        #expect(added.allSatisfy { $0.kind == .added })
        let removed = try SettingsDiff.changes(file: "n.yaml", base: parsed, head: nil)
        #expect(removed.allSatisfy { $0.kind == .removed })
    }

    private func changes(_ base: String, _ head: String) throws -> [SettingChange] {
        let reader = ConfigReader()
        return try SettingsDiff.changes(
            file: "f.yaml", base: try reader.read(Array(base.utf8), path: "f.yaml"),
            head: try reader.read(Array(head.utf8), path: "f.yaml"))
    }
}
