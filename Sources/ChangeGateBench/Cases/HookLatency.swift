import Foundation

/// The pre-receive hook as a pusher pays for it: the whole `changegate hook pre-receive` process on
/// a push of one commit and of about 1,000 commits, against a hook that does nothing
/// (`cat >/dev/null`); and the whole `git push` through a server with each hook.
struct HookLatency {
    let repository: SyntheticRepository
    let changegate: String
    let scratch: String
    /// The pushes: the last commit of main, and main's last ~1,000 commits.
    struct Push {
        var label: String
        var base: String
        var head: String
        var commits: Int
    }

    func cases() throws -> [Benchmark] {
        // git's absolute path, for `posix_spawn`: looked up once, outside every timed run.
        let git = try Shell.output("sh", ["-c", "command -v git"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let head = try repository.resolve("main")
        let one = Push(label: "1-commit push", base: try repository.resolve("main~1"), head: head, commits: 1)
        // main~N counts first parents; merged side commits come on top, so step back until the
        // range holds at most 1,000 commits.
        var back = min(1_000, repository.shape.commits - 2)
        while back > 1, try repository.count("main~\(back)..main") > 1_000 { back -= 10 }
        let many = Push(
            label: "\(try repository.count("main~\(back)..main"))-commit push",
            base: try repository.resolve("main~\(back)"),
            head: head, commits: back)

        let servers = scratch + "/servers"
        try? FileManager.default.removeItem(atPath: servers)
        try FileManager.default.createDirectory(atPath: servers, withIntermediateDirectories: true)
        let hooked = try makeServer(servers + "/hooked.git", base: many.base)
        try Shell.run(changegate, ["hook", "install", "--repo", hooked, "--executable", changegate])
        let noop = try makeServer(servers + "/noop.git", base: many.base)
        let noopHook = noop + "/hooks/pre-receive"
        try "#!/bin/sh\ncat >/dev/null\n".write(toFile: noopHook, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: noopHook)

        let identity = ["CHANGEGATE_USER": "frank@example.com"]
        var cases: [Benchmark] = []
        for push in [one, many] {
            let line = "\(push.base) \(push.head) refs/heads/main\n"
            let input = scratch + "/servers/\(push.commits)-commit.input"
            try line.write(toFile: input, atomically: true, encoding: .utf8)
            let decision = try hookDecision(hooked, push: push, line: line)
            let shape = "\(repository.shape.commits.formatted()) commits, \(repository.shape.files.formatted()) files"
            cases.append(
                Benchmark(
                    name: "hook process: \(push.label) (\(shape))",
                    target: .milliseconds(push.commits == 1 ? 50 : 500), warmUp: 2, runs: push.commits == 1 ? 21 : 11,
                    setUp: { try Shell.run("git", ["-C", hooked, "update-ref", "refs/heads/main", push.base]) },
                    subject: {
                        _ = try Spawn.run(
                            changegate, ["hook", "pre-receive"], inputFile: input, environment: identity,
                            directory: hooked)
                    },
                    reference: (
                        "`cat >/dev/null` hook",
                        {
                            _ = try Spawn.run(
                                "/bin/sh", [noopHook], inputFile: input, environment: identity, directory: noop)
                        }
                    ),
                    note: "`changegate hook pre-receive` started as git starts it (in the bare repository, the "
                        + "update on standard input, `CHANGEGATE_USER` set), judging main \(push.base.prefix(7))..\(push.head.prefix(7)) "
                        + "with the shipped policy at the tip; its decision: \(decision). The reference is a hook script "
                        + "that reads its input and exits. Both times include starting the process."))
            cases.append(
                Benchmark(
                    name: "git push through the hook: \(push.label)", target: nil, warmUp: 1,
                    runs: push.commits == 1 ? 11 : 7,
                    setUp: {
                        try Shell.run("git", ["-C", hooked, "update-ref", "refs/heads/main", push.base])
                        try Shell.run("git", ["-C", noop, "update-ref", "refs/heads/main", push.base])
                    },
                    subject: { try pushThrough(hooked, git: git, push: push, environment: identity) },
                    reference: (
                        "git push, `cat >/dev/null` hook",
                        { try pushThrough(noop, git: git, push: push, environment: identity) }
                    ),
                    note: "the whole `git push` over file:// into a bare server with `changegate hook install`ed, "
                        + "against the same push into a server whose pre-receive hook does nothing: what a pusher "
                        + "waits for, the transfer included."))
        }
        return cases
    }

    /// A bare server holding main at `base` and nothing else, with auto-gc off so that no run pays
    /// for a repack.
    private func makeServer(_ path: String, base: String) throws -> String {
        try Shell.run("git", ["init", "-q", "--bare", "-b", "main", path])
        try Shell.run("git", ["-C", repository.path, "update-ref", "refs/bench/base", base])
        try Shell.run("git", ["-C", path, "fetch", "-q", repository.path, "refs/bench/base:refs/heads/main"])
        try Shell.run("git", ["-C", path, "config", "receive.autogc", "false"])
        try Shell.run("git", ["-C", path, "config", "gc.auto", "0"])
        // The hook-process cases judge objects already in the server, as in git's quarantine; they
        // must not be advertised to the pushes, which would then send nothing.
        try Shell.run("git", ["-C", path, "fetch", "-q", repository.path, "main:refs/bench/head"])
        try Shell.run("git", ["-C", path, "config", "receive.hideRefs", "refs/bench"])
        return path
    }

    private func pushThrough(_ server: String, git: String, push: Push, environment: [String: String]) throws {
        _ = try Spawn.run(
            git, ["push", "-q", "file://" + server, "\(push.head):refs/heads/main"], inputFile: "/dev/null",
            environment: environment, directory: repository.path)
    }

    /// What the hook decides on the push (the benchmark times the same run): its first line.
    private func hookDecision(_ server: String, push: Push, line: String) throws -> String {
        try Shell.run("git", ["-C", server, "update-ref", "refs/heads/main", push.base])
        let (status, output) = try Shell.result(
            changegate, ["hook", "pre-receive"], input: line, environment: ["CHANGEGATE_USER": "frank@example.com"],
            directory: server)
        let first = output.split(separator: "\n").first.map { " (`\($0)`)" } ?? ""
        return (status == 0 ? "accepted" : "refused, exit \(status)") + first
    }
}
