import ChangeGate
import Foundation
import TestSupport
import Testing

/// Randomized histories, checked against `git diff --name-status -M` on the same pairs of commits.
@Suite("Tree diff vs git")
struct TreeDiffDifferentialTests {
    /// A text file of the random histories: its lines and how they end.
    private struct Text: Equatable {
        var lines: [String]
        var crlf = false
        var finalNewline = true

        var content: String {
            let separator = crlf ? "\r\n" : "\n"
            return lines.joined(separator: separator) + (finalNewline && !lines.isEmpty ? separator : "")
        }
    }

    /// Builds a random history: adds, edits, deletes, pure and edited renames, mode changes,
    /// symlinks, binary files, nested folders; and the cases where rename pairing is delicate:
    /// edits near the 50% threshold, files moved keeping their basename, a file split in two as
    /// postgres-operator 0529408 split a Helm template (each part under half of it), identical
    /// copies, ties between equally similar files, empty and one-line files, files without a final
    /// newline, lines past git's 64-byte chunks, CRLF files.
    private static func randomHistory(seed: UInt64, commits: Int) throws -> (GitFixture, [String]) {
        var rng = SeededGenerator(seed: seed)
        var repo = try GitFixture(label: "random-\(seed)")
        var files: [String: Text] = [:]
        var binaries: Set<String> = []
        var links: Set<String> = []
        var serial = 0
        let folders = ["", "db/", "db/prod/", "db/staging/", "services/a/", "services/b/deep/nested/", "conf/"]
        let extensions = ["yaml", "yml", "json", "toml", "conf", "txt"]

        func freshLine(long: Bool = false) -> String {
            serial += 1
            let line =
                "line \(serial) \(UInt32.random(in: 0...UInt32.max, using: &rng)) \(UInt32.random(in: 0...UInt32.max, using: &rng))"
            guard long else { return line }
            return line + " " + String(repeating: "x\(serial % 10)", count: Int.random(in: 30...90, using: &rng))
        }
        func freshLines(_ count: Int, long: Bool = false) -> [String] { (0..<count).map { _ in freshLine(long: long) } }
        /// A line of the same length whatever the serial: for ties, where sizes must be equal.
        func fixedWidthLine() -> String {
            serial += 1
            return
                "tie \(String(1_000_000 + serial)) \(String(UInt32.random(in: 1_000_000_000...UInt32.max, using: &rng)))"
        }
        func taken(_ path: String) -> Bool {
            files[path] != nil || binaries.contains(path) || links.contains(path)
        }
        func newPath() -> String {
            serial += 1
            return folders.randomElement(using: &rng)! + "f\(serial)." + extensions.randomElement(using: &rng)!
        }
        /// Another folder, the same file name: what basename matching pairs first.
        func moved(_ path: String) -> String {
            let name = path.split(separator: "/").last.map(String.init) ?? path
            let target = folders.randomElement(using: &rng)! + name
            return taken(target) ? newPath() : target
        }
        func write(_ path: String) throws {
            try repo.write(path, files[path]!.content)
        }
        /// Replaces about `fraction` of the lines with fresh ones.
        func edit(_ text: inout Text, fraction: Double) {
            for i in text.lines.indices where Double.random(in: 0..<1, using: &rng) < fraction {
                text.lines[i] = freshLine()
            }
        }
        func newText() -> Text {
            let roll = Int.random(in: 0..<20, using: &rng)
            var text: Text
            switch roll {
            case 0..<3: text = Text(lines: freshLines(Int.random(in: 1...3, using: &rng)))
            case 3..<5: text = Text(lines: [])
            case 5: text = Text(lines: freshLines(Int.random(in: 8...20, using: &rng), long: true))
            default: text = Text(lines: freshLines(Int.random(in: 30...50, using: &rng)))
            }
            text.crlf = Int.random(in: 0..<6, using: &rng) == 0
            text.finalNewline = Int.random(in: 0..<6, using: &rng) != 0
            return text
        }

        var ids: [String] = []
        for index in 0..<commits {
            let operations = index == 0 ? 8 : Int.random(in: 1...4, using: &rng)
            for _ in 0..<operations {
                let textPaths = files.keys.sorted()
                let roll = textPaths.count < 3 ? 0 : Int.random(in: 0..<100, using: &rng)
                switch roll {
                case 0..<14:
                    let path = newPath()
                    files[path] = newText()
                    try write(path)
                case 14..<30:
                    let path = textPaths.randomElement(using: &rng)!
                    if files[path]!.lines.isEmpty || Bool.random(using: &rng) {
                        files[path]!.lines.append(freshLine())
                    } else if Bool.random(using: &rng) {
                        let i = Int.random(in: 0..<files[path]!.lines.count, using: &rng)
                        files[path]!.lines[i] = freshLine()
                    } else {
                        edit(&files[path]!, fraction: Double.random(in: 0...0.6, using: &rng))
                    }
                    try write(path)
                case 30..<37:
                    let path = textPaths.randomElement(using: &rng)!
                    files[path] = nil
                    try repo.remove(path)
                case 37..<49:
                    // A rename: kept name or not; unedited, one line, or up to 70% of the lines edited.
                    let path = textPaths.randomElement(using: &rng)!
                    let target = Bool.random(using: &rng) ? moved(path) : newPath()
                    var text = files.removeValue(forKey: path)!
                    switch Int.random(in: 0..<10, using: &rng) {
                    case 0..<4: break
                    case 4..<7: if !text.lines.isEmpty { text.lines[0] = freshLine() }
                    default: edit(&text, fraction: Double.random(in: 0...0.7, using: &rng))
                    }
                    files[target] = text
                    try repo.remove(path)
                    try write(target)
                case 49..<54:
                    // A split: each part under (or about) half of the file, maybe edited a little,
                    // sometimes with a small third file beside.
                    let path = textPaths.randomElement(using: &rng)!
                    let text = files.removeValue(forKey: path)!
                    try repo.remove(path)
                    let cut = Int(Double(text.lines.count) * Double.random(in: 0.35...0.65, using: &rng))
                    for part in [Array(text.lines[..<cut]), Array(text.lines[cut...])] {
                        var piece = Text(lines: part, crlf: text.crlf)
                        if Bool.random(using: &rng) { edit(&piece, fraction: 0.1) }
                        let target = Int.random(in: 0..<4, using: &rng) == 0 ? moved(path) : newPath()
                        files[target] = piece
                        try write(target)
                    }
                    if Bool.random(using: &rng) {
                        let target = newPath()
                        files[target] = Text(lines: freshLines(Int.random(in: 2...6, using: &rng)))
                        try write(target)
                    }
                case 54..<60:
                    // Identical copies (the same blob) elsewhere, some keeping the name; or, where
                    // copies already exist, all of them deleted and one edited copy added.
                    let path = textPaths.randomElement(using: &rng)!
                    let text = files[path]!
                    let copies = textPaths.filter { files[$0] == text }
                    if copies.count > 1, Bool.random(using: &rng) {
                        for copy in copies {
                            files[copy] = nil
                            try repo.remove(copy)
                        }
                        var edited = text
                        if !edited.lines.isEmpty { edited.lines[edited.lines.count / 2] = freshLine() }
                        let target = Bool.random(using: &rng) ? moved(copies.randomElement(using: &rng)!) : newPath()
                        files[target] = edited
                        try write(target)
                    } else {
                        for _ in 0..<Int.random(in: 1...3, using: &rng) {
                            let target = Bool.random(using: &rng) ? moved(path) : newPath()
                            files[target] = text
                            try write(target)
                        }
                        if Bool.random(using: &rng) {
                            files[path] = nil
                            try repo.remove(path)
                        }
                    }
                case 60..<65:
                    // A tie: a file becomes two files each with one line changed to a line of the
                    // same length, so both score the same against it.
                    let path = textPaths.randomElement(using: &rng)!
                    var text = files.removeValue(forKey: path)!
                    try repo.remove(path)
                    if text.lines.count < 4 { text.lines += freshLines(8) }
                    let i = Int.random(in: 0..<text.lines.count, using: &rng)
                    text.lines[i] = fixedWidthLine()
                    for _ in 0..<2 {
                        var copy = text
                        copy.lines[i] = fixedWidthLine()
                        let target = Int.random(in: 0..<3, using: &rng) == 0 ? moved(path) : newPath()
                        files[target] = copy
                        try write(target)
                    }
                case 65..<70:
                    // Line endings flip (CR before LF is not counted in git's similarity), maybe with a move.
                    let path = textPaths.randomElement(using: &rng)!
                    var text = files.removeValue(forKey: path)!
                    text.crlf.toggle()
                    let target = Bool.random(using: &rng) ? path : moved(path)
                    if target != path { try repo.remove(path) }
                    files[target] = text
                    try write(target)
                case 70..<76:
                    let path = textPaths.randomElement(using: &rng)!
                    try repo.git(["update-index", "--chmod=\(Bool.random(using: &rng) ? "+x" : "-x")", "--add", path])
                    try repo.git(["add", path])
                    let url = repo.url.appendingPathComponent(path)
                    let executable = FileManager.default.isExecutableFile(atPath: url.path)
                    try FileManager.default.setAttributes(
                        [.posixPermissions: executable ? 0o644 : 0o755], ofItemAtPath: url.path)
                case 76..<82:
                    let path =
                        binaries.randomElement(using: &rng)
                        ?? (folders.randomElement(using: &rng)! + "blob\(serial).bin")
                    serial += 1
                    binaries.insert(path)
                    var bytes = [UInt8](repeating: 0, count: 64)
                    for i in bytes.indices where i % 3 != 0 { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
                    try repo.write(path, Data(bytes))
                case 82..<89:
                    // A file becomes a symlink: git reports a type change (T).
                    let path = textPaths.randomElement(using: &rng)!
                    files[path] = nil
                    try repo.remove(path)
                    try FileManager.default.createSymbolicLink(
                        atPath: repo.url.appendingPathComponent(path).path, withDestinationPath: "elsewhere\(serial)")
                    links.insert(path)
                default:
                    let path =
                        links.randomElement(using: &rng) ?? (folders.randomElement(using: &rng)! + "link\(serial)")
                    serial += 1
                    let url = repo.url.appendingPathComponent(path)
                    try? FileManager.default.removeItem(at: url)
                    try FileManager.default.createDirectory(
                        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                    if links.contains(path) {
                        links.remove(path)
                    } else {
                        try FileManager.default.createSymbolicLink(
                            atPath: url.path, withDestinationPath: "target\(serial)")
                        links.insert(path)
                    }
                }
            }
            ids.append(try repo.commit("commit \(index)"))
        }
        return (repo, ids)
    }

    /// `git diff --name-status -M`, with git's similarity for renames (`R087`).
    private static func gitNameStatus(_ repo: GitFixture, _ base: String, _ head: String) throws -> [String] {
        try repo.git(["diff", "--name-status", "-M", base, head]).split(separator: "\n").map(String.init).sorted()
    }

    private static func ours(_ repository: Repository, _ base: String, _ head: String) throws -> [String] {
        try repository.diff(from: repository.resolveCommit(base), to: repository.resolveCommit(head)).map { delta in
            let status =
                delta.status == .renamed
                ? "R" + String(format: "%03d", delta.similarity) : String(delta.status.letter)
            return ([status] + [delta.oldPath, delta.newPath].compactMap { $0 }.removingAdjacentDuplicates())
                .joined(separator: "\t")
        }.sorted()
    }

    @Test(
        "changed files, renames and their scores equal git diff --name-status -M over 480 commit pairs",
        arguments: [1, 2, 3, 8, 9, 10] as [UInt64])
    func matchesGit(seed: UInt64) throws {
        let (repo, ids) = try Self.randomHistory(seed: seed, commits: 41)
        defer { repo.remove() }
        let repository = try Repository(path: repo.path)
        var rng = SeededGenerator(seed: seed &* 7919)
        var pairs: [(String, String)] = zip(ids, ids.dropFirst()).map { ($0, $1) }
        for _ in 0..<40 {
            let a = Int.random(in: 0..<(ids.count - 1), using: &rng)
            let b = Int.random(in: (a + 1)...min(ids.count - 1, a + 10), using: &rng)
            pairs.append((ids[a], ids[b]))
        }
        var statuses: [Character: Int] = [:]
        var scores: [String] = []
        for (base, head) in pairs {
            let expected = try Self.gitNameStatus(repo, base, head)
            #expect(try Self.ours(repository, base, head) == expected, "\(base.prefix(7))..\(head.prefix(7))")
            for line in expected { statuses[line.first!, default: 0] += 1 }
            scores += expected.filter { $0.hasPrefix("R") }.map { String($0.prefix(4)) }
        }
        #expect(pairs.count == 80)
        // The generator must really exercise every kind of change git reports here, and renames
        // both exact and edited, some close to the threshold.
        for status in "ADMRT" {
            #expect(statuses[status, default: 0] > 2, "too few \(status) entries: \(statuses)")
        }
        #expect(scores.count { $0 != "R100" } > 3, "\(scores)")
        #expect(scores.contains { $0 < "R075" }, "\(scores)")
    }

    /// `git diff --raw --no-renames` with full ids, in git's order.
    private static func gitRaw(_ repo: GitFixture, _ base: String, _ head: String) throws -> [String] {
        try repo.git(["diff", "--raw", "--no-renames", "--no-abbrev", base, head]).split(separator: "\n").map {
            String($0.dropFirst())  // the leading ":"
        }
    }

    private static func raw(_ delta: FileDelta) -> String {
        let zero = String(repeating: "0", count: 40)
        let modes = String(format: "%06o %06o", delta.oldMode, delta.newMode)
        return
            "\(modes) \(delta.oldBlob?.hex ?? zero) \(delta.newBlob?.hex ?? zero) \(delta.status.letter)\t\(delta.path)"
    }

    @Test(
        "without rename detection, every entry, mode, id and their order equal git diff --raw",
        arguments: [6, 7] as [UInt64])
    func rawEntriesMatchGit(seed: UInt64) throws {
        var (repo, ids) = try Self.randomHistory(seed: seed, commits: 31)
        defer { repo.remove() }
        // Beyond the random history: a file replaced by a folder of the same name and back, a name
        // that sorts between a folder and its "/" ("db.yaml" against "db/"), and a submodule.
        try repo.write("swap", "a file\n")
        try repo.write("db.yaml", "x: 1\n")
        let before = try repo.commit("a file named swap")
        try repo.remove("swap")
        try repo.write("swap/inner.yaml", "y: 2\n")
        try repo.write("db.yaml", "x: 2\n")
        // `commit` stages with `add -A`, which would drop a submodule entry with no checkout.
        func commit(submodule: String, _ message: String) throws -> String {
            try repo.git(["add", "-A"])
            try repo.git(["update-index", "--add", "--cacheinfo", "160000,\(submodule),vendor/module"])
            try repo.git(["commit", "-q", "-m", message])
            return try repo.revParse("HEAD")
        }
        let after = try commit(submodule: before, "swap is a folder now; a submodule")
        try repo.remove("swap")
        try repo.write("swap", "a file again\n")
        let back = try commit(submodule: after, "swap is a file again; the submodule moves")
        let repository = try Repository(path: repo.path)
        var pairs = zip(ids, ids.dropFirst()).map { ($0, $1) } + zip(ids, ids.dropFirst(5)).map { ($0, $1) }
        pairs += [(ids.last!, before), (before, after), (after, back), (before, back), (ids[0], back)]
        var statuses: [Character: Int] = [:]
        for (base, head) in pairs {
            let expected = try Self.gitRaw(repo, base, head)
            let ours = try repository.diff(
                from: repository.resolveCommit(base), to: repository.resolveCommit(head), detectRenames: false
            ).map(Self.raw)
            #expect(ours == expected, "\(base.prefix(7))..\(head.prefix(7))")
            for line in expected { statuses[line.split(separator: "\t")[0].last!, default: 0] += 1 }
        }
        for status in "ADMT" {
            #expect(statuses[status, default: 0] > 2, "too few \(status) entries: \(statuses)")
        }
    }

    /// `git ls-tree -r`: each blob's path and id at a commit.
    private static func blobs(_ repo: GitFixture, _ commit: String) throws -> [String: String] {
        var blobs: [String: String] = [:]
        for line in try repo.git(["ls-tree", "-r", commit]).split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1)
            let fields = parts[0].split(separator: " ")
            if fields[1] == "blob" { blobs[String(parts[1])] = String(fields[2]) }
        }
        return blobs
    }

