import ChangeGate

/// The line each changed setting of a record is written on, read back from the served repository:
/// a setting still present at the record's head on its line there, a removed one on its line at the
/// commit it was compared from. The trail keeps no lines (a record explains itself without the
/// repository), so a commit the repository no longer has, a file it cannot read, or a key or file
/// the trail stored cut leaves the line unknown, and the page names the file alone.
enum SettingLines {
    /// One line per change of `record`, in order; nil where unknown.
    ///
    /// - Parameters:
    ///   - record: The decision whose changes are located.
    ///   - repositoryPath: The served repository the record names; nil when the service serves none.
    /// - Returns: Each change's line, nil where it cannot be read back.
    static func lines(of record: AuditRecord, repositoryPath: String?) -> [Int?] {
        let unknown = [Int?](repeating: nil, count: record.changes.count)
        guard let repositoryPath, !record.changes.isEmpty,
            let repository = try? Repository(path: repositoryPath)
        else { return unknown }
        // Only full ids: a ref name would be read as it is now, not as it was judged.
        let head = record.head.flatMap(ObjectID.init(hex:))
        let base = (record.mergeBase ?? record.base).flatMap(ObjectID.init(hex:))
        let reader = ConfigReader()
        // Each file is read and flattened once per commit, however many of its settings changed.
        var files: [String: [String: Setting]?] = [:]
        func settings(of file: String, at commit: ObjectID) -> [String: Setting]? {
            let slot = commit.hex + "\u{0}" + file
            if let known = files[slot] { return known }
            var found: [String: Setting]?
            if let blob = try? repository.file(at: file, in: commit),
                case .text(let bytes)? = try? repository.blob(blob, maxSize: reader.limits.maxFileSize),
                let parsed = try? reader.read(bytes, path: file)
            {
                found = try? SettingsFlattener.settingsByKey(of: parsed, limits: reader.limits)
            }
            files[slot] = found
            return found
        }
        return record.changes.map { change in
            guard change.truncated != true, let commit = change.new == nil ? base : head else { return nil }
            return settings(of: change.file, at: commit)?[change.key]?.position.line
        }
    }
}
