import ChangeGate
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The hook publishing signed checkpoints (`changegate.checkpoint.*` in the repository's config),
/// through real pushes into a bare repository with the hook installed, and the attacks of
/// docs/security.md entry 40: a checkpoint of a forked chain, the key read or swapped, the
/// published file redirected.
@Suite("changegate hook: publishing checkpoints (real pushes)")
struct CheckpointPublishingTests {
    struct Setup {
        var push: HookPushTests.Setup
        var keys: URL
        var trail: String { push.server.url.appendingPathComponent("changegate/audit.sqlite").path }
        var published: String { keys.appendingPathComponent("published/checkpoint.txt").path }
        var key: String { keys.appendingPathComponent("log.key").path }
        var pub: String { keys.appendingPathComponent("log.pub").path }

        init(every: Int? = nil, interval: String? = nil) throws {
            push = try HookPushTests.makeSetup()
            keys = try Paths.temporaryDirectory("ckpt-hook")
            try FileManager.default.createDirectory(
                at: keys.appendingPathComponent("published"), withIntermediateDirectories: true)
            let made = try Shell.run([
                Paths.changegate.path, "audit", "keygen", "--name", "git.example.com/changegate/config", "--out",
                keys.appendingPathComponent("log").path,
            ])
            #expect(made.status == 0, "\(made.stderr)")
            try config("changegate.checkpoint.key", key)
            try config("changegate.checkpoint.path", published)
            if let every { try config("changegate.checkpoint.every", String(every)) }
            if let interval { try config("changegate.checkpoint.interval", interval) }
        }

        func config(_ key: String, _ value: String) throws {
            _ = try push.server.git(["config", key, value])
        }

        /// Commits a README change in the clone and pushes it to main (an unwatched change: allowed).
        mutating func pushChange(_ text: String) throws -> Shell.Result {
            try push.work.write("README.md", text + "\n")
            _ = try push.work.commit(text, author: "Frank <frank@example.com>")
            return try push.push(["HEAD:refs/heads/main"])
        }

        func trailSize() throws -> Int {
            try SQLiteAuditStore(path: trail, access: .readOnly).head()?.sequence ?? 0
        }

        func publishedCheckpoint() throws -> SignedCheckpoint {
            try SignedCheckpoint(parsing: try String(contentsOfFile: published, encoding: .utf8), source: published)
        }

        func verify() throws -> Shell.Result {
            try Shell.run([
                Paths.changegate.path, "audit", "verify", "--audit", trail, "--checkpoint", published, "--key", pub,
            ])
        }

        func remove() {
            push.remove()
            try? FileManager.default.removeItem(at: keys)
        }
    }

    @Test("with every = 4, real pushes publish a checkpoint at most 3 records behind the trail, and it verifies")
    func everyRecords() throws {
        var s = try Setup(every: 4)
        defer { s.remove() }
        var publishedSizes: [Int] = []
        for round in 1...5 {
            let result = try s.pushChange("round \(round)")
            #expect(result.status == 0, "\(result.stderr)")
            let size = try s.trailSize()
            let checkpoint = try s.publishedCheckpoint().checkpoint
            #expect(checkpoint.size <= size)
            #expect(size - checkpoint.size < 4, "round \(round): trail \(size), checkpoint \(checkpoint.size)")
            if publishedSizes.last != checkpoint.size { publishedSizes.append(checkpoint.size) }
            if result.stderr.contains("published a signed checkpoint") {
                #expect(result.stderr.contains("(git.example.com/changegate/config) to \(s.published)"))
            }
        }
        // Not on every push's every record: fewer checkpoints than records, more than one.
        #expect(publishedSizes.count >= 2)
        #expect(try s.trailSize() > publishedSizes.count)
        let verified = try s.verify()
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        #expect(
            verified.stdout.contains("record \(try s.publishedCheckpoint().checkpoint.size) has the checkpoint's hash"))
        let attributes = try FileManager.default.attributesOfItem(atPath: s.published)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o644)
        let leftovers = try FileManager.default.contentsOfDirectory(
            atPath: (s.published as NSString).deletingLastPathComponent)
        #expect(leftovers.sorted() == ["checkpoint.txt", "checkpoint.txt.lock"], "no temporary file is left behind")
    }

    @Test("with only a long interval, the first push publishes and the next ones do not")
    func interval() throws {
        var s = try Setup(interval: "1d")
        defer { s.remove() }
        #expect(try s.pushChange("one").stderr.contains("published a signed checkpoint"))
        let first = try s.publishedCheckpoint()
        let second = try s.pushChange("two")
        #expect(second.status == 0)
        #expect(!second.stderr.contains("checkpoint"))
        #expect(try s.publishedCheckpoint() == first)
        #expect(try s.trailSize() > first.checkpoint.size)
    }

    @Test("40a: a trail rewritten under the hook gets no checkpoint: the published one stays, and the push says why")
    func forkedChainNotPublished() throws {
        var s = try Setup(every: 1)
        defer { s.remove() }
        #expect(try s.pushChange("one").status == 0)
        let before = try String(contentsOfFile: s.published, encoding: .utf8)
        let size = try s.publishedCheckpoint().checkpoint.size
        // Someone with the file replaces the trail with another history, longer, and its local witness.
        let other = s.keys.appendingPathComponent("other.sqlite").path
        try AuditChainTests.fill(other, records: size + 3, batch: size + 3, seed: 5)
        for suffix in ["", "-wal", "-shm", ".head"] {
            try? FileManager.default.removeItem(atPath: s.trail + suffix)
            // The filler leaves its records in the write-ahead log, as a writer that exits does.
            if suffix != ".head" { try? FileManager.default.moveItem(atPath: other + suffix, toPath: s.trail + suffix) }
        }
        #expect(try s.trailSize() == size + 3)
        let result = try s.pushChange("two")
        #expect(result.status == 0, "the push is recorded and lands: \(result.stderr)")
        #expect(result.stderr.contains("WARNING: no checkpoint was published"))
        #expect(result.stderr.contains("does not extend the checkpoint signed before"))
        #expect(try String(contentsOfFile: s.published, encoding: .utf8) == before)
        // The auditor's verify of the published checkpoint names the rewrite.
        let verified = try s.verify()
        #expect(verified.status == 1)
        #expect(verified.stdout.contains("the trail was rewritten after the checkpoint was signed"))
    }

    @Test("40b: a signer key readable by others is refused, and no push output shows the key")
    func keyReadableByOthers() throws {
        var s = try Setup()
        defer { s.remove() }
        let keyText = try String(contentsOfFile: s.key, encoding: .utf8)
        let secret = keyText.split(separator: "+", maxSplits: 4).last.map(String.init) ?? ""
        #expect(secret.count > 40)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: s.key)
        let result = try s.pushChange("one")
        #expect(result.status == 0)
        #expect(result.stderr.contains("WARNING: no checkpoint was published"))
        #expect(result.stderr.contains("can be read or written by group or others (mode 644)"))
        #expect(result.stderr.contains("chmod 600"))
        #expect(!result.stderr.contains(secret.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(!FileManager.default.fileExists(atPath: s.published))

        // A key file that is no key: refused without quoting what it holds.
        try Data("PRIVATE+KEY+x+00000000+TOPSECRETMATERIAL\n".utf8).write(to: URL(fileURLWithPath: s.key))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: s.key)
        let garbage = try s.pushChange("two")
        #expect(garbage.stderr.contains("is not a signer key"))
        #expect(!garbage.stderr.contains("TOPSECRETMATERIAL"))
    }

    @Test("40c: a signer key swapped for a symbolic link is refused")
    func keySymlink() throws {
        var s = try Setup()
        defer { s.remove() }
        let real = s.keys.appendingPathComponent("real.key").path
        try FileManager.default.moveItem(atPath: s.key, toPath: real)
        try FileManager.default.createSymbolicLink(atPath: s.key, withDestinationPath: real)
        let result = try s.pushChange("one")
        #expect(result.status == 0)
        #expect(result.stderr.contains("is a symbolic link"))
        #expect(!FileManager.default.fileExists(atPath: s.published))
    }

    @Test("40d: a symbolic link at the published path is replaced, not written through")
    func publishedPathSymlink() throws {
        var s = try Setup()
        defer { s.remove() }
        let victim = s.keys.appendingPathComponent("victim.txt").path
        try Data("keep me\n".utf8).write(to: URL(fileURLWithPath: victim))
        try FileManager.default.createSymbolicLink(atPath: s.published, withDestinationPath: victim)
        let result = try s.pushChange("one")
        #expect(result.status == 0)
        // The link's target is not a checkpoint of this key: it is left alone, and so is the victim.
        #expect(result.stderr.contains("no checkpoint was published"))
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep me\n")
        // With the link removed, the next push publishes a regular file.
        try FileManager.default.removeItem(atPath: s.published)
        #expect(try s.pushChange("two").stderr.contains("published a signed checkpoint"))
        var info = stat()
        #expect(lstat(s.published, &info) == 0 && info.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG))
    }

    @Test("a run that cannot take the publishing lock (another run holds it) publishes nothing and says so")
    func lockHeld() throws {
        var s = try Setup()
        defer { s.remove() }
        let descriptor = open(s.published + ".lock", O_RDWR | O_CREAT, 0o644)
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        #expect(flock(descriptor, LOCK_EX) == 0)
        let held = try s.pushChange("one")
        #expect(held.status == 0)
        #expect(held.stderr.contains("another process holds \(s.published).lock"))
        #expect(!FileManager.default.fileExists(atPath: s.published))
        flock(descriptor, LOCK_UN)
        #expect(try s.pushChange("two").stderr.contains("published a signed checkpoint"))
    }

    @Test("a configuration that is half there, or relative, is reported and does not refuse the push")
    func badConfiguration() throws {
        var s = try Setup()
        defer { s.remove() }
        try s.config("changegate.checkpoint.key", "relative.key")
        let relative = try s.pushChange("one")
        #expect(relative.status == 0)
        #expect(relative.stderr.contains("changegate.checkpoint.key must be an absolute path"))
        try s.config("changegate.checkpoint.key", s.key)
        try s.config("changegate.checkpoint.every", "often")
        let every = try s.pushChange("two")
        #expect(every.status == 0)
        #expect(every.stderr.contains("changegate.checkpoint.every must be a number of records"))
    }

    @Test("intervals parse as seconds, minutes, hours, days; a bare number is minutes")
    func intervals() {
        #expect(CheckpointPublishing.parseInterval("90s") == 90)
        #expect(CheckpointPublishing.parseInterval("15m") == 900)
        #expect(CheckpointPublishing.parseInterval("15") == 900)
        #expect(CheckpointPublishing.parseInterval("2h") == 7200)
        #expect(CheckpointPublishing.parseInterval("1d") == 86400)
        for bad in ["", "m", "0", "-5m", "1w", "1.5h", "٣m"] {
            #expect(CheckpointPublishing.parseInterval(bad) == nil, "\(bad)")
        }
    }
}
