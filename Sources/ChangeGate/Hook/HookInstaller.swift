import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes and removes the `pre-receive` hook script of a (bare) repository.
///
/// The script runs `changegate hook pre-receive` with the options given at install time, then any
/// pre-receive hook that was there before (kept as `pre-receive.changegate-chained`), each with the
/// same input. It also turns on `receive.advertisePushOptions`, so that `git push -o` reaches the hook,
/// and turns off `core.useReplaceRefs`, so that git serves the objects the hook judged.
public struct HookInstaller {
    public static let marker = "# changegate-hook: written by `changegate hook install`"
    static let chainedName = "pre-receive.changegate-chained"
    static let savedPushOptionsKey = "changegate.hook.savedAdvertisePushOptions"
    static let savedReplaceRefsKey = "changegate.hook.savedUseReplaceRefs"

    public var repository: Repository

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

    /// Installs the hook; returns what was done, one line per step, for the admin to read.
    public func install(executable: String, arguments: [String]) throws -> [String] {
        var done: [String] = []
        let directory = hooksDirectory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let hook = directory + "/pre-receive"
        let chained = directory + "/" + Self.chainedName
        if let existing = FileManager.default.contents(atPath: hook).map({ String(decoding: $0, as: UTF8.self) }),
            !existing.contains(Self.marker)
        {
            guard !FileManager.default.fileExists(atPath: chained) else {
                throw InstallError(description: "both \(hook) and \(chained) exist; move one away first")
            }
            try FileManager.default.moveItem(atPath: hook, toPath: chained)
            done.append("kept the existing pre-receive hook as \(chained); it runs after ChangeGate")
        }
        let command = ([executable, "hook", "pre-receive"] + arguments).map(Self.shellQuoted).joined(separator: " ")
        let script = """
            #!/bin/sh
            \(Self.marker) (ChangeGate \(ChangeGateVersion.current)).
            # `changegate hook uninstall --repo \(Self.shellQuoted(repository.path))` removes it.
            input=$(cat)
            printf '%s\\n' "$input" | \(command) || exit $?
            chained="$(dirname "$0")/\(Self.chainedName)"
            if [ -x "$chained" ]; then
                printf '%s\\n' "$input" | "$chained" "$@" || exit $?
            fi
            exit 0

            """
        let temporary = hook + ".changegate-tmp"
        try Data(script.utf8).write(to: URL(fileURLWithPath: temporary))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: temporary)
        // rename(2) replaces atomically: a push never sees half a script.
        guard rename(temporary, hook) == 0 else {
            throw InstallError(description: "cannot write \(hook): \(String(cString: strerror(errno)))")
        }
        done.append("wrote \(hook): \(command)")

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

    /// Removes the hook and restores what install changed.
    public func uninstall() throws -> [String] {
        var done: [String] = []
        let directory = hooksDirectory
        let hook = directory + "/pre-receive"
        let chained = directory + "/" + Self.chainedName
        if let existing = FileManager.default.contents(atPath: hook).map({ String(decoding: $0, as: UTF8.self) }) {
            guard existing.contains(Self.marker) else {
                throw InstallError(description: "\(hook) was not written by changegate; left alone")
            }
            try FileManager.default.removeItem(atPath: hook)
            done.append("removed \(hook)")
        }
        if FileManager.default.fileExists(atPath: chained) {
            try FileManager.default.moveItem(atPath: chained, toPath: hook)
            done.append("restored the previous pre-receive hook")
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

    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
