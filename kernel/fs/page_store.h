// The writable store behind a regular file of the in-memory file systems
// (Linux's tmpfs page cache without the disk): a sparse index from page
// number to a reference-counted page (fs/page_frames.h). Pages are allocated
// on first write (or first shared mapping); a hole reads as zeros. The same
// pages are what MAP_SHARED maps, so writes through a mapping and write(2)
// see each other without any copying or write-back.
//
// The index is a radix tree of 64-slot nodes whose height grows with the
// highest page: a one-page file is just its page (height 0), any offset up
// to Linux's MAX_LFS_FILESIZE fits in nine levels.
//
// Invariant: bytes past size() in a stored page are zero, so growing the
// file (ftruncate, a write past the end) exposes zeros as Linux requires.
//
// Locking: m_lock (LockRank::FileData) covers the index and the size. It is
// taken by page faults (under AddressSpace), so it is never held while
// touching user memory: a read or write takes a reference on one page under
// the lock, then copies with the lock dropped (the copy may fault on a
// mapping of this very file).
#pragma once

#include <cstddef>
#include <cstdint>

#include "fs/inode.h"
#include "fs/page_frames.h"
#include "lib/spinlock.h"

namespace charon {

// Linux's MAX_LFS_FILESIZE on 64-bit: the largest size and offset + 1.
inline constexpr uint64_t kMaxFileSize = INT64_MAX;

class PageStore final : public FileContents {
public:
    // An empty store; ENOMEM. Its pages are charged to `fs` (the file's
    // file system, FileSystem::charge_pages: ENOSPC past tmpfs's size=).
    static Result<PageStore*> try_create(FileSystem* fs = nullptr);
    // A store holding a copy of `source` (the initramfs bytes of a file
    // about to be modified or mapped shared).
    static Result<PageStore*> try_create_copy(const FileContents& source, FileSystem* fs = nullptr);
    ~PageStore() override;

    uint64_t size() const override;
    uint64_t blocks() const override;
    Result<size_t> read(uint64_t offset, IoBuffer& buffer, size_t buffer_offset, size_t length) const override;
    PageStore* as_page_store() override { return this; }

    // Writes `length` bytes from `buffer` at `offset` (or at the end of the
    // file when `append`: the position is taken under the lock), growing
    // the file. Returns the count and the offset the data went to. A fault
    // in the buffer after some progress returns the partial count; before
    // any, EFAULT. ENOMEM likewise. The caller has clamped `length` so that
    // offset + length <= kMaxFileSize.
    struct Written {
        size_t count;
        uint64_t offset;
    };
    Result<Written> write(uint64_t offset, bool append, const IoBuffer& buffer, size_t length);
    // Sets the size: shrinking frees the pages past the end and zeroes the
    // tail of the last one; growing exposes zeros (no page allocated).
    Result<void> truncate(uint64_t size);
    // The page holding `offset` with a new reference for the caller (a
    // MAP_SHARED page-table entry), allocated if it was a hole. EIO for an
    // offset at or past the end of the file (SIGBUS, as Linux).
    Result<page_frames::PageId> page_for_mapping(uint64_t offset);
    // Whether the page holding `offset` is allocated (not a hole).
    bool has_page(uint64_t offset) const;
    // The page holding `offset`, without a reference (0 for a hole or past
    // the end): only to compare with a page a mapping holds.
    page_frames::PageId page_at(uint64_t offset) const;
    // Pages currently allocated (for st_blocks and the tests).
    size_t page_count() const;

private:
    PageStore() = default;

    static constexpr unsigned kBits = 6;
    static constexpr size_t kFanout = size_t(1) << kBits;
    struct Node : FileStoreObject {
        uint64_t slots[kFanout] = {}; // child Node* (as integers) or PageId at the lowest level
    };

    // Highest page index the tree covers at `height` levels.
    static uint64_t capacity_at(unsigned height);
    page_frames::PageId lookup_locked(uint64_t index) const;
    // The slot for `index`, growing the tree and allocating nodes; ENOMEM.
    Result<uint64_t*> slot_for_locked(uint64_t index);
    // The page at `index` with an extra reference, allocated if absent.
    Result<page_frames::PageId> get_page_locked(uint64_t index);
    // Frees every page with index >= `first` below `slot` and the nodes left
    // empty; `base` is the first index the slot covers.
    void trim_locked(uint64_t& slot, unsigned level, uint64_t base, uint64_t first);

    FileSystem* m_fs = nullptr; // charged for every allocated page
    mutable Spinlock m_lock{"file data", LockRank::FileData};
    uint64_t m_size = 0;
    uint64_t m_root = 0; // Node* when m_height > 0, else the PageId of page 0
    unsigned m_height = 0;
    size_t m_pages = 0;
};

} // namespace charon
