/// The keys of a Patroni file that make Patroni or PostgreSQL run a program, load code, or choose
/// where to read and write: a configuration under review must not get them executed on the
/// machine that simulates it (docs/security.md § 44). The simulation builds its cluster from an
/// allow-list and never copies these; it lists the ones the file had.
enum UntrustedKeys {
    /// Last key segments that name a command, a program or a hook.
    static let commandSegments: Set<String> = [
        "callbacks", "on_start", "on_stop", "on_restart", "on_reload", "on_role_change", "post_bootstrap",
        "post_init", "pre_promote", "before_stop", "restore_command", "archive_command", "archive_cleanup_command",
        "recovery_end_command", "ssl_passphrase_command", "command", "create_replica_methods", "method",
        "shared_preload_libraries", "local_preload_libraries", "session_preload_libraries", "dynamic_library_path",
        "bin_dir", "bin_name", "data_dir", "config_dir", "pgpass", "log_directory", "script",
        "keep_existing_recovery_conf",
    ]

    /// Whether a flattened key names a command, a library or a path.
    static func isCommand(_ key: String) -> Bool {
        key.split(separator: ".").contains { segment in
            let name = segment.split(separator: "[").first.map(String.init) ?? String(segment)
            return commandSegments.contains(name)
        }
    }
}

extension UntrustedKeys {
    /// Directives and Sentinel options of a Redis file that run a program, load code, or choose
    /// where to read and write (docs/security.md § 44).
    static let redisSegments: Set<String> = [
        "notification-script", "client-reconfig-script", "loadmodule", "dir", "logfile", "pidfile", "unixsocket",
        "dbfilename", "appendfilename", "appenddirname", "aclfile", "tls-cert-file", "tls-key-file",
        "tls-ca-cert-file", "tls-ca-cert-dir", "tls-dh-params-file", "tls-client-cert-file", "tls-client-key-file",
        "rename-command", "deny-scripts-reconfig",
    ]

    /// Whether a flattened Redis key names a program, a module or a path.
    static func isRedisCommand(_ key: String) -> Bool {
        key.split(separator: ".").contains { segment in
            redisSegments.contains(segment.split(separator: "[").first.map(String.init) ?? String(segment))
        }
    }
}
