// A regular file as a VmBacking: what mmap of a file descriptor maps.
// MAP_PRIVATE pages are copies filled from the file on first touch. Shared
// file mappings need the file's own frames (a page cache), which inodes do
// not have yet: shared_frame() stays ENODEV (mmap fails with ENODEV).
//
//   auto file = TRY(fds.get(fd));                       // the process wiring
//   request.backing = TRY(mm::InodeBacking::create(file->inode()));
#pragma once

#include "fs/inode.h"
#include "mm/vma_set.h"

namespace charon::mm {

class InodeBacking final : public VmBacking {
public:
    // ENODEV for what is not a regular file (Linux: devices without mmap).
    static Result<RefPtr<VmBacking>> create(Inode& inode);

    // The page at `offset`: file bytes, zero past the end of the file
    // within the last page; EIO for a page wholly past the end (SIGBUS, as
    // Linux).
    Result<void> read_page(uint64_t offset, void* page) override;

private:
    explicit InodeBacking(Inode& inode) : m_inode(&inode) {}
    RefPtr<Inode> m_inode;
};

} // namespace charon::mm
