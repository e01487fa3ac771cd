import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes and removes the hook scripts of a (bare) repository.
///
/// The gate runs as `pre-receive` (the default) or, when asked, as `update`; `post-receive` always
/// comes with it, to record approvals and who first pushed each commit once the refs landed. Each
/// script runs `changegate hook …` with the options given at install time, then any hook of that
/// name that was there before (kept as `NAME.changegate-chained`), with the same input. Install also
/// turns on `receive.advertisePushOptions`, so that `git push -o` reaches the hook, and turns off
/// `core.useReplaceRefs`, so that git serves the objects the hook judged.
public struct HookInstaller {
    public static let marker = "# changegate-hook: written by `changegate hook install`"
    static let chainSuffix = ".changegate-chained"
    static let savedPushOptionsKey = "changegate.hook.savedAdvertisePushOptions"
    static let savedReplaceRefsKey = "changegate.hook.savedUseReplaceRefs"

    /// Which git hook judges the pushes.
    public enum Gate: String, Sendable, CaseIterable, Codable {
        /// Once per push, before any ref moves: atomic, and gets push options (break-glass).
        case preReceive = "pre-receive"
        /// Once per ref: not atomic across refs, and gets no push options (no break-glass).
        case update
    }

    /// The server's repository.
    public var repository: Repository

    /// An installer for `repository`'s hooks.
    ///
    /// - Parameter repository: The server's repository (usually bare).
    public init(repository: Repository) {
        self.repository = repository
    }

    public struct InstallError: Error, CustomStringConvertible {
        public var description: String
    }

    private var hooksDirectory: String {
        let configured = (try? repository.localConfigValue("core.hooksPath")) ?? nil
        if let configured, !configured.isEmpty {
            return configured.hasPrefix("/")
                ? configured : (repository.path as NSString).appendingPathComponent(configured)
        }
        return (repository.path as NSString).appendingPathComponent("hooks")
    }

    /// Installs the hooks; returns what was done, one line per step, for the admin to read.
    ///
    /// - Parameters:
    ///   - executable: The `changegate` the hooks run.
    ///   - arguments: The options the judging hook passes it (`--protect`, `--deadline`, …).
    ///   - gate: Which git hook judges: pre-receive (atomic, with push options) or update.
    /// - Returns: What was done, one line per step.
    /// - Throws: ``InstallError`` when a hook cannot be written, or a hook and the copy an earlier
    ///   install chained it to are both there; or the file system's or git config's error.
    public func install(executable: String, arguments: [String], gate: Gate = .preReceive) throws -> [String] {
        var done: [String] = []
        let directory = hooksDirectory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Only one of the two judges: switching removes ChangeGate's other script.
        for other in Gate.allCases where other != gate {
            done += try remove(other.rawValue, in: directory)
        }
        let quote = { (words: [String]) in words.map(Self.shellQuoted).joined(separator: " ") }
        switch gate {
        case .preReceive:
            let command = quote([executable, "hook", "pre-receive"] + arguments)
            done += try write(
                "pre-receive", in: directory, command: command,
                body: """
                    \(Self.keepInput)
                    \(command) <&3 3<&- 4<&- || exit $?
                    if [ -x "$chained" ]; then
                        "$chained" "$@" <&4 3<&- 4<&- || exit $?
                    fi
                    exit 0
                    """)
        case .update:
            let command = quote([executable, "hook", "update"]) + " \"$1\" \"$2\" \"$3\" " + quote(arguments)
            done += try write(
                "update", in: directory, command: command,
                body: """
                    \(command) || exit $?
                    if [ -x "$chained" ]; then
                        "$chained" "$@" || exit $?
                    fi
                    exit 0
                    """)
            done.append(
                "note: the update hook gets no push options (no break-glass override) and is not atomic across "
                    + "refs (git lands the refs it accepted); pre-receive is the default for these reasons")
        }
        // post-receive cannot refuse: the chained hook runs whatever ChangeGate's step did.
        let record = quote([executable, "hook", "post-receive"] + arguments)
        done += try write(
            "post-receive", in: directory, command: record,
            body: """
                \(Self.keepInput)
                \(record) <&3 3<&- 4<&-
                if [ -x "$chained" ]; then
                    "$chained" "$@" <&4 3<&- 4<&- || exit $?
                fi
                exit 0
                """)

        if try repository.localConfigValue(Self.savedPushOptionsKey) == nil {
            let previous = try repository.localConfigValue("receive.advertisePushOptions")
            try repository.setLocalConfigValue(Self.savedPushOptionsKey, previous ?? "(unset)")
        }
        try repository.setLocalConfigValue("receive.advertisePushOptions", "true")
        done.append("set receive.advertisePushOptions = true (for git push -o changegate.override=…)")

        // git on the server then serves the objects ChangeGate judged, whatever refs/replace/ holds.
        if try repository.localConfigValue(Self.savedReplaceRefsKey) == nil {
            let previous = try repository.localConfigValue("core.useReplaceRefs")
            try repository.setLocalConfigValue(Self.savedReplaceRefsKey, previous ?? "(unset)")
        }
        try repository.setLocalConfigValue("core.useReplaceRefs", "false")
        done.append("set core.useReplaceRefs = false (git serves the objects ChangeGate judged)")
        return done
    }

