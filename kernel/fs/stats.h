// Live-object counters for leak tests: every constructor of a counted object
// increments, every destructor decrements, so after any workload that released
// everything the counts are back at their baseline.
#pragma once

#include <cstdint>

namespace charon::fs_stats {

uint64_t live_open_files(); // open file descriptions (OpenFile)
uint64_t live_pipes();      // Pipe objects
uint64_t live_inodes();     // Inode objects, in any file system
uint64_t live_fd_tables();  // descriptor tables
uint64_t file_pages();      // pages of regular-file data held by PageStores
uint64_t file_store_bytes(); // heap bytes of file contents objects and page-store index nodes

// Called by the constructors and destructors of the counted objects only.
void note_open_file(int delta);
void note_pipe(int delta);
void note_inode(int delta);
void note_fd_table(int delta);
void note_file_pages(int delta);
void note_file_store_bytes(int64_t delta);

} // namespace charon::fs_stats
