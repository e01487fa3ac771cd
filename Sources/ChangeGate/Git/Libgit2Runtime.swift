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
        _ = changegate_git_set_allocator(&countingAllocator)
        git_libgit2_init()
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

nonisolated(unsafe) private var countingAllocator = git_allocator(
    gmalloc: { size, _, _ in
        let p = malloc(size)
        if p != nil { AllocationCounter.add(1) }
        return p
    },
    gcalloc: { count, size, _, _ in
        let p = calloc(count, size)
        if p != nil { AllocationCounter.add(1) }
        return p
    },
    gstrdup: { string, _, _ in
        let p = strdup(string!)
        if p != nil { AllocationCounter.add(1) }
        return p
    },
    gstrndup: { string, n, _, _ in
        let p = strndup(string!, n)
        if p != nil { AllocationCounter.add(1) }
        return p
    },
    gsubstrdup: { string, n, _, _ in
        guard let p = malloc(n + 1)?.assumingMemoryBound(to: CChar.self) else { return nil }
        memcpy(p, string!, n)
        p[n] = 0
        AllocationCounter.add(1)
        return p
    },
    grealloc: { pointer, size, _, _ in countedRealloc(pointer, size) },
    greallocarray: { pointer, count, size, _, _ in
        let (total, overflow) = count.multipliedReportingOverflow(by: size)
        return overflow ? nil : countedRealloc(pointer, total)
    },
    gmallocarray: { count, size, _, _ in
        let (total, overflow) = count.multipliedReportingOverflow(by: size)
        guard !overflow, let p = malloc(total) else { return nil }
        AllocationCounter.add(1)
        return p
    },
    gfree: { pointer in
        guard let pointer else { return }
        free(pointer)
        AllocationCounter.add(-1)
    }
)

private func countedRealloc(_ pointer: UnsafeMutableRawPointer?, _ size: Int) -> UnsafeMutableRawPointer? {
    let p = realloc(pointer, size)
    if pointer == nil, p != nil { AllocationCounter.add(1) }
    if pointer != nil, size == 0, p == nil { AllocationCounter.add(-1) }
    return p
}
