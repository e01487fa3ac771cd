import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A long-running process of a simulated cluster (etcd, a Patroni member, a Redis server): started
/// in a process group of its own, as the cluster's user, its output in a log file.
///
/// Not `Foundation.Process`: the child would inherit the descriptors `Process` watches it with, and
/// a server it starts (PostgreSQL under Patroni) would hold them open after it is gone. Here the
/// child gets /dev/null, its log, and nothing else.
struct ClusterProcess: Sendable, Hashable {
    let pid: pid_t
    let name: String
    let log: String

    /// Starts `arguments` as `user` (through `setpriv`, which execs: the pid is the program's), in
    /// a new process group, stdout and stderr appended to `log`.
    static func start(
        _ arguments: [String], name: String, log: String, user: String?, environment: [String: String]
    ) throws(SimulationError) -> ClusterProcess {
        var command = arguments
        if let user {
            // The user's own group by number: `nobody`'s is `nogroup`, not a group named like it.
            let group = getpwnam(user).map { String($0.pointee.pw_gid) } ?? user
            command = ["/usr/bin/setpriv", "--reuid=\(user)", "--regid=\(group)", "--init-groups", "--"] + command
        }
        // bash closes every descriptor above 2 and execs the program (glibc's closefrom action is
        // not visible to Swift).
        let closing =
            #"for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done; exec "$@""#
        let argv = ["/bin/bash", "-c", closing, "bash"] + command
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A group of its own: the cleanup kills the group, and a terminal's Ctrl-C reaches only us,
        // so that we stop the cluster in order instead of it dying half-way.
        // The servers get an empty signal mask and default actions: this process blocks SIGINT and
        // SIGTERM for its waiting thread (``SimulationInterrupts``), and a child would inherit that.
        var none = sigset_t()
        sigemptyset(&none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        var cEnvironment: [UnsafeMutablePointer<CChar>?] =
            environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in cEnvironment { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/bash", &actions, &attributes, &cArguments, &cEnvironment)
        guard spawned == 0 else {
            throw SimulationError(
                .clusterStart, "cannot start \(name) (\(arguments[0])): \(String(cString: strerror(spawned)))")
        }
        return ClusterProcess(pid: pid, name: name, log: log)
    }

    /// Whether the process is still running (not exited, not a zombie we have yet to reap).
    var isRunning: Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == 0
    }

    /// SIGKILL to the whole group, then reaps the process.
    func kill() {
        _ = Glibc.kill(-pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
    }

    /// The last `lines` lines of its log.
    func logTail(_ lines: Int = 20) -> String {
        ClusterFiles.tail(of: log, lines: lines)
    }
}

/// Small file helpers of the cluster's folder.
enum ClusterFiles {
    static func tail(of path: String, lines: Int) -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return "" }
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// The first line of a PostgreSQL data folder's `postmaster.pid`: the running postmaster.
    static func postmasterPID(dataFolder: String) -> pid_t? {
        guard let text = try? String(contentsOfFile: dataFolder + "/postmaster.pid", encoding: .utf8),
            let first = text.split(separator: "\n").first, let pid = pid_t(first)
        else { return nil }
        return pid
    }

    /// The processes whose parent is `pid` (from /proc), for a node's loss: a postmaster's backends.
    static func children(of pid: pid_t) -> [pid_t] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap(pid_t.init).filter { candidate in
            guard let stat = try? String(contentsOfFile: "/proc/\(candidate)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            // Fields after the command's closing parenthesis: state, ppid, …
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && pid_t(fields[1]) == pid
        }
    }
}
