import ChangeGate
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Issue 15 ("fail closed, on time, within bounds"), the trail's side: bounded waits, a trail
/// deleted or replaced under a writer, the local witness, read-only readers, damaged records and
/// verify's memory.
@Suite("Audit trail: fail closed, on time, within bounds")
struct AuditFailClosedTests {
    static func trail(_ label: String) throws -> (folder: URL, path: String) {
        let folder = try Paths.temporaryDirectory("audit-\(label)")
        return (folder, folder.appendingPathComponent("audit.sqlite").path)
    }

    static func changegate(_ arguments: [String]) throws -> Shell.Result {
        try Shell.run([Paths.changegate.path] + arguments)
    }

    static func fill(_ path: String, records: Int, batch: Int = 1, seed: Int = 1) throws -> Shell.Result {
        try Shell.run([
            AuditChainTests.filler.path, "--records", "\(records)", "--batch", "\(batch)", "--seed",
            "\(seed)", path,
        ])
    }

    /// Folds the write-ahead log into the file and removes it, as the last writer closing does.
    static func checkpoint(_ path: String) throws {
        try AuditChainTests.sqlite(path, "PRAGMA wal_checkpoint(TRUNCATE)")
    }

    /// A python3 process holding a lock until stopped: SQLite's write lock (`BEGIN IMMEDIATE`) or
    /// an flock on a file.
    struct Holder {
        let process: Process

        static let sqliteScript = """
            import sqlite3, sys, time
            c = sqlite3.connect(sys.argv[1], isolation_level=None)
            c.execute("BEGIN IMMEDIATE")
            print("locked", flush=True)
            time.sleep(60)
            """
        static let flockScript = """
            import fcntl, sys, time
            f = open(sys.argv[1], "a")
            fcntl.flock(f, fcntl.LOCK_EX)
            print("locked", flush=True)
            time.sleep(60)
            """

        init(_ script: String, _ path: String) throws {
            process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", script, path]
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            // Returns once the lock is held.
            let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
            #expect(line.hasPrefix("locked"), "the lock holder did not start: \(line)")
        }

        func stop() {
            // SIGKILL: the test process's children may inherit a blocked SIGTERM.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    static func record(_ minutesAgo: Int) -> AuditRecord { AuditQueryTests.record(minutesAgo) }

    // MARK: - A: bounded waits

    @Test("A: an append to a trail write-locked by another process fails within the wait limit, saying so")
    func writeLockBounded() throws {
        let (folder, path) = try Self.trail("locked")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteAuditStore(path: path, waitLimit: .seconds(1))
        try store.append([Self.record(1)])
        let holder = try Holder(Holder.sqliteScript, path)
        defer { holder.stop() }
        let start = ContinuousClock.now
        let error = try #require(throws: AuditError.self) { try store.append([Self.record(2)]) }
        let waited = Self.seconds(since: start)
        #expect(error.kind == .locked)
        #expect(error.message.contains("the audit trail \(path) is locked by another process"), "\(error)")
        #expect(error.message.contains("waited 1 s"), "\(error)")
        #expect(waited >= 0.9 && waited < 4, "waited \(waited) s")
        // A shorter limit for one append (the hook's remaining budget) is kept too.
        let shortStart = ContinuousClock.now
        let short = try #require(throws: AuditError.self) {
            try store.append([Self.record(2)], waitLimit: .milliseconds(300), commitIf: { true })
        }
        #expect(short.kind == .locked)
        #expect(short.message.contains("waited 0.3 s"), "\(short)")
        #expect(Self.seconds(since: shortStart) < 2)
    }

    @Test("A: opening a trail whose lock file another process holds fails within the wait limit")
    func lockFileBounded() throws {
        let (folder, path) = try Self.trail("lockfile")
        defer { try? FileManager.default.removeItem(at: folder) }
        let holder = try Holder(Holder.flockScript, path + ".lock")
        defer { holder.stop() }
        let start = ContinuousClock.now
        let error = try #require(throws: AuditError.self) {
            _ = try SQLiteAuditStore(path: path, waitLimit: .milliseconds(500))
        }
        #expect(error.kind == .locked)
        #expect(error.message.contains("one holding \(path).lock"), "\(error)")
        #expect(Self.seconds(since: start) < 3)
    }

