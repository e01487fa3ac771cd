import Foundation
import Testing

/// docs/architecture.md's rule, checked on the sources: each folder of `Sources/ChangeGate` uses
/// types only from folders before it in the flow the page draws (and from `Support/`).
///
/// A folder "uses" a type when an identifier in its code (comments and string literals left out,
/// interpolations kept) is the name of a type declared at the top level of another folder. Names
/// are unique across the module (the compiler sees to that), so a match is a use.
@Suite("Folders use only folders before them in the flow")
struct ArchitectureTests {
    /// Uses that break the rule and are known: (folder, type it uses). Each says why it stays.
    static let knownExceptions: Set<[String]> = [
        // RedisConfigReader names duplicate keys with `SettingPath.segment` (renamed from `KeyPath`,
        // issue 18 item 6); where it lives, Diff/ or before Config/, is still to settle.
        ["Config", "SettingPath"]
    ]

    static let root = Paths.packageRoot.appendingPathComponent("Sources/ChangeGate")

    /// The folders in the order the page's flow diagram lists them.
    static func flow() throws -> [String] {
        let page = try String(
            contentsOf: Paths.packageRoot.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        let diagram = try #require(page.components(separatedBy: "```").dropFirst().first)
        return diagram.components(separatedBy: "\n").compactMap { line in
            guard let arrow = line.range(of: "──► ") else { return nil }
            let rest = line[arrow.upperBound...]
            guard let slash = rest.firstIndex(of: "/") else { return nil }
            return String(rest[..<slash])
        }
    }

    /// Each folder's Swift files (subfolders included) and their text.
    static func sources() throws -> [String: [(file: String, text: String)]] {
        var out: [String: [(String, String)]] = [:]
        let folders = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { name in
            var isFolder: ObjCBool = false
            return FileManager.default.fileExists(
                atPath: root.appendingPathComponent(name).path, isDirectory: &isFolder)
                && isFolder.boolValue
        }
        for folder in folders {
            let base = root.appendingPathComponent(folder)
            let files = FileManager.default.enumerator(atPath: base.path)?.compactMap { $0 as? String } ?? []
            for file in files.sorted() where file.hasSuffix(".swift") {
                let text = try String(contentsOf: base.appendingPathComponent(file), encoding: .utf8)
                out[folder, default: []].append((folder + "/" + file, text))
            }
        }
        return out
    }

    /// The type names declared at the top level of `code` (comments and strings stripped).
    static func declaredTypes(_ code: String) -> Set<String> {
        var names = Set<String>()
        let kinds: Set<String> = ["struct", "enum", "class", "protocol", "actor", "typealias"]
        for line in code.split(separator: "\n") where !(line.first?.isWhitespace ?? true) {
            let words = line.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") })
            // `public final class X`, `package enum X`: the first declaration keyword, then the name.
            if let index = words.firstIndex(where: { kinds.contains(String($0)) }), index + 1 < words.count,
                !line.hasPrefix("extension"), !line.hasPrefix("func")
            {
                names.insert(String(words[index + 1]))
            }
        }
        return names
    }

    /// `source` without comments and string literals (the code of interpolations kept).
    static func code(_ source: String) -> String {
        let bytes = Array(source.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        func at(_ offset: Int) -> UInt8? { index + offset < bytes.count ? bytes[index + offset] : nil }
        /// Skips a string literal opened at `index` (`"`, `"""`, with `#`s before), keeping the
        /// code of its interpolations.
        func skipString() {
            var hashes = 0
            while at(0) == UInt8(ascii: "#") {
                hashes += 1
                index += 1
            }
            let multiline = at(0) == UInt8(ascii: "\"") && at(1) == UInt8(ascii: "\"") && at(2) == UInt8(ascii: "\"")
            index += multiline ? 3 : 1
            out.append(UInt8(ascii: " "))
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "\\") {
                    var escapeHashes = 0
                    while at(1 + escapeHashes) == UInt8(ascii: "#") { escapeHashes += 1 }
                    if escapeHashes == hashes, at(1 + escapeHashes) == UInt8(ascii: "(") {
                        index += 2 + escapeHashes
                        skipCode(until: UInt8(ascii: ")"))
                        continue
                    }
                    index += 2
                    continue
                }
                let closes =
                    multiline
                    ? bytes[index] == UInt8(ascii: "\"") && at(1) == UInt8(ascii: "\"") && at(2) == UInt8(ascii: "\"")
                    : bytes[index] == UInt8(ascii: "\"")
                if closes, (0..<hashes).allSatisfy({ at((multiline ? 3 : 1) + $0) == UInt8(ascii: "#") }) {
                    index += (multiline ? 3 : 1) + hashes
                    return
                }
                index += 1
            }
        }
        /// Copies code up to the unmatched `end` (nil: the end of the file), dropping comments.
        func skipCode(until end: UInt8?) {
            var depth = 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "/"), at(1) == UInt8(ascii: "/") {
                    while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
                } else if byte == UInt8(ascii: "/"), at(1) == UInt8(ascii: "*") {
                    var nesting = 0
                    repeat {
                        if at(0) == UInt8(ascii: "/"), at(1) == UInt8(ascii: "*") {
                            nesting += 1
                            index += 2
                        } else if at(0) == UInt8(ascii: "*"), at(1) == UInt8(ascii: "/") {
                            nesting -= 1
                            index += 2
                        } else {
                            index += 1
                        }
                    } while nesting > 0 && index < bytes.count
                } else if byte == UInt8(ascii: "\"")
                    || (byte == UInt8(ascii: "#") && (at(1) == UInt8(ascii: "\"") || at(1) == UInt8(ascii: "#")))
                {
                    skipString()
                } else {
                    if byte == UInt8(ascii: "(") { depth += 1 }
                    if byte == UInt8(ascii: ")") {
                        if depth == 0, end == byte {
                            index += 1
                            out.append(UInt8(ascii: " "))
                            return
                        }
                        depth -= 1
                    }
                    out.append(byte)
                    index += 1
                }
            }
        }
        skipCode(until: nil)
        return String(decoding: out, as: UTF8.self)
    }

    static func identifiers(_ code: String) -> Set<String> {
        Set(code.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }).map(String.init))
    }

    /// Every use of a type of a later folder: `folder uses Type (declared in Owner/) in File`.
    static func violations(flow: [String], sources: [String: [(file: String, text: String)]]) -> [String] {
        var owner: [String: String] = [:]
        var codes: [String: [(String, String)]] = [:]
        for (folder, files) in sources {
            for (file, text) in files {
                let stripped = code(text)
                codes[folder, default: []].append((file, stripped))
                for name in declaredTypes(stripped) { owner[name] = folder }
            }
        }
        func rank(_ folder: String) -> Int { folder == "Support" ? -1 : flow.firstIndex(of: folder) ?? Int.max }
        var found: [String] = []
        for (folder, files) in codes {
            for (file, text) in files {
                for name in identifiers(text) {
                    guard let home = owner[name], home != folder, rank(home) >= rank(folder),
                        !knownExceptions.contains([folder, name])
                    else { continue }
                    found.append("\(folder)/ uses \(name) (declared in \(home)/) in \(file)")
                }
            }
        }
        return found.sorted()
    }

    @Test("Every folder of Sources/ChangeGate is in the flow")
    func everyFolderListed() throws {
        let flow = try Self.flow()
        #expect(flow.first == "Git")
        for folder in try Self.sources().keys where folder != "Support" {
            #expect(flow.contains(folder), "\(folder)/ is missing from docs/architecture.md's flow")
        }
    }

    @Test("No folder uses a type of a folder after it")
    func noUseRunsBackUp() throws {
        let violations = Self.violations(flow: try Self.flow(), sources: try Self.sources())
        #expect(violations.isEmpty, "\(violations.joined(separator: "\n"))")
    }

    @Test("The check finds a use that runs back up, and ignores comments and strings")
    func checkCanFail() {
        let sources: [String: [(file: String, text: String)]] = [
            "Early": [
                (
                    "Early/A.swift",
                    """
                    /// Mentions ``Late`` in a comment, and in a string:
                    public struct Early { var text = "Late \\(Helper.name) \\"Late\\"" }
                    """
                )
            ],
            "Late": [("Late/B.swift", "public enum Late { static let early = Early() }\nenum Helper {}\n")],
        ]
        #expect(
            Self.violations(flow: ["Early", "Late"], sources: sources) == [
                "Early/ uses Helper (declared in Late/) in Early/A.swift"
            ])
        #expect(
            Self.violations(flow: ["Late", "Early"], sources: sources) == [
                "Late/ uses Early (declared in Early/) in Late/B.swift"
            ])
    }

    /// The modules the service brings (swift-nio under them); the hook's binary must link none.
    static let serviceModules: Set<String> = [
        "ChangeGateServer", "Hummingbird", "HummingbirdCore", "ServiceLifecycle", "Prometheus", "NIOCore",
        "NIOPosix", "ChangeGatePostgres", "PostgresNIO",
    ]

    /// The modules `file`'s text imports.
    static func imports(_ text: String) -> Set<String> {
        Set(
            text.split(separator: "\n").compactMap { line -> String? in
                let words = line.split(separator: " ")
                guard let index = words.firstIndex(of: "import"), index + 1 < words.count,
                    words[..<index].allSatisfy({ ["@testable", "public", "internal", "package"].contains($0) })
                else { return nil }
                return String(words[index + 1])
            })
    }

    @Test("The lean changegate, its commands and the library import nothing of the service or swift-nio")
    func leanBinaryImportsNoService() throws {
        for target in ["ChangeGateCLI", "ChangeGateCommands", "ChangeGate", "PolicyDSL"] {
            let base = Paths.packageRoot.appendingPathComponent("Sources/\(target)")
            let files = FileManager.default.enumerator(atPath: base.path)?.compactMap { $0 as? String } ?? []
            #expect(!files.isEmpty, "Sources/\(target) has no files")
            for file in files where file.hasSuffix(".swift") {
                let text = try String(contentsOf: base.appendingPathComponent(file), encoding: .utf8)
                let found = Self.imports(text).intersection(Self.serviceModules)
                #expect(found.isEmpty, "Sources/\(target)/\(file) imports \(found.sorted())")
            }
        }
        // And the manifest gives the lean executable none of them.
        let manifest = try String(
            contentsOf: Paths.packageRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        let lean = try #require(manifest.range(of: #"name: "ChangeGateCLI","#))
        // Its dependencies' list ends at the first `]` (no list nests in it).
        let end = try #require(manifest.range(of: "]", range: lean.upperBound..<manifest.endIndex))
        let declaration = manifest[lean.upperBound..<end.lowerBound]
        for module in Self.serviceModules.union(["hummingbird", "swift-nio", "postgres-nio"]) {
            #expect(!declaration.contains(#""\#(module)""#), "ChangeGateCLI depends on \(module)")
        }
        #expect(
            Self.imports("import Foundation\n@testable import Hummingbird\n// import NIOCore\n") == [
                "Foundation", "Hummingbird",
            ])
    }

    @Test(
        "The built changegate holds no symbol of Hummingbird, swift-nio or the service",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/nm")))
    func leanBinaryLinksNoService() throws {
        let symbols = try Shell.run(["nm", Paths.changegate.path])
        #expect(symbols.status == 0, "\(symbols.stderr)")
        #expect(symbols.stdout.contains("ServerDispatch"), "nm read no symbols of changegate")
        for module in ["Hummingbird", "NIOPosix", "ChangeGateServer", "PostgresNIO"] {
            #expect(!symbols.stdout.contains(module), "changegate links \(module)")
        }
    }

    @Test("Every folder of Sources/ChangeGateServer is named in docs/architecture.md's row for the target")
    func serverFoldersDocumented() throws {
        let page = try String(
            contentsOf: Paths.packageRoot.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        let row = try #require(
            page.split(separator: "\n").first { $0.hasPrefix("| `ChangeGateServer` |") },
            "docs/architecture.md has no row for ChangeGateServer")
        let base = Paths.packageRoot.appendingPathComponent("Sources/ChangeGateServer")
        let folders = try FileManager.default.contentsOfDirectory(atPath: base.path).filter { name in
            var isFolder: ObjCBool = false
            return FileManager.default.fileExists(
                atPath: base.appendingPathComponent(name).path, isDirectory: &isFolder)
                && isFolder.boolValue
        }
        #expect(!folders.isEmpty)
        for folder in folders {
            #expect(row.contains("`\(folder)/`"), "\(folder)/ of ChangeGateServer is not in its row")
        }
    }
}
