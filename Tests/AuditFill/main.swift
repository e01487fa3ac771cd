import ChangeGate
import Foundation
import TestSupport

// `ChangeGateAuditFill --records N [--batch B] [--seed S] [--end EPOCH] PATH`: appends synthetic
// records (``SyntheticAuditTrail``) to the SQLite trail at PATH, B per transaction (1 by default:
// every append contends for the lock, as concurrent hooks do). The audit tests run several at once,
// kill one mid-append, and hold its locks: they need writer processes, not the bench.

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> String? {
    arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
}
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("ChangeGateAuditFill: \(message)\n".utf8))
    exit(2)
}

guard let count = option("--records").flatMap(Int.init), let path = arguments.last, arguments.count > 2 else {
    fail("usage: ChangeGateAuditFill --records N [--batch B] [--seed S] [--end EPOCH] PATH")
}
// Records come 465 s apart on average: with --end, the last lands about then.
let end = option("--end").flatMap(Int.init)
var trail = SyntheticAuditTrail(
    seed: option("--seed").flatMap(UInt64.init) ?? UInt64(getpid()),
    start: end.map { $0 - count * 465 } ?? 1_700_000_000)
do {
    let store = try SQLiteAuditStore(path: path)
    try trail.fill(store, count: count, batch: option("--batch").flatMap(Int.init) ?? 1, label: "p\(getpid())-")
    // Exits with the store open: its -wal and -shm stay, as after a crash (the tests rely on it).
    exit(0)
} catch {
    fail("\(error)")
}
