import ChangeGate
import Foundation
import Testing

/// Red-team follow-up to item 4: a `.gitmodules` that git reads differently from a `path = …` line
/// split on `=`, and a gitlink placed without touching `.gitmodules`, each put a submodule where the
/// policy reads files. `git config -f` is the oracle for what git reads.
@Suite("Security: submodules as git reads them")
struct SubmoduleEscapeTests {
    /// The `submodule.<name>.path` values git reads from `text`, in file order.
    static func gitReads(_ text: String) throws -> [String] {
        let folder = try Paths.temporaryDirectory("gitmodules")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("gitmodules")
        try Data(text.utf8).write(to: file)
        let result = try Shell.run(
            ["git", "config", "-f", file.path, "--get-regexp", #"submodule\..*\.path"#],
            environment: GitFixture.baseEnvironment)
        #expect(result.status == 0 || result.status == 1, "\(result.stderr)")
        return result.stdout.split(separator: "\n").map { line in
            line.split(separator: " ", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        }
    }

    static let variants: [(text: String, path: String)] = [
        ("[submodule \"s\"]\n\tpath = con\"fig\"/sub\n", "config/sub"),
        ("[submodule \"s\"]\n\tpath = db\\\n/sub\n", "db/sub"),
        ("[submodule \"s\"]\n\tpath = \"db/a\\tb\" ; comment\n", "db/a\tb"),
        ("[submodule \"s\"]\n\tpath = db/\\\"q # comment\n", "db/\"q"),
        ("[submodule \"s\"]\n\tPATH = db/upper\n", "db/upper"),
        ("[submodule \"a.b\"]\npath=db/dotted\n", "db/dotted"),
        ("[Submodule \"s\"] path = db/same-line\n", "db/same-line"),
        ("[submodule \"s\"]\n  path = \"db/ spaced \"  \n", "db/ spaced "),
    ]

    @Test("ChangeGate reads the submodule paths git reads (libgit2's config parser, git config -f as oracle)")
    func readsAsGit() throws {
        for (text, path) in Self.variants {
            let git = try Self.gitReads(text)
            #expect(git == [path], "git reads \(git) from \(text.debugDescription)")
            let read = try GitConfigText.entries(Array(text.utf8), label: ".gitmodules")
                .filter { $0.name.hasPrefix("submodule.") && $0.name.hasSuffix(".path") }
                .compactMap(\.value)
            #expect(read == git, "ChangeGate reads \(read) from \(text.debugDescription)")
        }
    }

    @Test("a .gitmodules path quoted or continued into a selected folder is refused")
    func quotedAndContinuedPaths() throws {
        let cases = [
            ("[submodule \"shared\"]\n\tpath = d\"b\"/shared\n\turl = ../shared.git\n", "db/shared"),
            ("[submodule \"shared\"]\n\tpath = db\\\n/shared\n\turl = ../shared.git\n", "db/shared"),
            ("[submodule \"shared\"]\n\tPath = db/shared ; where it goes\n\turl = ../shared.git\n", "db/shared"),
        ]
        for (text, path) in cases {
            // A server of its own for each: no case depends on how the one before ended.
            var s = try HookPushTests.makeSetup()
            defer { s.remove() }
            #expect(try Self.gitReads(text) == [path])
            try s.work.write(".gitmodules", text)
            let attack = try s.work.commit("submodule", author: "Frank <frank@example.com>")
            let pushed = try s.push(["HEAD:refs/heads/main"])
            #expect(pushed.status != 0, "\(text.debugDescription) passed")
            #expect(pushed.stderr.contains("puts a submodule at \(path)"), "\(pushed.stderr)")
            #expect(s.serverRef("refs/heads/main") != attack)
        }
    }

    @Test("a .gitmodules libgit2 cannot parse, or with an include, is refused with its position")
    func unreadableGitmodules() throws {
        var s = try HookPushTests.makeSetup()
        defer { s.remove() }
        try s.work.write(
            ".gitmodules", "[submodule \"shared\"]\n\tpath = vendor/lib\n[submodule \"x\"\n\tpath = db/x\n")
        let broken = try s.work.commit("submodule", author: "Frank <frank@example.com>")
        let pushed = try s.push(["HEAD:refs/heads/main"])
        #expect(pushed.status != 0)
        #expect(pushed.stderr.contains(".gitmodules at "), "\(pushed.stderr)")
        #expect(pushed.stderr.contains(":3"), "\(pushed.stderr)")
        #expect(s.serverRef("refs/heads/main") != broken)

        try s.work.write(".gitmodules", "[submodule \"lib\"]\n\tpath = vendor/lib\n[Include]\n\tpath = /etc/passwd\n")
        _ = try s.work.commit("submodule include", author: "Frank <frank@example.com>")
        let included = try s.push(["HEAD:refs/heads/main"])
        #expect(included.status != 0)
        #expect(included.stderr.contains("has an include section (line 3)"), "\(included.stderr)")
    }

    @Test("a gitlink under a selected folder is refused without .gitmodules; one outside the selection passes")
    func gitlinkWithoutGitmodules() throws {
        /// Pushes a commit that adds a gitlink at `path` (and `files`) to a server of its own.
        func push(gitlink path: String, files: [String: String] = [:]) throws -> (Shell.Result, String, String?) {
            let s = try HookPushTests.makeSetup()
            defer { s.remove() }
            let target = try s.work.revParse("HEAD")
            for (file, content) in files {
                try s.work.write(file, content)
                try s.work.git(["add", file])
            }
            try s.work.git(["update-index", "--add", "--cacheinfo", "160000,\(target),\(path)"])
            try s.work.git(["commit", "-q", "--author", "Frank <frank@example.com>", "-m", "gitlink"])
            #expect(try s.work.git(["ls-tree", "HEAD", path]).hasPrefix("160000 commit \(target)"))
            // What the commit touches: the gitlink, and `.gitmodules` only when given.
            let touched = try s.work.git(["diff", "--name-only", "HEAD~1", "HEAD"]).split(separator: "\n")
            #expect(Set(touched.map(String.init)) == Set([path] + files.keys))
            let commit = try s.work.revParse("HEAD")
            return (try s.push(["HEAD:refs/heads/main"]), commit, s.serverRef("refs/heads/main"))
        }
        for path in ["db/sub", "db/prod/deep"] {
            let (pushed, attack, landed) = try push(gitlink: path)
            #expect(pushed.status != 0, "\(path) passed")
            #expect(pushed.stderr.contains("\(path) at "), "\(pushed.stderr)")
            #expect(pushed.stderr.contains("is a submodule (a gitlink, mode 160000)"), "\(pushed.stderr)")
            #expect(landed != attack)
        }

        // A submodule outside the selection, with its .gitmodules entry, passes.
        let (passed, elsewhere, landed) = try push(
            gitlink: "vendor/lib",
            files: [".gitmodules": "[submodule \"lib\"]\n\tpath = vendor/lib\n\turl = ../lib.git\n"])
        #expect(passed.status == 0, "\(passed.stderr)")
        #expect(landed == elsewhere)
    }
}
