internal import CGit2

extension Repository {
    /// A blob's size in bytes, from the object's header alone: nothing of its content is inflated,
    /// so a decision can weigh what it would read before reading any of it.
    ///
    /// - Parameter id: The blob's id.
    /// - Returns: Its size in bytes.
    /// - Throws: ``GitError`` when the object cannot be found or read.
    public func blobSize(_ id: ObjectID) throws(GitError) -> Int {
        var odbPointer: OpaquePointer?
        try GitError.check(git_repository_odb(&odbPointer, pointer), "opening the object database")
        let odb = ODBHandle(odbPointer!)
        defer { withExtendedLifetime(odb) {} }
        var oid = id.oid
        var size = 0
        var type = GIT_OBJECT_INVALID
        try GitError.check(git_odb_read_header(&size, &type, odb.pointer, &oid), "reading blob \(id.short)")
        return size
    }

    /// A blob's bytes whatever they hold, or nil when it is larger than `maxSize` (then not read):
    /// for content git calls binary that a reader may still decode (UTF-16 with a byte-order mark).
    ///
    /// - Parameters:
    ///   - id: The blob's id.
    ///   - maxSize: The most bytes to read.
    /// - Returns: The bytes; nil when the blob is larger than `maxSize`.
    /// - Throws: ``GitError`` when the blob cannot be found or read.
    public func rawBlob(_ id: ObjectID, maxSize: Int) throws(GitError) -> [UInt8]? {
        guard try blobSize(id) <= maxSize else { return nil }
        var oid = id.oid
        var blobPointer: OpaquePointer?
        try GitError.check(git_blob_lookup(&blobPointer, pointer, &oid), "reading blob \(id.short)")
        let blob = BlobHandle(blobPointer!)
        // The content pointer borrows from the blob: keep it alive until copied.
        defer { withExtendedLifetime(blob) {} }
        let length = Int(git_blob_rawsize(blob.pointer))
        guard length > 0, let raw = git_blob_rawcontent(blob.pointer) else { return [] }
        return Array(UnsafeRawBufferPointer(start: raw, count: length))
    }
}
