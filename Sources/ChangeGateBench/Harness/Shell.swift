import Foundation

/// Runs the processes a benchmark needs (git, the hook) and reports failures with their output.
enum Shell {
    struct Failure: Error, CustomStringConvertible {
        var command: String
        var status: Int32
        var output: String
        var description: String { "`\(command)` exited \(status)\(output.isEmpty ? "" : ": " + output)" }
    }

    /// Runs `tool` and returns its exit status and its standard error.
    static func result(
        _ tool: String, _ arguments: [String], input: String, environment: [String: String], directory: String
    ) throws -> (Int32, String) {
        let process = try makeProcess(tool, arguments, environment: environment, directory: directory)
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent(
            "changegate-bench-\(getpid()).err")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let handle = try FileHandle(forWritingTo: errorFile)
        process.standardError = handle
        process.standardOutput = FileHandle.nullDevice
        let pipe = Pipe()
        process.standardInput = pipe
        try process.run()
        pipe.fileHandleForWriting.write(Data(input.utf8))
        try pipe.fileHandleForWriting.close()
        process.waitUntilExit()
        try handle.close()
        return (process.terminationStatus, (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "")
    }

    /// Runs `tool` and throws unless it exits 0.
    static func run(_ tool: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        _ = try output(tool, arguments, environment: environment)
    }

    /// Runs `tool` and returns its standard output; throws unless it exits 0.
    /// The number of lines `tool` writes, counted by `wc -l`: the output never sits in this
    /// process, whose resident size a child spawned later would report as its own peak (Linux keeps
    /// `ru_maxrss` across the child's exec).
    static func lineCount(_ tool: String, _ arguments: [String]) throws -> Int {
        let quoted = ([tool] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let text = try output("sh", ["-c", quoted.joined(separator: " ") + " | wc -l"])
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    static func output(_ tool: String, _ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let process = try makeProcess(tool, arguments, environment: environment, directory: nil)
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes to the end before waiting, so that a full pipe cannot stall the child.
        nonisolated(unsafe) var errorData = Data()
        let reader = Thread { errorData = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !reader.isFinished { usleep(1_000) }
        guard process.terminationStatus == 0 else {
            throw Failure(
                command: ([tool] + arguments).joined(separator: " "), status: process.terminationStatus,
                output: String(decoding: errorData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Runs `tool` with `produce` writing its standard input piece by piece (a stream too large to
    /// hold); throws unless it exits 0.
    static func feed(_ tool: String, _ arguments: [String], produce: ((String) -> Void) -> Void) throws {
        let process = try makeProcess(tool, arguments, environment: [:], directory: nil)
        let pipe = Pipe()
        process.standardInput = pipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let handle = pipe.fileHandleForWriting
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        produce { piece in
            buffer.append(contentsOf: piece.utf8)
            if buffer.count >= 1 << 20 {
                handle.write(Data(buffer))
                buffer.removeAll(keepingCapacity: true)
            }
        }
        handle.write(Data(buffer))
        try handle.close()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(
                command: ([tool] + arguments).joined(separator: " "), status: process.terminationStatus, output: "")
        }
    }

    private static func makeProcess(
        _ tool: String, _ arguments: [String], environment: [String: String], directory: String?
    ) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool.hasPrefix("/") ? tool : "/usr/bin/env")
        process.arguments = tool.hasPrefix("/") ? arguments : [tool] + arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        return process
    }
}
