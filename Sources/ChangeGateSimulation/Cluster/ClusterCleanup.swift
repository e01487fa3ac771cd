import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Leaves nothing running: every cluster has a cleanup script in its folder that kills what it
/// started and removes the folder. It runs when the cluster is stopped, from the signal handler
/// on SIGINT and SIGTERM (``SimulationInterrupts``), and from a watchdog that runs it once this
/// process is gone however it ended (a crash, SIGKILL, a test run cut short).
///
/// A script rather than Swift because the watchdog outlives us. PostgreSQL's processes are not in
/// Patroni's process group (Patroni starts the postmaster in a session of its own and each backend
/// makes its own), so the script finds each member's postmaster by its data folder's
/// `postmaster.pid`, checks the process is that server, and kills its children and it.
enum ClusterCleanup {
    static let active = Locked<[String: String]>([:])

    /// Writes `folder`/cleanup.sh. `pidsFile` lists the process groups to kill, one a line.
    static func writeScript(folder: String) throws(SimulationError) -> String {
        let script = """
            #!/bin/sh
            # Written by changegate simulate: stops this cluster and removes its folder.
            F='\(folder)'
            [ -d "$F" ] || exit 0
            # The groups first (Patroni, etcd, Redis): a live Patroni would restart PostgreSQL.
            if [ -f "$F/pids" ]; then
              while read -r pid; do
                # procps's kill: dash's builtin takes no process group (`-- -PID`).
                [ -n "$pid" ] && grep -qaF "$F" /proc/"$pid"/cmdline 2>/dev/null \
                  && { /bin/kill -KILL -- -"$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null; }
              done < "$F/pids"
            fi
            for pidfile in "$F"/run/*/data/postmaster.pid; do
              [ -f "$pidfile" ] || continue
              pm=$(head -n 1 "$pidfile")
              if [ -n "$pm" ] && grep -qaF "$F" /proc/"$pm"/cmdline 2>/dev/null; then
                pkill -KILL -P "$pm" 2>/dev/null
                kill -KILL "$pm" 2>/dev/null
              fi
            done
            # A backend orphaned by its postmaster's death exits on its own; give it a moment, then
            # the folder goes.
            sleep 0.3
            rm -rf "$F"
            """
        let path = folder + "/cleanup.sh"
        do {
            try script.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw SimulationError(.clusterStart, "cannot write \(path): \(error)")
        }
        return path
    }

    /// Registers a cluster's script and starts its watchdog.
    static func register(id: String, script: String, folder: String) -> ClusterProcess? {
        active.withLock { $0[id] = script }
        let watch = "while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; exec /bin/sh '\(script)'"
        return try? ClusterProcess.start(
            ["/bin/sh", "-c", watch], name: "watchdog", log: "/dev/null", user: nil,
            environment: ["PATH": "/usr/bin:/bin:/usr/sbin:/sbin"])
    }

    /// Runs a cluster's script now and forgets it.
    static func run(id: String) {
        guard let script = active.withLock({ $0.removeValue(forKey: id) }) else { return }
        _ = CommandRunner.run(["/bin/sh", script], timeout: 30)
    }

    /// Runs every registered script: the signal handler's work.
    static func runAll() {
        let scripts = active.withLock { all in
            defer { all.removeAll() }
            return Array(all.values)
        }
        for script in scripts { _ = CommandRunner.run(["/bin/sh", script], timeout: 30) }
    }
}

/// SIGINT and SIGTERM stop every running cluster, then hand the signal to the caller, which ends
/// the process (the command: exit 130 or 143, as a shell reports a death by those signals). The
/// library never ends the process itself.
///
/// The signals are blocked and a thread of its own waits for them (`sigwait`): the cleanup runs
/// programs and takes locks, which a signal handler may not. A thread that started before
/// ``install(then:)`` does not block them, and a signal it takes ends the process at once: then the
/// watchdogs clean up, within a second.
public enum SimulationInterrupts {
    private static let installed = Locked(false)

    /// Installs the handling; call once, on the main thread, before the first cluster starts.
    ///
    /// - Parameter interrupted: Called with the signal's number once every cluster is stopped; it
    ///   decides how the process ends.
    public static func install(then interrupted: @escaping @Sendable (Int32) -> Void) {
        guard
            installed.withLock({ done in
                defer { done = true }; return !done
            })
        else { return }
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &set, nil)
        let waited = set
        Thread.detachNewThread {
            var set = waited
            var signalNumber: Int32 = 0
            guard sigwait(&set, &signalNumber) == 0 else { return }
            FileHandle.standardError.write(Data("changegate simulate: interrupted; stopping the clusters\n".utf8))
            ClusterCleanup.runAll()
            interrupted(signalNumber)
        }
    }
}
