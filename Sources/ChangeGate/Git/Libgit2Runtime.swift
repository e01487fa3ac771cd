internal import CGit2

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Initializes libgit2 once per process and counts its live allocations per thread.
///
/// The counting allocator is how tests prove that every libgit2 object the git layer creates is
/// freed: libgit2 allocates on the calling thread, so a thread's count returns to where it was once
/// everything it opened is released. Counting costs one thread-local read per allocation.
public enum Libgit2Runtime {
    private static let initialized: Void = {
        _ = changegate_git_set_allocator()
        git_libgit2_init()
        _ = changegate_git_skip_hash_verification()
        _ = changegate_git_set_cache_max_size(32 << 20)
        _ = changegate_git_set_tree_cache_limit(1 << 20)
    }()

    static func ensureInitialized() { _ = initialized }

    /// libgit2 allocations made minus those freed on the calling thread since it started.
    public static var liveAllocationsOnCurrentThread: Int {
        ensureInitialized()
        return AllocationCounter.current
    }

    /// The libgit2 version linked in, as `major.minor.revision`.
    public static var version: String {
        var major: Int32 = 0
        var minor: Int32 = 0
        var revision: Int32 = 0
        git_libgit2_version(&major, &minor, &revision)
        return "\(major).\(minor).\(revision)"
    }
}

private enum AllocationCounter {
    nonisolated(unsafe) static var key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    static var current: Int {
        Int(bitPattern: pthread_getspecific(key))
    }

    static func add(_ delta: Int) {
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: current &+ delta))
    }
}

// The three primitives the shim builds libgit2's allocator from; each keeps the thread's count.

@_cdecl("changegate_alloc_malloc")
func countedMalloc(_ size: Int) -> UnsafeMutableRawPointer? {
    let p = malloc(size)
    if p != nil { AllocationCounter.add(1) }
    return p
}

@_cdecl("changegate_alloc_realloc")
func countedRealloc(_ pointer: UnsafeMutableRawPointer?, _ size: Int) -> UnsafeMutableRawPointer? {
    let p = realloc(pointer, size)
    if pointer == nil, p != nil { AllocationCounter.add(1) }
    if pointer != nil, size == 0, p == nil { AllocationCounter.add(-1) }
    return p
}

@_cdecl("changegate_alloc_free")
func countedFree(_ pointer: UnsafeMutableRawPointer?) {
    guard let pointer else { return }
    free(pointer)
    AllocationCounter.add(-1)
}
