#ifndef CHANGEGATE_CGIT2_SHIM_H
#define CHANGEGATE_CGIT2_SHIM_H
#include <git2.h>
#include <git2/sys/alloc.h>

/* git_libgit2_opts is variadic, which Swift cannot call: one typed wrapper per option used. */
static inline int changegate_git_set_allocator(git_allocator *allocator) {
    return git_libgit2_opts(GIT_OPT_SET_ALLOCATOR, allocator);
}
#endif
