// A regular file as a VmBacking: what mmap of a file descriptor maps.
// MAP_PRIVATE pages are copies filled from the file on first touch;
// MAP_SHARED pages are the file's own pages (fs/page_store.h), so writes
// through the mapping, other mappings and read()/write() all see the same
// bytes. A file shrunk under its mappings loses the pages past the new end
// from them (unmap_file_pages_from, SIGBUS on access as Linux).
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
    // `path`: the name the file was opened by (OpenFile::path), or null.
    static Result<RefPtr<VmBacking>> create(Inode& inode, RefPtr<PathName> path = {});
    ~InodeBacking() override;

    // The page at `offset`: file bytes, zero past the end of the file
    // within the last page; EIO for a page wholly past the end (SIGBUS, as
    // Linux).
    Result<void> read_page(uint64_t offset, void* page) override;
    bool can_share() const override { return true; }
    bool page_cached(uint64_t offset) override { return m_inode->page_cached(offset); }
    bool is_own_frame(uint64_t offset, uint64_t frame) override { return m_inode->stored_page(offset) == frame; }
    // The file's page (allocated if it was a hole) with a reference for the
    // page-table entry; EIO past the end of the file (SIGBUS).
    Result<uint64_t> shared_frame(uint64_t offset) override;
    const void* mapped_object() const override { return m_inode.ptr(); }
    const Inode* file_inode() const override { return m_inode.ptr(); }
    const PathName* file_path() const override { return m_path.ptr(); }

private:
    InodeBacking(Inode& inode, RefPtr<PathName> path);
    RefPtr<Inode> m_inode;
    RefPtr<PathName> m_path;
};

} // namespace charon::mm
