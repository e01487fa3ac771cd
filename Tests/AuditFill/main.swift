import ChangeGate
import ChangeGatePostgres
import Foundation
import TestSupport

// `ChangeGateAuditFill --records N [--batch B] [--seed S] [--end EPOCH] [--writers W] LOCATION`: appends synthetic
// records (``SyntheticAuditTrail``) to the trail at LOCATION, a SQLite file or a postgres:// URL
// (through ``BlockingAuditStore``, as `changegate-server` opens it), B per transaction (1 by
// default: every append contends for the lock, as concurrent hooks do). The audit tests run several
// at once, kill one mid-append, and hold its locks: they need writer processes, not the bench.
//
// With `--attempts RETRIES` it writes one record per append, each attempt named by an id of its
// own in the record's actor (`w<pid>-<record>-<attempt>`), and says what became of each: `ok ID SEQ`
// on standard output once the append returned, `error ID: …` on standard error when it failed, when
// it retries (up to RETRIES more times), and `gave up` and exit 1 when a record could not be
// appended. The fault tests compare these reports with the trail.

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> String? {
    arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
}
func say(_ handle: FileHandle, _ line: String) { handle.write(Data((line + "\n").utf8)) }
func fail(_ message: String) -> Never {
    say(FileHandle.standardError, "ChangeGateAuditFill: \(message)")
    exit(2)
}

guard let count = option("--records").flatMap(Int.init), let location = arguments.last, arguments.count > 2 else {
    fail(
        "usage: ChangeGateAuditFill --records N [--batch B] [--seed S] [--end EPOCH] [--attempts R] [--writers W] [--wait S] "
            + "LOCATION"
    )
}
// Records come 465 s apart on average: with --end, the last lands about then.
let end = option("--end").flatMap(Int.init)
var trail = SyntheticAuditTrail(
    seed: option("--seed").flatMap(UInt64.init) ?? UInt64(getpid()),
    start: end.map { $0 - count * 465 } ?? 1_700_000_000)
let wait = Duration.seconds(option("--wait").flatMap(Int.init) ?? 10)

func open() throws(AuditError) -> any AuditStore { try openStore(location, waitLimit: wait) }

@Sendable func openStore(_ location: String, waitLimit: Duration) throws(AuditError) -> any AuditStore {
    if AuditStores.isPath(location) { return try SQLiteAuditStore(path: location, waitLimit: waitLimit) }
    return try BlockingAuditStore.openPostgres(
        location, environment: ProcessInfo.processInfo.environment, waitLimit: waitLimit)
}

if let retries = option("--attempts").flatMap(Int.init) {
    let label = "w\(getpid())"
    var store: (any AuditStore)?
    var failed = false
    for index in 0..<count {
        var appended = false
        for attempt in 0...retries where !appended {
            var record = trail.next(label: label)
            let id = "\(label)-\(index)-\(attempt)"
            record.actor = id
            do {
                if store == nil { store = try open() }
                let entries = try store!.append([record])
                say(FileHandle.standardOutput, "ok \(id) \(entries[0].record.sequence)")
                appended = true
            } catch {
                say(FileHandle.standardError, "error \(id): \(error)")
                // A back-off between tries, not a wait for anything: the server is coming back or not.
                usleep(100_000)
            }
        }
        if !appended {
            say(FileHandle.standardError, "gave up on record \(index) after \(retries + 1) attempts")
            failed = true
        }
    }
    exit(failed ? 1 : 0)
}

// `--writers N`: N threads, each with a store (a connection) of its own, each appending `count`
// records: the bench's many writers in one process, as a service's concurrent checks are.
if let writers = option("--writers").flatMap(Int.init), writers > 1 {
    let seed = option("--seed").flatMap(UInt64.init) ?? UInt64(getpid())
    let batch = option("--batch").flatMap(Int.init) ?? 1
    let failures = Failures()
    let group = DispatchGroup()
    let start = trail.time
    let (target, limit) = (location, wait)
    for writer in 0..<writers {
        group.enter()
        Thread.detachNewThread {
            defer { group.leave() }
            var own = SyntheticAuditTrail(seed: seed &+ UInt64(writer), start: start)
            do {
                let store = try openStore(target, waitLimit: limit)
                try own.fill(store, count: count, batch: batch, label: "p\(getpid())w\(writer)-")
            } catch {
                failures.add("writer \(writer): \(error)")
            }
        }
    }
    group.wait()
    if let first = failures.first { fail(first) }
    exit(0)
}

/// The writers' errors, from their threads.
final class Failures: @unchecked Sendable {
    // @unchecked Sendable: `messages` is touched only while `lock` is held.
    private let lock = NSLock()
    private var messages: [String] = []
    func add(_ message: String) { lock.withLock { messages.append(message) } }
    var first: String? { lock.withLock { messages.first } }
}

do {
    let store = try open()
    try trail.fill(store, count: count, batch: option("--batch").flatMap(Int.init) ?? 1, label: "p\(getpid())-")
    // Exits with the store open: its -wal and -shm stay, as after a crash (the tests rely on it).
    exit(0)
} catch {
    fail("\(error)")
}
