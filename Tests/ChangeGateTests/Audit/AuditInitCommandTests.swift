import ChangeGate
import Foundation
import Testing

/// `changegate audit init`: creates a trail (or brings its schema up to date) and says where it is;
/// run again on a trail that holds records, it changes nothing.
@Suite("audit init")
struct AuditInitCommandTests {
    @Test("a new SQLite trail is created and ready; run again, its records stay; an unwritable place fails, naming it")
    func sqlite() throws {
        let folder = try Paths.temporaryDirectory("audit-init")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("audit.sqlite").path
        let first = try Shell.run([Paths.changegate.path, "audit", "init", "--audit", path])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == "ready: the audit trail \(path) (no records yet)\n", "\(first.stdout)")
        #expect(FileManager.default.fileExists(atPath: path))
        let store = try SQLiteAuditStore(path: path)
        try store.append([AuditQueryTests.record(2), AuditQueryTests.record(1)])
        let again = try Shell.run([Paths.changegate.path, "audit", "init", "--audit", path])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout == "ready: the audit trail \(path) (2 records)\n", "\(again.stdout)")
        #expect(try store.verify().isIntact)
        let nowhere = "/proc/changegate-no-such-place/audit.sqlite"
        let refused = try Shell.run([Paths.changegate.path, "audit", "init", "--audit", nowhere])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("cannot create /proc/changegate-no-such-place"), "\(refused.stderr)")
    }
}
