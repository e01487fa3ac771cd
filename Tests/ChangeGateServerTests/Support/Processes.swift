import Dispatch
import Foundation

/// Runs real programs (git, the built binaries) for the server's tests.
enum Processes {
    struct Result: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    struct Failure: Error, CustomStringConvertible {
        var command: [String]
        var result: Result
        var description: String { "`\(command.joined(separator: " "))` exited \(result.status): \(result.stderr)" }
    }

    /// Runs `arguments` (the first looked up on PATH) in `directory` and returns what it printed.
    @discardableResult
    static func run(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws
        -> Result
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("cg-\(UUID().uuidString)")
        // Files rather than pipes: nothing to drain while the process runs.
        let out = scratch.appendingPathExtension("out")
        let err = scratch.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    /// ``run(_:in:environment:)`` on a thread of Dispatch's, for an async test that talks to the
    /// service in the same process: waiting on the cooperative pool (two threads on two cores)
    /// would starve the service's handlers, and the program would wait for an answer that cannot come.
    static func detached(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:])
        async throws -> Result
    {
        let outcome: Swift.Result<Result, any Error> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    returning: Swift.Result { try run(arguments, in: directory, environment: environment) })
            }
        }
        return try outcome.get()
    }

    /// Runs `arguments` and throws unless it exits 0.
    @discardableResult
    static func succeed(_ arguments: [String], in directory: URL? = nil) throws -> String {
        let result = try run(arguments, in: directory)
        guard result.status == 0 else { throw Failure(command: arguments, result: result) }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The package's folder, and the binaries built in it.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// `name` built beside the test bundle, else in `.build/debug`.
    static func binary(_ name: String) -> URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return packageRoot.appendingPathComponent(".build/debug/\(name)")
    }

    /// The forges' real payloads: `../shared/testdata/forges` beside the checkout, or
    /// `$CHANGEGATE_TESTDATA/forges`. Read from there, never copied in.
    static var forgePayloads: URL? {
        let root =
            ProcessInfo.processInfo.environment["CHANGEGATE_TESTDATA"].map { URL(fileURLWithPath: $0) }
            ?? packageRoot.deletingLastPathComponent().appendingPathComponent("shared/testdata")
        let forges = root.appendingPathComponent("forges")
        return FileManager.default.fileExists(atPath: forges.path) ? forges : nil
    }
}
