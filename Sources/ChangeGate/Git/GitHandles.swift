internal import CGit2

// Owners of libgit2 objects: each frees its pointer exactly once, in deinit.

final class TreeHandle {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { git_tree_free(pointer) }
}

final class CommitHandle {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { git_commit_free(pointer) }
}

final class BlobHandle {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { git_blob_free(pointer) }
}

final class RevWalkHandle {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { git_revwalk_free(pointer) }
}

final class ObjectHandle {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { git_object_free(pointer) }
}

final class ODBHandle {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { git_odb_free(pointer) }
}

extension Signature {
    init(_ signature: UnsafePointer<git_signature>) {
        let s = signature.pointee
        self.init(
            name: s.name.map { String(cString: $0) } ?? "",
            email: s.email.map { String(cString: $0) } ?? "",
            time: s.when.time,
            utcOffsetMinutes: Int(s.when.offset))
    }
}
