import ChangeGate
import Foundation
import Testing

/// Issue 14, item 4: git attributes and submodules that change what git hands out of the repository
/// while the gate sees no setting change, replayed with real pushes into a hooked bare repository.
@Suite("Security: .gitattributes and .gitmodules")
struct CheckoutAttributesTests {
    @Test("export-subst, filter and the like on selected files are refused, from any .gitattributes above them")
    func exportSubst() throws {
        var s = try HookPushTests.makeSetup()
        defer { s.remove() }
        // The attack: a comment that `git archive` turns into `mode: manual`, and the attribute that does it.
        try s.work.write(
            "db/prod/app.yaml", "failover:\n  enabled: true\n  mode: automatic\n# $Format:%n  mode: manual$\n")
        try s.work.write(".gitattributes", "db/prod/app.yaml export-subst\n")
        let attack = try s.work.commit("docs: note", author: "Frank <frank@example.com>")
        let archived = try s.work.git(["archive", "--format=tar", "HEAD", "db/prod/app.yaml"])
        #expect(archived.contains("\n  mode: manual\n"))  // what every archive consumer would read
        let pushed = try s.push(["HEAD:refs/heads/main"])
        #expect(pushed.status != 0)
        #expect(pushed.stderr.contains("db/prod/app.yaml has the git attribute export-subst"))
        #expect(s.serverRef("refs/heads/main") != attack)

        // The attribute alone, for a later comment: refused as well.
        try s.work.git(["reset", "-q", "--hard", "HEAD~1"])
        try s.work.write("db/.gitattributes", "*.yaml filter=tidy ident\n")
        _ = try s.work.commit("attributes", author: "Frank <frank@example.com>")
        let nested = try s.push(["HEAD:refs/heads/main"])
        #expect(nested.status != 0)
        #expect(nested.stderr.contains("db/prod/app.yaml has the git attributes filter=tidy, ident"))

        // Attributes that leave the bytes alone, or unset the refused ones, pass.
        try s.work.write("db/.gitattributes", "*.yaml -text -diff\n")
        try s.work.write(".gitattributes", "* text=auto\ndb/** -text\n*.png binary\n")
        let benign = try s.work.commit("attributes, harmless", author: "Frank <frank@example.com>")
        let passed = try s.push(["HEAD:refs/heads/main"])
        #expect(passed.status == 0, "\(passed.stderr)")
        #expect(s.serverRef("refs/heads/main") == benign)
    }

    @Test("a .gitmodules that puts a submodule where the policy reads files is refused")
    func submoduleOverSelectedFiles() throws {
        var s = try HookPushTests.makeSetup()
        defer { s.remove() }
        try s.work.write(".gitmodules", "[submodule \"shared\"]\n\tpath = db/shared\n\turl = ../shared.git\n")
        _ = try s.work.commit("submodule", author: "Frank <frank@example.com>")
        let refused = try s.push(["HEAD:refs/heads/main"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("puts a submodule at db/shared"))

        try s.work.write(".gitmodules", "[submodule \"lib\"]\n\tpath = vendor/lib\n\turl = ../lib.git\n")
        let elsewhere = try s.work.commit("submodule elsewhere", author: "Frank <frank@example.com>")
        let passed = try s.push(["HEAD:refs/heads/main"])
        #expect(passed.status == 0, "\(passed.stderr)")
        #expect(s.serverRef("refs/heads/main") == elsewhere)
    }
}
