import ChangeGate
import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// `changegate-bench`: ChangeGate's benchmark suite (`make bench`), and the generator of the
// synthetic repositories it runs on.
//
//   changegate-bench [--root DIR] [--scale small|full] [--only TEXT] [--output FILE.md] [--json FILE]
//   changegate-bench generate --commits N --files M [--large K] [--seed S] [--end EPOCH] [--small-yaml] DIR
//
// The scale defaults to $BENCH_SCALE, else `small` (minutes on a fresh machine); `full` makes the
// sizes docs/benchmarks.md reports. Repositories are generated under .build/bench and reused.

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> String? {
    arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
}
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("changegate-bench: \(message)\n".utf8))
    exit(2)
}
func progress(_ message: String) { FileHandle.standardError.write(Data("changegate-bench: \(message)\n".utf8)) }

// Absolute: the git commands run in other directories.
let root = URL(
    fileURLWithPath: option("--root") ?? ".",
    relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
).standardizedFileURL.path

if arguments.first == "generate" {
    guard let commits = option("--commits").flatMap(Int.init), let files = option("--files").flatMap(Int.init),
        let folder = arguments.last, arguments.count > 1
    else {
        fail(
            "usage: changegate-bench generate --commits N --files M [--large K] [--seed S] [--end EPOCH] [--small-yaml] DIR"
        )
    }
    let shape = SyntheticRepository.Shape(
        commits: commits, files: files, largeFiles: option("--large").flatMap(Int.init) ?? 0,
        seed: option("--seed").flatMap(UInt64.init) ?? 42,
        end: option("--end").flatMap(Int.init) ?? 1_767_225_600, smallYAML: arguments.contains("--small-yaml"))
    do {
        let repository = try SyntheticRepository.make(shape, under: folder, policies: root + "/policies")
        print(repository.path)
        exit(0)
    } catch { fail("\(error)") }
}

// `changegate-bench audit-fill --records N [--batch B] [--seed S] [--end EPOCH] PATH`: appends synthetic records
// to an audit trail, B per transaction (1 by default: every append contends for the lock, as
// concurrent hooks do). The audit cases fill a million-record trail and run writers at once (the
// tests have their own writer, ChangeGateAuditFill, over the same SyntheticAuditTrail).
if arguments.first == "audit-fill" {
    guard let count = option("--records").flatMap(Int.init), let path = arguments.last, arguments.count > 2 else {
        fail("usage: changegate-bench audit-fill --records N [--batch B] [--seed S] [--end EPOCH] PATH")
    }
    let batch = max(1, option("--batch").flatMap(Int.init) ?? 1)
    // Records come 465 s apart on average: with --end, the last lands about then.
    let end = option("--end").flatMap(Int.init)
    var trail = SyntheticAuditTrail(
        seed: option("--seed").flatMap(UInt64.init) ?? UInt64(getpid()),
        start: end.map { $0 - count * 465 } ?? 1_700_000_000)
    do {
        let store = try SQLiteAuditStore(path: path)
        try trail.fill(store, count: count, batch: batch, label: "p\(getpid())-")
        exit(0)
    } catch { fail("\(error)") }
}

let scale = option("--scale") ?? ProcessInfo.processInfo.environment["BENCH_SCALE"] ?? "small"
let shape: SyntheticRepository.Shape
/// The long history of the memory case: five times the commits.
let longShape: SyntheticRepository.Shape
/// Many small YAML files (issue 19's rows): 5,000 commits of 400, and at full scale 100,000 of 2,000.
var smallFileShapes = [SyntheticRepository.Shape(commits: 5_000, files: 400, largeFiles: 0, smallYAML: true)]
switch scale {
case "small":
    shape = SyntheticRepository.Shape(commits: 2_000, files: 500, largeFiles: 1)
    longShape = SyntheticRepository.Shape(commits: 10_000, files: 500, largeFiles: 1)
case "full":
    shape = SyntheticRepository.Shape(commits: 20_000, files: 5_000, largeFiles: 3)
    longShape = SyntheticRepository.Shape(commits: 100_000, files: 5_000, largeFiles: 3)
    smallFileShapes.append(SyntheticRepository.Shape(commits: 100_000, files: 2_000, largeFiles: 0, smallYAML: true))
default: fail("unknown scale \"\(scale)\" (small or full)")
}
// Today at 00:00 UTC: the history ends now, as a live repository's does.
let today = Int(Date().timeIntervalSince1970) / 86_400 * 86_400
var sized = shape
sized.end = today
let scratch = root + "/.build/bench"
let changegate = option("--changegate") ?? root + "/.build/release/changegate"
guard FileManager.default.isExecutableFile(atPath: changegate) else {
    fail("\(changegate) is not built (make bench builds it; or pass --changegate PATH)")
}

