import Dispatch

/// Parsing: blobs read on the diff's task (libgit2), parsed and flattened on every core (pure).
extension RepositorySettingsDiff {
    /// Reads the blobs not read yet, parsing on every core when there are several: reading a blob
    /// is libgit2's work (on this thread), parsing and flattening are pure.
    mutating func preload(_ blobs: [(blob: ObjectID, path: String)]) throws(GitError) {
        store(try unparsed(blobs).parse())
    }

    /// The contents of the blobs not read yet, to be parsed on any thread with
    /// ``UnparsedBlobs/parse()`` and kept with ``store(_:)``: a history walk reads the next commits
    /// while the blobs of the last ones are parsed. Blobs that cannot be parsed at all (binary,
    /// too large) are recorded now.
    mutating func unparsed(_ blobs: [(blob: ObjectID, path: String)]) throws(GitError) -> UnparsedBlobs {
        var jobs: [UnparsedBlobs.Job] = []
        var queued = Set<BlobReadingKey>()
        for (blob, path) in blobs {
            for format in formats(for: path) {
                let key = readingKey(blob, path: path, format: format)
                guard readings[key] == nil, queued.insert(key).inserted else { continue }
                if let shared = try sharedReading(key, path: path) {
                    readings[key] = shared
                    continue
                }
                switch try content(of: blob, path: path) {
                case .success(let bytes): jobs.append(UnparsedBlobs.Job(key: key, path: path, bytes: bytes))
                case .failure(let error): readings[key] = .failed(error, suspected: Self.suspected(error))
                }
            }
        }
        return UnparsedBlobs(jobs: jobs, reader: reader)
    }

    /// Keeps blobs parsed by ``UnparsedBlobs/parse()``, in the shared cache too.
    mutating func store(_ parsed: ParsedBlobs) {
        for (key, reading, size) in parsed.readings {
            readings[key] = reading
            sharedCache?.insert(reading, for: key, size: size)
        }
    }

    /// Blob contents read from the repository and not parsed yet.
    struct UnparsedBlobs: Sendable {
        struct Job: Sendable {
            var key: BlobReadingKey
            var path: String
            var bytes: [UInt8]
        }
        let jobs: [Job]
        let reader: ConfigReader

        var isEmpty: Bool { jobs.isEmpty }

        /// Parses and flattens every blob, on every core when there are several. Pure: any thread.
        func parse() -> ParsedBlobs {
            let reader = self.reader
            // Below a few small files threads cost more than they save; two large ones (the two
            // sides of a 1 MiB file) are worth a thread each.
            let bytes = jobs.reduce(0) { $0 + $1.bytes.count }
            guard jobs.count > 4 || (jobs.count > 1 && bytes > 128 * 1_024) else {
                return ParsedBlobs(
                    readings: jobs.map {
                        (
                            $0.key, RepositorySettingsDiff.read($0.bytes, path: $0.path, format: $0.key.format, reader),
                            $0.bytes.count
                        )
                    })
            }
            let work = jobs
            var results = [BlobReading?](repeating: nil, count: jobs.count)
            results.withUnsafeMutableBufferPointer { slots in
                nonisolated(unsafe) let slots = slots
                DispatchQueue.concurrentPerform(iterations: work.count) { index in
                    let job = work[index]
                    slots[index] = RepositorySettingsDiff.read(
                        job.bytes, path: job.path, format: job.key.format, reader)
                }
            }
            return ParsedBlobs(
                readings: zip(jobs, results).compactMap { job, result in result.map { (job.key, $0, job.bytes.count) } }
            )
        }
    }

    /// Blobs parsed, to be kept with ``store(_:)``.
    struct ParsedBlobs: Sendable {
        /// Each reading, with the size of the blob it was parsed from (the shared cache's measure).
        var readings: [(BlobReadingKey, BlobReading, size: Int)]
    }

    /// Parses and flattens bytes: what the threads of ``preload(_:)`` run.
    static func read(_ bytes: [UInt8], path: String, format: ConfigFormat, _ reader: ConfigReader)
        -> BlobReading
    {
        do throws(ConfigError) {
            // Sentinel's file is `.conf` but not INI: as INI its `sentinel …` lines would be one key
            // written many times, each hiding the last (a quorum change would vanish).
            let lower = path.lowercased()
            let format =
                format == .ini && (lower.hasSuffix(".conf") || lower.hasSuffix(".cfg"))
                    && ConfigSystem.looksLikeSentinel(bytes)
                ? .redis : format
            let config = try reader.read(bytes, path: path, format: format)
            let settings = try SettingsFlattener.settings(of: config, limits: reader.limits)
            return .settings(settings, warnings: config.warnings, systems: ConfigSystem.detect(in: config))
        } catch {
            var error = error
            if let hint = hint(for: error, bytes: bytes, format: format) { error.message += hint }
            return .failed(error, suspected: ConfigSystem.suspected(in: bytes))
        }
    }

    /// What to do about a file that does not parse, where its content says what it likely is: the
    /// error stays (the selection asked for the file), the way out is named.
    static func hint(for error: ConfigError, bytes: [UInt8], format: ConfigFormat) -> String? {
        guard error.kind == .syntax || error.kind == .unsupported else { return nil }
        let leaveOut =
            "leave it out with `except \"GLOB\"` on the policy's `files` line or an `ignore \"GLOB\"` line "
            + "(`--exclude GLOB` for diff and history)"
        if ByteSearch.contains(Array("{{".utf8), in: bytes), ByteSearch.contains(Array("}}".utf8), in: bytes) {
            return "; it looks like a template (`{{ … }}`, Helm or Go templating), which is not \(format) until "
                + "rendered: render it first (`helm template`) and check the output, or \(leaveOut)"
        }
        if format == .ini {
            return "; if this is not an INI file (HAProxy, nginx and Redis have syntaxes of their own), \(leaveOut)"
                + ", or read a Redis or Sentinel file `as redis`"
        }
        return nil
    }
}
