// A process's file descriptor table: slots holding an OpenFile reference and
// the per-descriptor FD_CLOEXEC flag. Reference-counted so that threads
// created with CLONE_FILES share one table; fork() clones it.
//
// Lock: m_lock (rank FileTable). Files are never released while it is held:
// dropping the last reference of an OpenFile may detach a pipe end (rank
// Pipe) and free memory, so released references are collected and dropped
// after unlocking.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fs/open_file.h"
#include "lib/ref_ptr.h"
#include "lib/result.h"
#include "lib/spinlock.h"
#include "lib/vector.h"

namespace charon {

// RLIMIT_NOFILE default soft limit on Linux.
inline constexpr uint64_t kDefaultNofileLimit = 1024;

class FdTable final : public RefCounted {
public:
    static Result<RefPtr<FdTable>> try_create();
    ~FdTable() override;

    // fork() without CLONE_FILES: same open files (new references), same
    // FD_CLOEXEC flags.
    Result<RefPtr<FdTable>> clone() const;

    // Installs `file` at the lowest free descriptor >= `minimum`; EMFILE if
    // none below `limit` (RLIMIT_NOFILE).
    Result<int> allocate(RefPtr<OpenFile> file, bool cloexec, uint64_t limit, int minimum = 0);
    Result<RefPtr<OpenFile>> get(int fd) const; // EBADF
    // The file and its FD_CLOEXEC flag as one snapshot (/proc's fdinfo).
    Result<RefPtr<OpenFile>> get(int fd, bool& cloexec) const;
    // Linux reserves the descriptor before walking the path, so a full table
    // reports EMFILE even for a path that does not exist.
    bool has_free_slot(uint64_t limit) const;
    Result<void> close(int fd);                 // EBADF

    Result<int> dup(int fd, uint64_t limit);
    // dup2(fd, fd) checks fd and returns it; otherwise like dup3 with no flags.
    Result<int> dup2(int old_fd, int new_fd, uint64_t limit);
    // EINVAL for flags other than O_CLOEXEC or old_fd == new_fd; EBADF for a
    // bad old_fd or new_fd outside [0, limit). Closes what new_fd held.
    Result<int> dup3(int old_fd, int new_fd, int flags, uint64_t limit);

    // fcntl(2) commands on descriptors (F_GETFL/F_SETFL act on the file).
    Result<int> fcntl(int fd, int command, uint64_t argument, uint64_t limit);

    Result<bool> cloexec(int fd) const;
    Result<void> set_cloexec(int fd, bool cloexec);

    // close_range(2) on [first, last]: closes every open descriptor there,
    // or with `cloexec` marks each FD_CLOEXEC. Only the slots the table has
    // grown to are visited, so the usual last = ~0U costs the table's size,
    // not 4 billion steps (Linux walks its open-fd bitmap up to max_fds).
    // Closing cannot fail: as Linux, errors of the files' release are lost.
    void close_range(unsigned first, unsigned last, bool cloexec);

    // execve: closes every FD_CLOEXEC descriptor. Call unshare() first: a
    // table shared through CLONE_FILES with another process must not lose
    // that process's descriptors (Linux's unshare_files).
    void close_on_exec();
    // Replaces `table` with a private copy if anyone else holds it.
    static Result<void> unshare(RefPtr<FdTable>& table);
    // exit (last user of the table) or explicit teardown.
    void close_all();

    size_t open_count() const;
    // One past the highest open descriptor (0 if none).
    size_t high_water() const;
    // The slots the table has grown to (it never shrinks): /proc's FDSize.
    size_t slot_count() const;

private:
    FdTable();

    struct Slot {
        RefPtr<OpenFile> file;
        bool cloexec = false;
    };

    // Lowest free slot >= minimum and < limit; grows the vector. Caller holds m_lock.
    Result<int> find_free_locked(int minimum, uint64_t limit);

    mutable Spinlock m_lock{"FdTable", LockRank::FileTable};
    Vector<Slot> m_slots;
    size_t m_open_count = 0;
};

} // namespace charon