var results: [Measurement] = []
var peaks: [MemoryMeasurement] = []
var skipped: [SkippedCase] = []
var auditMemory: [MemoryCase] = []
var plans: [AuditStoreComparison.Plan] = []
/// Servers a case started (the web view's), stopped once every case is measured.
var stopServers: [() -> Void] = []
var browserPasses: [() -> [String]] = []
do {
    var cases = try PolicyEvaluation(policyPath: root + "/policies/failover.policy").cases()
    progress("generating \(shape) under \(scratch) (once; reused afterwards)")
    let clock = ContinuousClock()
    let started = clock.now
    let repository = try SyntheticRepository.make(sized, under: scratch, policies: root + "/policies")
    let elapsed = (clock.now - started).components
    progress(
        "repository ready in "
            + String(format: "%.1f s", Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
            + ": \(repository.path)")
    cases += try HookLatency(repository: repository, changegate: changegate, scratch: scratch).cases()
    let bench =
        CommandLine.arguments[0].hasPrefix("/") ? CommandLine.arguments[0] : root + "/" + CommandLine.arguments[0]
    let auditRecords = scale == "full" ? 1_000_000 : 100_000
    cases += try AuditQueries(changegate: changegate, filler: bench, scratch: scratch, records: auditRecords).cases()
    if option("--only").map({ only in
        ["audit", "PostgreSQL", "SQLite"].contains { $0.contains(only) || only.contains($0) }
    })
        ?? true
    {
        let filler =
            option("--filler") ?? URL(fileURLWithPath: changegate).deletingLastPathComponent().path
            + "/ChangeGateAuditFill"
        let server = URL(fileURLWithPath: changegate).deletingLastPathComponent().path + "/changegate-postgres"
        if !FileManager.default.isExecutableFile(atPath: filler)
            || !FileManager.default.isExecutableFile(atPath: server)
        {
            skipped.append(
                SkippedCase(
                    name: "audit stores: SQLite against PostgreSQL",
                    reason: "\(filler) or \(server) is not built (make bench builds both)"))
        } else {
            let comparison = try AuditStoreComparison(
                changegate: changegate, filler: filler, scratch: scratch,
                trail: AuditQueries.filledTrail(records: auditRecords, filler: bench, scratch: scratch),
                smallTrail: AuditQueries.filledTrail(records: auditRecords / 10, filler: bench, scratch: scratch),
                records: auditRecords
            ).cases()
            cases += comparison.timed
            auditMemory = comparison.memory
            plans = comparison.plans
        }
    }
    if option("--only").map({ only in "web view".contains(only) || only.contains("web") }) ?? true {
        let server = URL(fileURLWithPath: changegate).deletingLastPathComponent().path + "/changegate-server"
        if FileManager.default.isExecutableFile(atPath: server) {
            let web = try WebViewPages(
                server: server, trail: AuditQueries.filledTrail(records: auditRecords, filler: bench, scratch: scratch),
                repository: repository.path, scratch: scratch, records: auditRecords, root: root
            ).cases()
            cases += web.timed
            browserPasses.append(web.browser)
            stopServers.append(web.stop)
        } else {
            skipped.append(
                SkippedCase(name: "web view", reason: "\(server) is not built (make bench builds it)"))
        }
    }
    cases += try SettingsDiffing(repository: repository, changegate: changegate, scratch: scratch).cases()
    var long = longShape
    long.end = today
    var memoryCases: [MemoryCase] = []
    if option("--only").map({ "history".contains($0) || $0.contains("history") }) ?? true {
        progress("generating \(longShape) for the memory case (once; reused afterwards)")
        let longRepository = try SyntheticRepository.make(long, under: scratch, policies: root + "/policies")
        let history = try HistoryScan(
            repository: repository, longRepository: longRepository, changegate: changegate,
            policyPath: root + "/policies/failover.policy", scratch: scratch, runs: scale == "full" ? 3 : 5
        ).cases()
        cases += history.timed
        memoryCases = history.memory
        cases.append(
            try GitParity(changegate: changegate, policies: root + "/policies", scratch: scratch, environment: [:])
                .indexedQuery(longRepository))
    }
    let parity = GitParity(
        changegate: changegate, policies: root + "/policies", scratch: scratch,
        environment: ProcessInfo.processInfo.environment)
    cases.append(try parity.oneCommitCheck(repository))
    if option("--only").map({ "history".contains($0) || $0.contains("history") }) ?? true {
        for var small in smallFileShapes {
            small.end = today
            progress("generating \(small) (once; reused afterwards)")
            let smallRepository = try SyntheticRepository.make(small, under: scratch, policies: root + "/policies")
            cases += try parity.smallFiles(smallRepository, runs: small.commits > 10_000 ? 3 : 5)
        }
    }
    // Counting the rows of a real history takes seconds: only when the run may list its cases.
    if option("--only").map({ only in
        ["history", "diff", "cloudnative-pg", "patroni"].contains { $0.contains(only) || only.contains($0) }
    }) ?? true {
        let real = try parity.realRepositories(runs: scale == "full" ? 5 : 3)
        cases += real.cases
        skipped += real.skipped
    }
    if let only = option("--only") {
        cases = cases.filter { $0.name.contains(only) }
        memoryCases = memoryCases.filter { $0.name.contains(only) }
    }
    memoryCases += auditMemory
    if let only = option("--only") { memoryCases = memoryCases.filter { $0.name.contains(only) } }
    for memoryCase in memoryCases {
        let peak = try memoryCase.measure()
        peaks.append(peak)
        print("\(memoryCase.name): peak \(Report.mebibytes(peak.peakKiB))")
    }
    for benchmark in cases {
        let result = try benchmark.measure()
        results.append(result)
        var line = "\(benchmark.name): median \(Report.milliseconds(result.median))"
        if let rate = result.rate { line += String(format: " (%.0f a second)", rate) }
        if let ratio = result.ratio, let reference = result.referenceMedian {
            line += ", reference \(Report.milliseconds(reference)), ratio \(Report.ratio(ratio))"
        }
        print(line)
    }
} catch {
    for stop in stopServers { stop() }
    fail("\(error)")
}
var browserLines: [String] = []
for pass in browserPasses {
    progress("the web view in headless Chromium over the same trail")
    browserLines += pass()
}
for line in browserLines { print("web view in Chromium: \(line)") }
for stop in stopServers { stop() }

var system = utsname()
_ = uname(&system)
let machine =
    "\(ProcessInfo.processInfo.activeProcessorCount) cores, "
    + "\(ProcessInfo.processInfo.physicalMemory / (1 << 30)) GiB, "
    + withUnsafeBytes(of: &system.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    + ", git \((try? Shell.output("git", ["--version"]))?.replacingOccurrences(of: "git version ", with: "").trimmingCharacters(in: .whitespacesAndNewlines) ?? "?")"
let epilogueFile = root + "/docs/benchmarks-notes.md"
let report = Report(
    machine: machine, date: ISO8601DateFormatter().string(from: Date()), scale: "\(scale): \(shape)",
    results: results, memory: peaks, skipped: skipped, plans: plans, browser: browserLines,
    epilogue: (try? String(contentsOfFile: epilogueFile, encoding: .utf8)) ?? "")
do {
    if let output = option("--output") { try report.markdown.write(toFile: output, atomically: true, encoding: .utf8) }
    if let json = option("--json") { try report.json.write(toFile: json, atomically: true, encoding: .utf8) }
} catch {
    fail("\(error)")
}
