import Foundation

/// Runs real programs (git, python3, changegate) for the tests.
enum Shell {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    struct Failure: Error, CustomStringConvertible {
        var command: String
        var result: Result
        var description: String { "`\(command)` exited \(result.status): \(result.stderr)\(result.stdout)" }
    }

    /// Runs `arguments` (the first is looked up on PATH) and returns what it printed.
    @discardableResult
    static func run(
        _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:], input: Data? = nil
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        let inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(input) }
        try inPipe.fileHandleForWriting.close()
        // Read both pipes while the process runs so that neither fills up.
        nonisolated(unsafe) var errData = Data()
        let errReader = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
        errReader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errReader.isFinished { usleep(1000) }
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs and throws unless the exit status is 0.
    @discardableResult
    static func check(
        _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:], input: Data? = nil
    ) throws -> String {
        let result = try run(arguments, in: directory, environment: environment, input: input)
        guard result.status == 0 else {
            throw Failure(command: arguments.joined(separator: " "), result: result)
        }
        return result.stdout
    }
}
