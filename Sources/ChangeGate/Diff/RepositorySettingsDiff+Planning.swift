/// Planning: the tree diff, what of it the selection reads, and whether that fits the read budget,
/// all before a blob is read.
extension RepositorySettingsDiff {
    /// What a diff between two commits reads: the tree diff, its part in the selection and the
    /// blobs of that part. ``diff(from:to:)`` is ``plan(from:to:)``, ``preload(_:)`` of its blobs
    /// and ``report(for:)``; a history walk plans many commits and preloads their blobs at once.
    struct Plan: Sendable {
        var base: ObjectID?
        var head: ObjectID?
        /// The changed files within the selection, and those a `detect` selector reads when their
        /// content is its system's (the report keeps only those that are).
        var files: [FileDelta]
        /// Every path touched, in the selection or not, sorted.
        var touchedPaths: [String]
        /// The blobs to read, with the path each is read as: both sides of every selected file.
        var blobs: [(blob: ObjectID, path: String)]
        /// Paths where the head has a gitlink (a submodule entry) the change added or repointed,
        /// in the selection or not: files inside one are never read (``CheckoutAttributes``).
        var gitlinks: [String] = []
    }

    /// The tree diff from `base` to `head` and what of it the selection reads.
    mutating func plan(from base: ObjectID?, to head: ObjectID?) throws(GitError) -> Plan {
        // One tree diff of everything: the touched paths come from it, the settings from the
        // selected part.
        let all = try repository.diff(from: base, to: head)
        var touched = Set<String>()
        var files: [FileDelta] = []
        var gitlinks: [String] = []
        for delta in all {
            if delta.newMode == 0o160000, let path = delta.newPath { gitlinks.append(path) }
            var selected = false
            for path in [delta.oldPath, delta.newPath] {
                guard let path else { continue }
                touched.insert(path)
                if !selected, selection(for: path) != .none { selected = true }
            }
            if selected { files.append(delta) }
        }
        return Plan(
            base: base, head: head, files: files, touchedPaths: touched.sorted(), blobs: blobs(of: files),
            gitlinks: gitlinks)
    }

    /// A plan cut into plans of at most `filesPerPart` files each, to be read and reported one
    /// after the other: a commit that adds thousands of files need not hold them all parsed.
    mutating func parts(of plan: Plan, filesPerPart: Int) -> [Plan] {
        stride(from: 0, to: plan.files.count, by: max(1, filesPerPart)).map { start in
            let files = Array(plan.files[start..<min(start + max(1, filesPerPart), plan.files.count)])
            return Plan(
                base: plan.base, head: plan.head, files: files, touchedPaths: plan.touchedPaths,
                blobs: blobs(of: files), gitlinks: plan.gitlinks)
        }
    }

    /// Both sides of every file, where they are regular files in the selection.
    mutating func blobs(of files: [FileDelta]) -> [(blob: ObjectID, path: String)] {
        var blobs: [(blob: ObjectID, path: String)] = []
        for delta in files {
            for side in [
                side(path: delta.oldPath, blob: delta.oldBlob, mode: delta.oldMode),
                side(path: delta.newPath, blob: delta.newBlob, mode: delta.newMode),
            ] {
                if let side, FileDelta.isRegularFile(mode: side.mode) { blobs.append((side.blob, side.path)) }
            }
        }
        return blobs
    }

    /// Whether reading the plan's blobs keeps within ``maxBytesRead``, from their sizes alone
    /// (nothing is read): nil when it does or there is no bound, else every blob still to read.
    mutating func weigh(_ plan: Plan) throws(GitError) -> ReadBudgetExceeded? {
        guard let maxBytesRead else { return nil }
        var reads: [ReadBudgetExceeded.Read] = []
        var seen = charged
        for delta in plan.files {
            for (path, blob, mode, side) in [
                (delta.oldPath, delta.oldBlob, delta.oldMode, "base"),
                (delta.newPath, delta.newBlob, delta.newMode, "head"),
            ] {
                guard let path, let blob, FileDelta.isRegularFile(mode: mode), selection(for: path) != .none,
                    seen.insert(blob).inserted
                else { continue }
                let size = try repository.blobSize(blob)
                sizes[blob] = size
                // A file over the per-file limit is refused on its own and never read.
                guard size <= reader.limits.maxFileSize else { continue }
                reads.append(ReadBudgetExceeded.Read(path: path, side: side, bytes: size))
            }
        }
        let refusal = ReadBudgetExceeded(
            reads: reads.sorted { ($0.bytes, $1.path) > ($1.bytes, $0.path) }, alreadyRead: bytesRead,
            maxBytes: maxBytesRead, lookBack: false)
        return refusal.total > maxBytesRead ? refusal : nil
    }

    mutating func selection(for path: String) -> CompiledFileSelectors.Selection {
        if let known = selections[path] { return known }
        let selection = compiled.selection(for: path)
        selections[path] = selection
        return selection
    }

    /// The format a path is read as: the selector's, else the first `detect` selector's.
    mutating func format(for path: String) -> ConfigFormat? {
        switch selection(for: path) {
        case .none: nil
        case .path(let format): format
        case .ifDetected(let candidates): candidates.lazy.compactMap(\.format).first
        }
    }

    /// Every format a path may be read as (a candidate of two `detect` selectors, two).
    mutating func formats(for path: String) -> [ConfigFormat] {
        switch selection(for: path) {
        case .none: ConfigFormat(path: path).map { [$0] } ?? []
        case .path(let format): (format ?? ConfigFormat(path: path)).map { [$0] } ?? []
        case .ifDetected(let candidates):
            candidates.reduce(into: []) { formats, candidate in
                if let format = candidate.format, !formats.contains(format) { formats.append(format) }
            }
        }
    }

    mutating func side(path: String?, blob: ObjectID?, mode: UInt32) -> Side? {
        // A side outside the selection (renamed to `x.yaml.disabled`, say) counts as absent: its
        // settings are all removed (or all added), never silently carried over.
        guard let path, let blob else { return nil }
        switch selection(for: path) {
        case .none: return nil
        case .path(let format): return Side(path: path, blob: blob, mode: mode, format: format)
        case .ifDetected(let candidates):
            return Side(
                path: path, blob: blob, mode: mode, format: candidates.lazy.compactMap(\.format).first,
                candidates: candidates)
        }
    }
}
