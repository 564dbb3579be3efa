#include "fs/page_store.h"

#include <new>

#include "fs/stats.h"

namespace charon {

namespace {

using page_frames::kSize;
using page_frames::PageId;

// What a hole reads as.
const uint8_t kZeros[kSize] = {};

size_t smaller(uint64_t a, uint64_t b) { return static_cast<size_t>(a < b ? a : b); }

} // namespace

Result<PageStore*> PageStore::try_create(FileSystem* fs) {
    auto* store = new (std::nothrow) PageStore;
    if (!store)
        return ENOMEM;
    store->m_fs = fs;
    return store;
}

Result<PageStore*> PageStore::try_create_copy(const FileContents& source, FileSystem* fs) {
    PageStore* store = TRY(try_create(fs));
    uint64_t size = source.size();
    for (uint64_t offset = 0; offset < size; offset += kSize) {
        auto page = store->get_page_locked(offset / kSize);
        if (page.is_error()) {
            delete store;
            return page.error();
        }
        KernelIoBuffer buffer(page_frames::data(page.value()), kSize);
        auto copied = source.read(offset, buffer, 0, smaller(kSize, size - offset));
        page_frames::unref(page.value());
        if (copied.is_error()) {
            delete store;
            return copied.error();
        }
    }
    store->m_size = size;
    return store;
}

PageStore::~PageStore() { trim_locked(m_root, m_height, 0, 0); }

uint64_t PageStore::size() const {
    SpinlockGuard guard(m_lock);
    return m_size;
}

size_t PageStore::page_count() const {
    SpinlockGuard guard(m_lock);
    return m_pages;
}

// tmpfs counts what is allocated, so a sparse file has fewer blocks than
// its size suggests.
uint64_t PageStore::blocks() const { return page_count() * (kSize / 512); }

uint64_t PageStore::capacity_at(unsigned height) {
    if (height * kBits >= 63)
        return UINT64_MAX;
    return (uint64_t(1) << (height * kBits)) - 1;
}

bool PageStore::has_page(uint64_t offset) const { return page_at(offset) != 0; }

PageId PageStore::page_at(uint64_t offset) const {
    SpinlockGuard guard(m_lock);
    return offset < m_size ? lookup_locked(offset / kSize) : 0;
}

PageId PageStore::lookup_locked(uint64_t index) const {
    if (index > capacity_at(m_height))
        return 0;
    uint64_t slot = m_root;
    for (unsigned level = m_height; level > 0; --level) {
        if (!slot)
            return 0;
        auto* node = reinterpret_cast<Node*>(slot);
        slot = node->slots[(index >> (kBits * (level - 1))) & (kFanout - 1)];
    }
    return slot;
}

Result<uint64_t*> PageStore::slot_for_locked(uint64_t index) {
    while (index > capacity_at(m_height)) {
        if (m_root) {
            auto* node = new (std::nothrow) Node;
            if (!node)
                return ENOMEM;
            node->slots[0] = m_root;
            m_root = reinterpret_cast<uint64_t>(node);
        }
        ++m_height;
    }
    uint64_t* slot = &m_root;
    for (unsigned level = m_height; level > 0; --level) {
        if (!*slot) {
            auto* node = new (std::nothrow) Node;
            if (!node)
                return ENOMEM;
            *slot = reinterpret_cast<uint64_t>(node);
        }
        slot = &reinterpret_cast<Node*>(*slot)->slots[(index >> (kBits * (level - 1))) & (kFanout - 1)];
    }
    return slot;
}

Result<PageId> PageStore::get_page_locked(uint64_t index) {
    uint64_t* slot = TRY(slot_for_locked(index));
    if (!*slot) {
        if (m_fs)
            TRY(m_fs->charge_pages(1)); // ENOSPC: the file system is full
        auto page = page_frames::allocate();
        if (page.is_error()) {
            if (m_fs)
                m_fs->uncharge_pages(1);
            return page.error();
        }
        *slot = page.value();
        ++m_pages;
        fs_stats::note_file_pages(+1);
    }
    page_frames::ref(*slot);
    return *slot;
}

void PageStore::trim_locked(uint64_t& slot, unsigned level, uint64_t base, uint64_t first) {
    if (!slot)
        return;
    if (level == 0) {
        if (base >= first) {
            page_frames::unref(slot);
            slot = 0;
            --m_pages;
            if (m_fs)
                m_fs->uncharge_pages(1);
            fs_stats::note_file_pages(-1);
        }
        return;
    }
    auto* node = reinterpret_cast<Node*>(slot);
    uint64_t span = capacity_at(level - 1) + 1;
    bool empty = true;
    for (size_t i = 0; i < kFanout; ++i) {
        uint64_t child_base = base + i * span;
        if (child_base + span > first)
            trim_locked(node->slots[i], level - 1, child_base, first);
        empty = empty && !node->slots[i];
    }
    if (empty) {
        delete node;
        slot = 0;
    }
}

Result<size_t> PageStore::read(uint64_t offset, IoBuffer& buffer, size_t buffer_offset, size_t length) const {
    size_t done = 0;
    while (done < length) {
        size_t in_page = offset % kSize;
        size_t chunk;
        PageId page;
        {
            SpinlockGuard guard(m_lock);
            if (offset >= m_size)
                break;
            chunk = smaller(smaller(kSize - in_page, length - done), m_size - offset);
            page = lookup_locked(offset / kSize);
            if (page)
                page_frames::ref(page);
        }
        // The copy runs unlocked: it may fault on a mapping of this file.
        const uint8_t* source = page ? page_frames::data(page) + in_page : kZeros;
        auto copied = buffer.copy_to(buffer_offset + done, source, chunk);
        if (page)
            page_frames::unref(page);
        if (copied.is_error()) {
            if (done)
                break; // Linux returns the bytes read before the fault
            return copied.error();
        }
        done += chunk;
        offset += chunk;
    }
    return done;
}

Result<PageStore::Written> PageStore::write(uint64_t offset, bool append, const IoBuffer& buffer, size_t length) {
    // One CPU and no preemption inside the kernel: nothing else runs between
    // taking the end of the file here and the last page below (user copies
    // fault in memory without sleeping), so an O_APPEND write is atomic with
    // respect to other appenders. An SMP port holds a per-inode lock across.
    if (append) {
        SpinlockGuard guard(m_lock);
        offset = m_size;
    }
    uint64_t start = offset;
    size_t done = 0;
    while (done < length) {
        size_t in_page = offset % kSize;
        size_t chunk = smaller(kSize - in_page, length - done);
        PageId page;
        {
            SpinlockGuard guard(m_lock);
            auto got = get_page_locked(offset / kSize);
            if (got.is_error()) {
                if (done)
                    break;
                return got.error();
            }
            page = got.value();
        }
        uint8_t* target = page_frames::data(page);
        auto copied = buffer.copy_from(done, target + in_page, chunk);
        {
            SpinlockGuard guard(m_lock);
            if (!copied.is_error()) {
                if (offset + chunk > m_size)
                    m_size = offset + chunk;
            } else if (offset + chunk > m_size) {
                // Keep the page zero past the end (a fault may have left a
                // partial copy there).
                uint64_t from = offset > m_size ? offset : m_size;
                __builtin_memset(target + (from % kSize), 0, static_cast<size_t>(offset + chunk - from));
            }
        }
        page_frames::unref(page);
        if (copied.is_error()) {
            if (done)
                break;
            return copied.error();
        }
        done += chunk;
        offset += chunk;
    }
    return Written{done, start};
}

Result<void> PageStore::truncate(uint64_t size) {
    if (size > kMaxFileSize)
        return EFBIG;
    SpinlockGuard guard(m_lock);
    // The page that will hold the end keeps zeros past it (both ways: a
    // shared mapping may have written past the old end).
    uint64_t tail_from = size < m_size ? size : m_size;
    if (size < m_size)
        trim_locked(m_root, m_height, 0, (size + kSize - 1) / kSize);
    if (!m_root)
        m_height = 0;
    if (tail_from % kSize) {
        if (PageId page = lookup_locked(tail_from / kSize))
            __builtin_memset(page_frames::data(page) + tail_from % kSize, 0, kSize - tail_from % kSize);
    }
    m_size = size;
    return {};
}

Result<PageId> PageStore::page_for_mapping(uint64_t offset) {
    SpinlockGuard guard(m_lock);
    if (offset >= m_size)
        return EIO;
    return get_page_locked(offset / kSize);
}

} // namespace charon
