/// What the diff keeps read, and how a blob gets there: its own readings, the shared cache, or the
/// blob's bytes (within the read budget) and the readers.
extension RepositorySettingsDiff {
    /// How many blobs are held read. This diff's own readings have no bound: one diff or one gate
    /// decision reads few blobs, but a walk over a long history should trim them now and then
    /// (the shared cache, ``sharedCache``, bounds itself).
    public var cachedBlobCount: Int { readings.count }

    /// Forgets every blob read and path format; blobs are read again when asked for.
    mutating func clearCache() {
        readings.removeAll()
        indexes.removeAll()
        selections.removeAll()
        sizes.removeAll()
    }

    /// Forgets the blobs read except `blobs`: a history walk keeps the old sides it will meet again
    /// as the new sides of earlier commits.
    mutating func keepCache(onlyFor blobs: Set<ObjectID>) {
        readings = readings.filter { blobs.contains($0.key.blob) }
        indexes = indexes.filter { blobs.contains($0.key.blob) }
        if selections.count > 100_000 { selections.removeAll() }
    }

    /// Counts a blob about to be read against ``maxBytesRead``: the error to record instead when it
    /// would pass the bound (its size comes from the header; nothing is read).
    mutating func charge(_ blob: ObjectID, path: String) throws(GitError) -> ConfigError? {
        guard let maxBytesRead, !charged.contains(blob) else { return nil }
        var size = sizes[blob] ?? -1
        if size < 0 { size = try repository.blobSize(blob) }
        guard size <= reader.limits.maxFileSize else { return nil }
        guard bytesRead + size <= maxBytesRead else {
            let refusal = ReadBudgetExceeded(
                reads: [ReadBudgetExceeded.Read(path: path, side: "version \(blob.short)", bytes: size)],
                alreadyRead: bytesRead, maxBytes: maxBytesRead, lookBack: true)
            if budgetRefusal == nil { budgetRefusal = refusal }
            return ConfigError(.tooLarge, path: path, at: nil, refusal.description)
        }
        bytesRead += size
        charged.insert(blob)
        return nil
    }

    /// A blob's bytes, or why they are not parsed (binary, over the size limit, over the bytes
    /// this decision may read).
    mutating func content(of blob: ObjectID, path: String) throws(GitError) -> Result<[UInt8], ConfigError> {
        if let refused = try charge(blob, path: path) { return .failure(refused) }
        switch try repository.blob(blob, maxSize: reader.limits.maxFileSize) {
        case .binary(let size):
            // Git calls UTF-16 binary (its NUL bytes); the reader decodes or refuses it, saying why.
            let bytes = try repository.rawBlob(blob, maxSize: reader.limits.maxFileSize) ?? []
            if UTF16Decoding.encoding(of: bytes) != nil { return .success(bytes) }
            let hint =
                UTF16Decoding.looksLikeUTF16WithoutMark(bytes)
                ? ": it looks like UTF-16 without a byte-order mark, which no reader of the format takes; save it "
                    + "as UTF-8" : ""
            return .failure(
                ConfigError(.unsupported, path: path, at: nil, "binary content (\(size) bytes); not parsed\(hint)"))
        case .tooLarge(let size):
            return .failure(
                ConfigError(
                    .tooLarge, path: path, at: nil,
                    "file is \(size) bytes, over the limit of \(reader.limits.maxFileSize) bytes; not parsed"))
        case .text(let bytes):
            return .success(bytes)
        }
    }

    /// The key of a blob read as `format` at `path` with this diff's reader.
    func readingKey(_ blob: ObjectID, path: String, format: ConfigFormat) -> BlobReadingKey {
        BlobReadingKey(blob: blob, format: format, path: path, limits: reader.limits)
    }

    /// A reading the shared cache has for `key`, once the blob is charged to this diff's read
    /// budget as if it were read (the budget bounds what a request may judge, cached or not); the
    /// budget's refusal instead, when it passes it. Nil when the cache does not have it.
    mutating func sharedReading(_ key: BlobReadingKey, path: String) throws(GitError) -> BlobReading? {
        guard let sharedCache, let shared = sharedCache.reading(for: key) else { return nil }
        if let refused = try charge(key.blob, path: path) {
            return .failed(refused, suspected: Self.suspected(refused))
        }
        return shared.relocated(to: path)
    }

    /// A blob read as `format`, from the caches or now, its paths those of `path`.
    mutating func reading(_ blob: ObjectID, path: String, format: ConfigFormat) throws(GitError) -> BlobReading {
        let key = readingKey(blob, path: path, format: format)
        if let known = readings[key] { return known.relocated(to: path) }
        if let shared = try sharedReading(key, path: path) {
            readings[key] = shared
            return shared
        }
        let reading: BlobReading
        switch try content(of: blob, path: path) {
        case .success(let bytes):
            reading = Self.read(bytes, path: path, format: format, reader)
            sharedCache?.insert(reading, for: key, size: bytes.count)
        case .failure(let error):
            // Not shared: whether a blob may be read is this request's to say (its limits, its budget).
            reading = .failed(error, suspected: Self.suspected(error))
        }
        readings[key] = reading
        return reading
    }

    /// The systems a file that could not be read at all may be: any, when it was too large to
    /// look at (a `detect` selector then fails closed on it); none for binary content.
    static func suspected(_ error: ConfigError) -> Set<ConfigSystem> {
        error.kind == .tooLarge ? Set(ConfigSystem.allCases) : []
    }
}
