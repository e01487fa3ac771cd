/// Hands the C heap's free pages back to the system.
///
/// A long walk (`changegate history`) frees most of what each step allocates, but between objects
/// that live on (libgit2's cache, the walk's queue); glibc keeps such holes mapped, and the process
/// would grow with the history although little is live. `malloc_trim(0)` returns them.
enum FreedMemory {
    static func release() {
        #if os(Linux)
            _ = malloc_trim(0)
        #endif
    }
}

#if os(Linux)
    // Not in Swift's Glibc module (it does not include <malloc.h>).
    @_silgen_name("malloc_trim")
    private func malloc_trim(_ pad: Int) -> Int32
#endif
