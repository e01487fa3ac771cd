import Foundation

/// Starts a process with `posix_spawn` and waits with `waitpid`: what the timed cases use, because
/// Foundation's `Process.waitUntilExit` polls its run loop and rounds every run up to ~50 ms.
enum Spawn {
    /// Runs `executable` (an absolute path) in `directory` with `input` on standard input (from a
    /// file, as git gives a hook its input), output discarded; returns the exit status.
    static func run(
        _ executable: String, _ arguments: [String], inputFile: String, environment: [String: String],
        directory: String
    ) throws -> Int32 {
        try runMeasuringMemory(
            executable, arguments, inputFile: inputFile, environment: environment, directory: directory
        ).status
    }

    /// Like ``run(_:_:inputFile:environment:directory:)``, and the child's peak resident memory in
    /// KiB (`ru_maxrss` from `wait4`).
    static func runMeasuringMemory(
        _ executable: String, _ arguments: [String], inputFile: String, environment: [String: String],
        directory: String
    ) throws -> (status: Int32, peakKiB: Int) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inputFile, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)

        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        // glibc's posix_spawn_file_actions_addchdir_np is not imported into Swift: the benchmark
        // is single-threaded, so it changes its own directory around the spawn.
        let previous = FileManager.default.currentDirectoryPath
        guard chdir(directory) == 0 else {
            throw Shell.Failure(command: "cd \(directory)", status: errno, output: String(cString: strerror(errno)))
        }
        defer { _ = chdir(previous) }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard spawned == 0 else {
            throw Shell.Failure(command: executable, status: spawned, output: String(cString: strerror(spawned)))
        }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) == -1 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS, which Swift does not import.
        return (status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f), usage.ru_maxrss)
    }

    /// Starts `executable` with its output discarded, without waiting; see ``wait(_:)``.
    static func start(_ executable: String, _ arguments: [String]) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw Shell.Failure(command: executable, status: spawned, output: String(cString: strerror(spawned)))
        }
        return pid
    }

    /// Waits for a process started by ``start(_:_:)``; returns its exit status.
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}