    @Test("changes on a path set equal git ls-tree's blobs on both sides", arguments: [4, 5] as [UInt64])
    func pathChangesMatchGit(seed: UInt64) throws {
        let (repo, ids) = try Self.randomHistory(seed: seed, commits: 31)
        defer { repo.remove() }
        let repository = try Repository(path: repo.path)
        var everyPath = Set<String>()
        for id in ids { everyPath.formUnion(try Self.blobs(repo, id).keys) }
        var rng = SeededGenerator(seed: seed)
        // Half of every path ever seen, a folder's name as if it were a file, and a path never seen.
        let chosen = everyPath.sorted().filter { _ in Bool.random(using: &rng) } + ["db", "no/such/file.yaml"]
        let paths = PathSet(chosen)
        var compared = 0
        for (base, head) in zip(ids, ids.dropFirst(3)) {
            let old = try Self.blobs(repo, base)
            let new = try Self.blobs(repo, head)
            let expected = chosen.filter { old[$0] != new[$0] }.map { "\($0) \(old[$0] ?? "-") \(new[$0] ?? "-")" }
            let ours = try repository.changes(
                in: paths, from: repository.resolveCommit(base), to: repository.resolveCommit(head)
            ).map { "\($0.path) \($0.old?.hex ?? "-") \($0.new?.hex ?? "-")" }
            #expect(ours.sorted() == expected.sorted(), "\(base.prefix(7))..\(head.prefix(7))")
            compared += expected.count
        }
        // The histories must really move the chosen files.
        #expect(compared > 20)
    }
}

extension Array where Element: Equatable {
    /// `[a, a]` → `[a]`: a modified file has the same old and new path, printed once by git.
    fileprivate func removingAdjacentDuplicates() -> [Element] {
        var out: [Element] = []
        for element in self where out.last != element { out.append(element) }
        return out
    }
}