    /// Writes hook `name`, keeping a foreign one as its chained hook; `body` may use `$chained`.
    private func write(_ name: String, in directory: String, command: String, body: String) throws -> [String] {
        var done: [String] = []
        let hook = directory + "/" + name
        let chained = hook + Self.chainSuffix
        if let existing = FileManager.default.contents(atPath: hook).map({ String(decoding: $0, as: UTF8.self) }),
            !existing.contains(Self.marker)
        {
            guard !FileManager.default.fileExists(atPath: chained) else {
                throw InstallError(description: "both \(hook) and \(chained) exist; move one away first")
            }
            try FileManager.default.moveItem(atPath: hook, toPath: chained)
            done.append("kept the existing \(name) hook as \(chained); it runs after ChangeGate")
        }
        let script = """
            #!/bin/sh
            \(Self.marker) (ChangeGate \(ChangeGateVersion.current)).
            # `changegate hook uninstall --repo \(Self.shellQuoted(repository.path))` removes it.
            chained="$(dirname "$0")/\(name)\(Self.chainSuffix)"
            \(body)

            """
        let temporary = hook + ".changegate-tmp"
        try Data(script.utf8).write(to: URL(fileURLWithPath: temporary))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: temporary)
        // rename(2) replaces atomically: a push never sees half a script.
        guard rename(temporary, hook) == 0 else {
            throw InstallError(description: "cannot write \(hook): \(String(cString: strerror(errno)))")
        }
        done.append("wrote \(hook): \(command)")
        return done
    }

    /// Removes ChangeGate's hook `name` and puts back the one it chained; leaves a foreign one alone.
    private func remove(_ name: String, in directory: String, strict: Bool = false) throws -> [String] {
        var done: [String] = []
        let hook = directory + "/" + name
        let chained = hook + Self.chainSuffix
        if let existing = FileManager.default.contents(atPath: hook).map({ String(decoding: $0, as: UTF8.self) }) {
            guard existing.contains(Self.marker) else {
                if strict { throw InstallError(description: "\(hook) was not written by changegate; left alone") }
                return []
            }
            try FileManager.default.removeItem(atPath: hook)
            done.append("removed \(hook)")
        }
        if FileManager.default.fileExists(atPath: chained) {
            try FileManager.default.moveItem(atPath: chained, toPath: hook)
            done.append("restored the previous \(name) hook")
        }
        return done
    }

    /// Removes the hooks and restores what install changed.
    ///
    /// - Returns: What was done, one line per step.
    /// - Throws: ``InstallError`` when the hooks there are not ChangeGate's, or the file system's or
    ///   git config's error.
    public func uninstall() throws -> [String] {
        var done: [String] = []
        let directory = hooksDirectory
        // A pre-receive that is not ChangeGate's (nor chained) is an error, as before: nothing of ours is there.
        let ours = ["pre-receive", "update", "post-receive"].filter { name in
            FileManager.default.contents(atPath: directory + "/" + name).map {
                String(decoding: $0, as: UTF8.self).contains(Self.marker)
            } ?? false
        }
        if ours.isEmpty, FileManager.default.fileExists(atPath: directory + "/pre-receive") {
            throw InstallError(description: "\(directory)/pre-receive was not written by changegate; left alone")
        }
        for name in ["pre-receive", "update", "post-receive"] {
            done += try remove(name, in: directory)
        }
        if let saved = try repository.localConfigValue(Self.savedPushOptionsKey) {
            try repository.setLocalConfigValue("receive.advertisePushOptions", saved == "(unset)" ? nil : saved)
            try repository.setLocalConfigValue(Self.savedPushOptionsKey, nil)
            done.append("restored receive.advertisePushOptions")
        }
        if let saved = try repository.localConfigValue(Self.savedReplaceRefsKey) {
            try repository.setLocalConfigValue("core.useReplaceRefs", saved == "(unset)" ? nil : saved)
            try repository.setLocalConfigValue(Self.savedReplaceRefsKey, nil)
            done.append("restored core.useReplaceRefs")
        }
        if done.isEmpty { done.append("nothing to remove: no changegate hook is installed") }
        return done
    }

    /// Keeps the hook's input in a file, byte for byte, for ChangeGate and then the chained hook:
    /// `$(cat)` would drop NUL bytes and trailing newlines, handing ChangeGate other input than git's.
    /// The file is unlinked as soon as two descriptors read it (3 for ChangeGate, 4 for the chained
    /// hook, each with its own offset), so not even a SIGKILL leaves the pushed ref names behind.
    static let keepInput = """
        input=$(mktemp "${TMPDIR:-/tmp}/changegate-hook.XXXXXX") || exit 1
        trap 'rm -f "$input"; exit 1' HUP INT TERM
        cat >"$input" && exec 3<"$input" 4<"$input"
        kept=$?
        rm -f "$input"
        trap - HUP INT TERM
        [ "$kept" -eq 0 ] || exit 1
        """

    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
