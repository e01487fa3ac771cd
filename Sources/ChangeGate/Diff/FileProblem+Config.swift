/// Config errors and duplicated keys as the problems a diff report lists.
extension FileProblem {
    init(_ error: ConfigError) {
        self.init(file: error.path, line: error.position?.line, column: error.position?.column, message: error.message)
    }

    /// A duplicated key as an error, at the later definition, naming the earlier one.
    init(duplicateKey duplicate: ConfigDiagnostic) {
        // A reader with a reason of its own (keys that differ in case, a Redis line set twice) says it.
        guard duplicate.message.hasPrefix("duplicate key") else {
            self.init(
                file: duplicate.path, line: duplicate.position.line, column: duplicate.position.column,
                message: duplicate.message + ": a reviewer reads one line, the consumer another; keep one and "
                    + "delete the other")
            return
        }
        let earlier = duplicate.earlier.map { " (first at line \($0.line))" } ?? ""
        self.init(
            file: duplicate.path, line: duplicate.position.line, column: duplicate.position.column,
            message:
                "key `\(duplicate.key ?? "?")` is defined twice in one map\(earlier): readers disagree on "
                + "which one counts (PyYAML and Go's encoding/json take the last, tomllib, configparser and Go's "
                + "yaml.v3 refuse the file); keep one definition and delete the other")
    }
}
