#include "fs/stats.h"

namespace charon::fs_stats {

namespace {
// Plain integers with atomic updates: trivially destructible globals, so the
// kernel needs no static constructors or destructors for them.
uint64_t g_open_files;
uint64_t g_pipes;
uint64_t g_inodes;
uint64_t g_fd_tables;
uint64_t g_file_pages;
uint64_t g_file_store_bytes;

void add(uint64_t& counter, int delta) { __atomic_fetch_add(&counter, static_cast<uint64_t>(static_cast<int64_t>(delta)), __ATOMIC_RELAXED); }
uint64_t load(const uint64_t& counter) { return __atomic_load_n(&counter, __ATOMIC_RELAXED); }
} // namespace

uint64_t live_open_files() { return load(g_open_files); }
uint64_t live_pipes() { return load(g_pipes); }
uint64_t live_inodes() { return load(g_inodes); }
uint64_t live_fd_tables() { return load(g_fd_tables); }
uint64_t file_pages() { return load(g_file_pages); }
uint64_t file_store_bytes() { return load(g_file_store_bytes); }

void note_open_file(int delta) { add(g_open_files, delta); }
void note_pipe(int delta) { add(g_pipes, delta); }
void note_inode(int delta) { add(g_inodes, delta); }
void note_fd_table(int delta) { add(g_fd_tables, delta); }
void note_file_pages(int delta) { add(g_file_pages, delta); }
void note_file_store_bytes(int64_t delta) {
    __atomic_fetch_add(&g_file_store_bytes, static_cast<uint64_t>(delta), __ATOMIC_RELAXED);
}

} // namespace charon::fs_stats