    @Test("A: a writer with the default limit (ChangeGateAuditFill, like check) gives up on a held lock file in ~10 s")
    func defaultLimitCommandLine() throws {
        let (folder, path) = try Self.trail("lockfile-cli")
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try Self.fill(path, records: 1).status == 0)
        let holder = try Holder(Holder.flockScript, path + ".lock")
        defer { holder.stop() }
        let start = ContinuousClock.now
        let result = try Self.fill(path, records: 1)
        let waited = Self.seconds(since: start)
        #expect(result.status != 0)
        #expect(result.stderr.contains("is locked by another process"), "\(result.stderr)")
        #expect(result.stderr.contains("waited 10 s"), "\(result.stderr)")
        #expect(waited > 9 && waited < 20, "waited \(waited) s")
    }

    @Test("A: when commitIf says no at the last moment the append is rolled back: nothing half-recorded")
    func commitIfRollsBack() throws {
        let (folder, path) = try Self.trail("commit-if")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteAuditStore(path: path)
        let first = try store.append([Self.record(3)])
        var asked = 0
        let error = try #require(throws: AuditError.self) {
            try store.append([Self.record(2), Self.record(1)]) { () -> Bool in
                asked += 1
                return false
            }
        }
        #expect(asked == 1)
        #expect(error.kind == .deadline)
        #expect(error.message.contains("nothing of it was recorded"), "\(error)")
        #expect(try store.head()?.sequence == 1)
        #expect(try store.verify().isIntact)
        #expect(try AuditLocalWitness(trail: path).read()?.hash == first.last?.hash)
        // Through the protocol too (the hook's journal holds `any AuditStore`).
        let journalStore: any AuditStore = store
        let viaProtocol = try #require(throws: AuditError.self) {
            try journalStore.append([Self.record(2)], waitLimit: nil, commitIf: { false })
        }
        #expect(viaProtocol.kind == .deadline)
        // And the next append goes on from record 1.
        #expect(try store.append([Self.record(0)], commitIf: { true }).map(\.record.sequence) == [2])
    }

    // MARK: - B: deleted, replaced, cut back

    @Test("B: a trail deleted while a writer has it open: the append is rolled back and refused, not lost")
    func deletedMidRun() throws {
        let (folder, path) = try Self.trail("deleted")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteAuditStore(path: path)
        try store.append([Self.record(2)])
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let error = try #require(throws: AuditError.self) { try store.append([Self.record(1)]) }
        #expect(error.kind == .replaced)
        #expect(error.message.contains("was deleted while in use"), "\(error)")
        // The next run does not start a new chain at record 1: the local witness remembers record 1.
        let reopened = try #require(throws: AuditError.self) { _ = try SQLiteAuditStore(path: path) }
        #expect(reopened.kind == .witness)
        #expect(reopened.message.contains("starts again at record 1"), "\(reopened)")
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("B: a writer (ChangeGateAuditFill) whose trail is deleted under it stops, saying so, instead of writing on")
    func deletedUnderRunningWriter() throws {
        let (folder, path) = try Self.trail("deleted-running")
        defer { try? FileManager.default.removeItem(at: folder) }
        let process = Process()
        process.executableURL = AuditChainTests.filler
        process.arguments = ["--records", "1000000", path]
        let err = Pipe()
        process.standardError = err
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        // Once it has appended, delete the trail under it.
        let start = ContinuousClock.now
        while !FileManager.default.fileExists(atPath: path + ".head"), Self.seconds(since: start) < 10 {
            usleep(20_000)
        }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let deleted = ContinuousClock.now
        while process.isRunning, Self.seconds(since: deleted) < 5 { usleep(20_000) }
        #expect(!process.isRunning, "the writer went on appending into the deleted file")
        guard !process.isRunning else { return }
        #expect(process.terminationStatus != 0)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(stderr.contains("was deleted while in use"), "\(stderr)")
    }

    @Test("B: a trail replaced by another file while a writer has it open: the append is rolled back")
    func replacedMidRun() throws {
        let (folder, path) = try Self.trail("replaced")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteAuditStore(path: path)
        try store.append([Self.record(2)])
        let other = folder.appendingPathComponent("other.sqlite").path
        try SQLiteAuditStore(path: other).append([Self.record(5)])
        #expect(rename(other, path) == 0)
        let error = try #require(throws: AuditError.self) { try store.append([Self.record(1)]) }
        #expect(error.kind == .replaced)
        #expect(error.message.contains("replaced by another file"), "\(error)")
    }

    @Test(
        "B: deleted and started again, or cut back: appends refuse and verify names both heads; moving the witness aside recovers"
    )
    func witnessCatchesRestart() throws {
        let (folder, path) = try Self.trail("restart")
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try Self.fill(path, records: 5, batch: 5).status == 0)
        let head = try Self.changegate(["audit", "head", "--audit", path]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(head.hasPrefix("5:"))
        let sidecar = try String(contentsOfFile: path + ".head", encoding: .utf8)
        #expect(sidecar.trimmingCharacters(in: .whitespacesAndNewlines) == head)

        // Deleted: the next writer refuses instead of starting again at record 1.
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let restarted = try Self.fill(path, records: 1, seed: 2)
        #expect(restarted.status != 0)
        #expect(restarted.stderr.contains("starts again at record 1"), "\(restarted.stderr)")
        #expect(restarted.stderr.contains("this machine recorded head \(head)"), "\(restarted.stderr)")
        #expect(restarted.stderr.contains("mv \(path).head"), "\(restarted.stderr)")

        // Cut back: verify says so loudly, and appends refuse.
        #expect(try Self.fill(path + "-new", records: 5, batch: 5, seed: 3).status == 0)
        try Self.checkpoint(path + "-new")
        try FileManager.default.moveItem(atPath: path + "-new", toPath: path)
        let rewritten = try Self.changegate(["audit", "verify", "--audit", path])
        #expect(rewritten.status == 1)
        #expect(rewritten.stdout.contains("its record 5 has the hash"), "\(rewritten.stdout)")
        try AuditChainTests.sqlite(
            path, "DELETE FROM record_changes WHERE sequence > 3; DELETE FROM records WHERE sequence > 3")
        let cut = try Self.changegate(["audit", "verify", "--audit", path])
        #expect(cut.status == 1)
        #expect(
            cut.stdout.contains(
                "TAMPERED: this trail ends at record 3, but this machine recorded head \(head) in \(path).head: "
                    + "the trail was deleted, replaced or cut back"), "\(cut.stdout)")
        let appended = try Self.fill(path, records: 1, seed: 4)
        #expect(appended.status != 0)
        #expect(appended.stderr.contains("this trail ends at record 3"), "\(appended.stderr)")

        // Recovering knowingly: the witness moved aside, the trail goes on from what it holds.
        try FileManager.default.moveItem(atPath: path + ".head", toPath: path + ".head.lost")
        #expect(try Self.fill(path, records: 1, seed: 5).status == 0)
        #expect(try Self.changegate(["audit", "verify", "--audit", path]).status == 0)
    }

    @Test("B: eight writers at once leave the witness at the trail's head (it never goes back)")
    func witnessUnderConcurrency() throws {
        let (folder, path) = try Self.trail("witness-concurrent")
        defer { try? FileManager.default.removeItem(at: folder) }
        var processes: [Process] = []
        for seed in 1...8 {
            let process = Process()
            process.executableURL = AuditChainTests.filler
            process.arguments = ["--records", "40", "--seed", "\(seed)", path]
            try process.run()
            processes.append(process)
        }
        for process in processes {
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
        }
        let store = try SQLiteAuditStore(path: path, access: .readOnly)
        #expect(try store.head()?.sequence == 320)
        #expect(try AuditLocalWitness(trail: path).read() == store.head())
        #expect(try store.verify().isIntact)
    }

    // MARK: - C: read-only

    /// Runs `changegate` as a user who can read the trail's folder but not write it: nobody when
    /// root (chmod does not bind root), else the caller with the folder made read-only.
    static func asReader(_ arguments: [String]) throws -> Shell.Result {
        if getuid() == 0 {
            return try Shell.run(
                ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", Paths.changegate.path] + arguments)
        }
        return try changegate(arguments)
    }

    static func makeReadOnly(_ folder: URL) throws {
        let manager = FileManager.default
        let mode = getuid() == 0 ? 0o644 : 0o444
        for name in try manager.contentsOfDirectory(atPath: folder.path) {
            try manager.setAttributes([.posixPermissions: mode], ofItemAtPath: folder.appendingPathComponent(name).path)
        }
        try manager.setAttributes([.posixPermissions: getuid() == 0 ? 0o755 : 0o555], ofItemAtPath: folder.path)
    }

    @Test(
        "C: verify, log, head, show and export read a trail its reader cannot write, creating nothing",
        arguments: ["checkpointed", "with its write-ahead log"])
    func readOnlyReader(state: String) throws {
        let (folder, path) = try Self.trail("readonly")
        defer {
            try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.path)
            try? FileManager.default.removeItem(at: folder)
        }
        // ChangeGateAuditFill exits without closing: its -wal and -shm stay, as after a crash.
        #expect(try Self.fill(path, records: 12, batch: 4).status == 0)
        if state == "checkpointed" {
            try Self.checkpoint(path)
            try? FileManager.default.removeItem(atPath: path + ".lock")
            #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        } else {
            #expect(FileManager.default.fileExists(atPath: path + "-wal"))
        }
        try Self.makeReadOnly(folder)
        let before = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()

        let verify = try Self.asReader(["audit", "verify", "--audit", path])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.hasPrefix("ok: 12 records"), "\(verify.stdout)")
        let log = try Self.asReader(["audit", "log", "--audit", path, "--format", "ndjson"])
        #expect(log.status == 0, "\(log.stderr)")
        #expect(log.stdout.split(separator: "\n").count == 12)
        let head = try Self.asReader(["audit", "head", "--audit", path])
        #expect(head.status == 0, "\(head.stderr)")
        #expect(head.stdout.hasPrefix("12:"))
        let show = try Self.asReader(["audit", "show", "--audit", path, "3"])
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout.hasPrefix("Record 3"))
        let export = try Self.asReader(["audit", "export", "--audit", path, "--format", "ndjson"])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stdout.split(separator: "\n").count == 12)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == before)
    }

    @Test("C: a reader refuses a trail whose schema this version does not know, saying why")
    func unknownSchema() throws {
        let (folder, path) = try Self.trail("schema")
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try Self.fill(path, records: 2).status == 0)
        try AuditChainTests.sqlite(path, "INSERT INTO grdb_migrations VALUES ('v9: from the future')")
        let result = try Self.changegate(["audit", "verify", "--audit", path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("written by a newer ChangeGate"), "\(result.stderr)")
    }

    @Test(
        "C: on a full disk the trail still verifies and lists (root only: a 2 MiB tmpfs)",
        .enabled(if: getuid() == 0))
    func fullDisk() throws {
        let folder = try Paths.temporaryDirectory("audit-full")
        defer { try? FileManager.default.removeItem(at: folder) }
        guard try Shell.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", folder.path]).status == 0 else {
            return  // no privilege to mount here: nothing to prove
        }
        defer { _ = try? Shell.run(["umount", folder.path]) }
        let path = folder.appendingPathComponent("audit.sqlite").path
        #expect(try Self.fill(path, records: 20, batch: 20).status == 0)
        try Self.checkpoint(path)
        try? FileManager.default.removeItem(atPath: path + ".lock")
        _ = try Shell.run(["dd", "if=/dev/zero", "of=" + folder.appendingPathComponent("filler").path, "bs=64k"])
        let verify = try Self.changegate(["audit", "verify", "--audit", path])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.hasPrefix("ok: 20 records"))
        let log = try Self.changegate(["audit", "log", "--audit", path, "--format", "ndjson"])
        #expect(log.status == 0, "\(log.stderr)")
        #expect(log.stdout.split(separator: "\n").count == 20)
    }

    // MARK: - D: damage

    /// Overwrites the first byte of `needle` in the file (no SQLite involved).
    static func damage(_ path: String, at needle: String) throws {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let range = try #require(bytes.range(of: Data(needle.utf8)))
        bytes[range.lowerBound] = UInt8(ascii: "#")
        try bytes.write(to: URL(fileURLWithPath: path))
    }

    @Test("D: a record whose bytes were damaged: log and export skip it, name it and go on; verify names it")
    func damagedRecord() throws {
        let (folder, path) = try Self.trail("damaged-record")
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try Self.fill(path, records: 30, batch: 30).status == 0)
        try Self.checkpoint(path)
        try Self.damage(path, at: "\"sequence\":7,")

        let log = try Self.changegate(["audit", "log", "--audit", path, "--limit", "100", "--format", "ndjson"])
        #expect(log.status == 1)
        #expect(log.stdout.split(separator: "\n").count == 29, "\(log.stdout)")
        #expect(log.stderr.contains("record 7 is damaged"), "\(log.stderr)")
        #expect(log.stdout.contains("\"sequence\":6,") && log.stdout.contains("\"sequence\":8,"))
        let export = try Self.changegate(["audit", "export", "--audit", path, "--format", "ndjson"])
        #expect(export.status == 1)
        #expect(export.stdout.split(separator: "\n").count == 29)
        #expect(export.stderr.contains("record 7 is damaged"), "\(export.stderr)")
        let show = try Self.changegate(["audit", "show", "--audit", path, "7"])
        #expect(show.status == 2)
        #expect(show.stderr.contains("record 7 of the audit trail"), "\(show.stderr)")
        let verify = try Self.changegate(["audit", "verify", "--audit", path])
        #expect(verify.status == 1)
        #expect(verify.stdout.hasPrefix("TAMPERED: record 7:"), "\(verify.stdout)")
    }

    @Test("D: a damaged index page passes the chain walk but not verify, which runs SQLite's integrity check")
    func damagedIndex() throws {
        let (folder, path) = try Self.trail("damaged-index")
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try Self.fill(path, records: 30, batch: 30).status == 0)
        try Self.checkpoint(path)
        let root = try Shell.run(["sqlite3", path, "SELECT rootpage FROM sqlite_master WHERE name = 'records_time'"])
        let page = try #require(Int(root.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        // The end of the page holds its cells (the index's keys): flip 16 bytes of them.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try handle.seek(toOffset: UInt64(page * 4096 - 24))
        let original = try #require(try handle.read(upToCount: 16))
        try handle.seek(toOffset: UInt64(page * 4096 - 24))
        try handle.write(contentsOf: Data(original.map { $0 ^ 0x55 }))
        try handle.close()

        let verify = try Self.changegate(["audit", "verify", "--audit", path])
        #expect(verify.status == 1, "\(verify.stdout)")
        #expect(verify.stdout.contains("DAMAGED: SQLite's integrity check"), "\(verify.stdout)")
        #expect(verify.stdout.contains("records_time") || verify.stdout.contains("page \(page)"), "\(verify.stdout)")
    }

    // MARK: - E: verify's memory

    /// The peak resident size, in KiB, of `arguments` run as a child (python3's getrusage).
    static func peakMemory(_ arguments: [String]) throws -> (status: Int, kibibytes: Int) {
        let script = """
            import resource, subprocess, sys
            status = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
            print(status, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
            """
        let result = try Shell.check(["python3", "-c", script] + arguments)
        let fields = result.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        return (fields.first ?? -1, fields.last ?? 0)
    }

    @Test("E: verify's peak memory does not grow with the trail (8,000 then 32,000 records)")
    func verifyMemoryFlat() throws {
        let (folder, path) = try Self.trail("memory")
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try Self.fill(path, records: 8_000, batch: 2_000).status == 0)
        let small = try Self.peakMemory([Paths.changegate.path, "audit", "verify", "--audit", path])
        #expect(small.status == 0)
        #expect(try Self.fill(path, records: 24_000, batch: 2_000, seed: 2).status == 0)
        let large = try Self.peakMemory([Paths.changegate.path, "audit", "verify", "--audit", path])
        #expect(large.status == 0)
        // Loading every record's settings grew it by about 8 MiB here; streaming by none.
        #expect(large.kibibytes - small.kibibytes < 3 * 1024, "\(small.kibibytes) KiB, then \(large.kibibytes) KiB")
    }
}
