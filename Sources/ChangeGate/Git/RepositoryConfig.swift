internal import CGit2

extension Repository {
    /// The repository's own config file (`config` in the git directory), for `hook install`.
    private func localConfig() throws(GitError) -> ConfigHandle {
        var config: OpaquePointer?
        try GitError.check(git_repository_config(&config, pointer), "opening the repository's config")
        let all = ConfigHandle(config!)
        var local: OpaquePointer?
        try GitError.check(
            git_config_open_level(&local, all.pointer, GIT_CONFIG_LEVEL_LOCAL), "opening the local config")
        return ConfigHandle(local!)
    }

    /// The value of `key` in the repository's own config, or nil when unset.
    ///
    /// - Parameter key: A config key (`core.hooksPath`).
    /// - Returns: Its value, or nil.
    /// - Throws: ``GitError`` when the config cannot be read.
    public func localConfigValue(_ key: String) throws(GitError) -> String? {
        let config = try localConfig()
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        let code = git_config_get_string_buf(&buffer, config.pointer, key)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try GitError.check(code, "reading \(key)")
        return buffer.ptr.map { String(cString: $0) }
    }

    /// Sets `key` in the repository's own config; nil removes it.
    ///
    /// - Parameters:
    ///   - key: A config key.
    ///   - value: Its new value; nil to remove it.
    /// - Throws: ``GitError`` when the config cannot be written.
    public func setLocalConfigValue(_ key: String, _ value: String?) throws(GitError) {
        let config = try localConfig()
        if let value {
            try GitError.check(git_config_set_string(config.pointer, key, value), "setting \(key)")
        } else {
            let code = git_config_delete_entry(config.pointer, key)
            if code != GIT_ENOTFOUND.rawValue { try GitError.check(code, "removing \(key)") }
        }
    }
}

/// Owns a `git_config`.
final class ConfigHandle {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { git_config_free(pointer) }
}
