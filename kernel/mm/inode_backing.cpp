#include "inode_backing.h"

#include <new>

#include "arch/x86_64/memory_layout.h"
#include "fs/io_buffer.h"
#include "fs/page_store.h"
#include "mm/address_space.h"

namespace charon::mm {

InodeBacking::InodeBacking(Inode& inode, RefPtr<PathName> path) : m_inode(&inode), m_path(std::move(path)) {
    m_inode->note_mapping(+1);
}

InodeBacking::~InodeBacking() { m_inode->note_mapping(-1); }

Result<RefPtr<VmBacking>> InodeBacking::create(Inode& inode, RefPtr<PathName> path) {
    if (!inode.is_regular())
        return ENODEV;
    auto* backing = new (std::nothrow) InodeBacking(inode, std::move(path));
    if (!backing)
        return ENOMEM;
    return RefPtr<VmBacking>(adopt_ref<VmBacking>(backing));
}

Result<void> InodeBacking::read_page(uint64_t offset, void* page) {
    uint64_t size = m_inode->size();
    if (offset >= size)
        return EIO;
    uint64_t left = size - offset;
    size_t length = left < page_size ? static_cast<size_t>(left) : page_size;
    __builtin_memset(page, 0, page_size);
    KernelIoBuffer buffer(page, page_size);
    size_t got = TRY(m_inode->read_data(offset, buffer, length));
    (void)got; // a file shortened meanwhile: the rest stays zero
    return {};
}

Result<uint64_t> InodeBacking::shared_frame(uint64_t offset) {
    // An initramfs file becomes a PageStore (a copy) on its first shared
    // mapping: the mapping must see later writes, and they it.
    PageStore* store = TRY(m_inode->writable_store());
    return store->page_for_mapping(offset);
}

} // namespace charon::mm

namespace charon {

// fs/inode.h's hook: a mapped file shrank.
void unmap_file_pages_from(const Inode& inode, uint64_t offset) {
    mm::AddressSpace::unmap_object_everywhere(&inode, offset);
}

} // namespace charon
