#include "inode_backing.h"

#include <new>

#include "arch/x86_64/memory_layout.h"
#include "fs/io_buffer.h"

namespace charon::mm {

Result<RefPtr<VmBacking>> InodeBacking::create(Inode& inode) {
    if (!inode.is_regular())
        return ENODEV;
    auto* backing = new (std::nothrow) InodeBacking(inode);
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

} // namespace charon::mm
