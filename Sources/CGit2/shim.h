#ifndef CHANGEGATE_CGIT2_SHIM_H
#define CHANGEGATE_CGIT2_SHIM_H
#include <git2.h>
#include <git2/sys/alloc.h>
#include <git2/sys/commit_graph.h>
#include <stdint.h>
#include <string.h>

/*
 * Only what Swift cannot do itself: call the variadic git_libgit2_opts, and fill git_allocator,
 * whose fields differ between libgit2 versions (1.8 kept only gmalloc, grealloc and gfree).
 * ChangeGate supplies three plain functions (exported from Swift with these C names); the rest
 * are derived from them here.
 */
extern void *changegate_alloc_malloc(size_t size);
extern void *changegate_alloc_realloc(void *pointer, size_t size);
extern void changegate_alloc_free(void *pointer);

static void *changegate_gmalloc(size_t n, const char *file, int line) {
    (void)file; (void)line;
    return changegate_alloc_malloc(n);
}

static void *changegate_grealloc(void *p, size_t n, const char *file, int line) {
    (void)file; (void)line;
    return changegate_alloc_realloc(p, n);
}

static void changegate_gfree(void *p) { changegate_alloc_free(p); }

#if LIBGIT2_VER_MAJOR == 1 && LIBGIT2_VER_MINOR < 8
static void *changegate_gcalloc(size_t count, size_t size, const char *file, int line) {
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) return NULL;
    void *p = changegate_gmalloc(total, file, line);
    if (p) memset(p, 0, total);
    return p;
}

static char *changegate_gsubstrdup(const char *s, size_t n, const char *file, int line) {
    if (n == SIZE_MAX) return NULL;
    char *p = (char *)changegate_gmalloc(n + 1, file, line);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static char *changegate_gstrdup(const char *s, const char *file, int line) {
    return changegate_gsubstrdup(s, strlen(s), file, line);
}

static char *changegate_gstrndup(const char *s, size_t n, const char *file, int line) {
    return changegate_gsubstrdup(s, strnlen(s, n), file, line);
}

static void *changegate_greallocarray(void *p, size_t count, size_t size, const char *file, int line) {
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) return NULL;
    return changegate_grealloc(p, total, file, line);
}

static void *changegate_gmallocarray(size_t count, size_t size, const char *file, int line) {
    return changegate_greallocarray(NULL, count, size, file, line);
}
#endif

/* Installs the allocator; libgit2 copies the struct. Call before git_libgit2_init. */
static inline int changegate_git_set_allocator(void) {
    git_allocator allocator;
    memset(&allocator, 0, sizeof allocator);
    allocator.gmalloc = changegate_gmalloc;
    allocator.grealloc = changegate_grealloc;
    allocator.gfree = changegate_gfree;
#if LIBGIT2_VER_MAJOR == 1 && LIBGIT2_VER_MINOR < 8
    allocator.gcalloc = changegate_gcalloc;
    allocator.gstrdup = changegate_gstrdup;
    allocator.gstrndup = changegate_gstrndup;
    allocator.gsubstrdup = changegate_gsubstrdup;
    allocator.greallocarray = changegate_greallocarray;
    allocator.gmallocarray = changegate_gmallocarray;
#endif
    return git_libgit2_opts(GIT_OPT_SET_ALLOCATOR, &allocator);
}
/*
 * Objects are read, never written, and git itself does not re-hash every object it reads (fsck
 * does); libgit2's strict verification re-hashes each one, a tenth of a hook's time.
 */
static inline int changegate_git_skip_hash_verification(void) {
    return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
}
/*
 * libgit2 keeps recently read commits and trees in a cache of up to 256 MiB; a scan of a long
 * history (`changegate history`) would grow to that. 32 MiB holds every tree one diff needs.
 */
static inline int changegate_git_set_cache_max_size(size_t bytes) {
    return git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t)bytes);
}
/*
 * Trees over 4 KiB are not cached at all by default, and a folder of a few hundred entries is
 * larger: a walk down the history reads it again for every commit (as the child, then as the
 * parent). Cached, it is read once while the folder is unchanged.
 */
static inline int changegate_git_set_tree_cache_limit(size_t bytes) {
    return git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE, bytes);
}
#endif
