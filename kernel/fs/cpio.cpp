#include "fs/cpio.h"

#include "fs/inode.h"

namespace charon {

namespace {

constexpr size_t kFieldCount = 13;
constexpr size_t align4(size_t value) { return (value + 3) & ~size_t(3); }

bool parse_hex8(const uint8_t* text, uint32_t& value) {
    value = 0;
    for (size_t i = 0; i < 8; ++i) {
        uint8_t c = text[i];
        uint32_t digit;
        if (c >= '0' && c <= '9')
            digit = c - '0';
        else if (c >= 'a' && c <= 'f')
            digit = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            digit = c - 'A' + 10;
        else
            return false;
        value = (value << 4) | digit;
    }
    return true;
}

} // namespace

Result<bool> CpioReader::next(CpioEntry& entry) {
    for (;;) {
        // Between archives (and after the last one) only zero padding may
        // follow, in 4-byte steps as Linux's unpacker skips it.
        if (m_after_trailer) {
            while (m_offset < m_size && m_data[m_offset] == 0)
                ++m_offset;
        }
        // The input must end right after a trailer (and its padding).
        if (m_offset >= m_size)
            return m_after_trailer ? Result<bool>(false) : Result<bool>(EINVAL);
        if (m_offset % 4 != 0 || m_size - m_offset < kHeaderSize)
            return EINVAL;
        const uint8_t* header = m_data + m_offset;
        bool with_checksum;
        StringView magic(reinterpret_cast<const char*>(header), 6);
        if (magic == StringView("070701"))
            with_checksum = false;
        else if (magic == StringView("070702"))
            with_checksum = true;
        else
            return EINVAL;

        uint32_t fields[kFieldCount];
        for (size_t i = 0; i < kFieldCount; ++i) {
            if (!parse_hex8(header + 6 + i * 8, fields[i]))
                return EINVAL;
        }
        // Field order: ino mode uid gid nlink mtime filesize devmajor
        // devminor rdevmajor rdevminor namesize check.
        uint32_t file_size = fields[6];
        uint32_t name_size = fields[11];
        uint32_t check = fields[12];
        if (name_size == 0 || name_size > 4096)
            return EINVAL;

        size_t name_offset = m_offset + kHeaderSize;
        if (m_size - name_offset < name_size)
            return EINVAL;
        const char* name = reinterpret_cast<const char*>(m_data + name_offset);
        // The name is NUL-terminated exactly at name_size - 1.
        StringView name_view(name, name_size - 1);
        if (name[name_size - 1] != '\0' || name_view.find('\0') != name_view.length())
            return EINVAL;

        size_t data_offset = align4(name_offset + name_size);
        if (data_offset > m_size || m_size - data_offset < file_size)
            return EINVAL;
        const uint8_t* file_data = m_data + data_offset;
        if (with_checksum) {
            uint32_t sum = 0;
            for (size_t i = 0; i < file_size; ++i)
                sum += file_data[i];
            if (sum != check)
                return EINVAL;
        }
        size_t end = align4(data_offset + file_size);
        if (end > m_size)
            return EINVAL; // the data's padding is missing
        m_offset = end;

        m_after_trailer = name_view == StringView("TRAILER!!!");
        if (m_after_trailer)
            continue; // maybe another archive follows
        entry.name = name_view;
        entry.ino = fields[0];
        entry.mode = fields[1];
        entry.uid = fields[2];
        entry.gid = fields[3];
        entry.nlink = fields[4];
        entry.mtime = fields[5];
        entry.dev_major = fields[7];
        entry.dev_minor = fields[8];
        entry.rdev_major = fields[9];
        entry.rdev_minor = fields[10];
        entry.data = file_data;
        entry.size = file_size;
        return true;
    }
}

namespace {

struct HardLink {
    uint32_t ino, dev_major, dev_minor;
    RefPtr<Inode> inode;
};

// Walks `path` from `root`, creating missing directories, and returns the
// directory that should contain the last component plus that component.
// An empty last component means the path names `root` itself.
Result<RefPtr<Inode>> walk_to_parent(FileSystem& fs, Inode& root, StringView path, StringView& last) {
    RefPtr<Inode> directory = root;
    size_t position = 0;
    last = {};
    for (;;) {
        while (position < path.length() && path[position] == '/')
            ++position;
        if (position >= path.length())
            return directory;
        size_t end = path.find('/', position);
        StringView component = path.substring(position, end - position);
        size_t next = end;
        while (next < path.length() && path[next] == '/')
            ++next;
        bool is_last = next >= path.length();
        if (component == StringView(".."))
            return EINVAL;
        if (component.length() > NAME_MAX)
            return ENAMETOOLONG;
        if (component == StringView(".")) {
            position = next;
            continue;
        }
        if (is_last) {
            last = component;
            return directory;
        }
        auto existing = directory->lookup(component);
        RefPtr<Inode> child;
        if (existing.is_error()) {
            child = TRY(Inode::try_create(fs, InodeType::Directory, 0755, 0, 0));
            TRY(directory->add_entry(component, child));
        } else {
            child = existing.release_value();
            if (!child->is_directory())
                return ENOTDIR;
        }
        directory = std::move(child);
        position = next;
    }
}

void apply_metadata(Inode& inode, const CpioEntry& entry) {
    inode.set_permissions(entry.mode);
    inode.set_owner(entry.uid, entry.gid);
    // Linux's unpacker sets atime and mtime from the archive; ctime would be
    // "now", which portable code does not know: use mtime too.
    Timespec mtime{static_cast<int64_t>(entry.mtime), 0};
    inode.set_times(mtime, mtime, mtime);
}

} // namespace

Result<void> unpack_cpio(FileSystem& fs, Inode& root, const uint8_t* data, size_t size) {
    VERIFY(root.is_directory());
    CpioReader reader(data, size);
    Vector<HardLink> hard_links;
    CpioEntry entry;
    while (TRY(reader.next(entry))) {
        if (entry.name.is_empty())
            return EINVAL;
        InodeType type = TRY(inode_type_from_mode(entry.mode));
        StringView last;
        RefPtr<Inode> parent = TRY(walk_to_parent(fs, root, entry.name, last));
        if (last.is_empty()) {
            // "." or "/": metadata for the root itself.
            if (type != InodeType::Directory)
                return EINVAL;
            apply_metadata(root, entry);
            continue;
        }

        auto existing = parent->lookup(last);
        if (!existing.is_error()) {
            if (existing.value()->is_directory() && type == InodeType::Directory) {
                apply_metadata(*existing.value(), entry);
                continue;
            }
            // Linux unlinks the old name first (rmdir for an empty directory).
            if (existing.value()->is_directory() && existing.value()->entry_count() != 0)
                return EEXIST;
            TRY(parent->remove_entry(last));
        }

        if (type == InodeType::Regular && entry.nlink > 1) {
            HardLink* found = nullptr;
            for (auto& link : hard_links) {
                if (link.ino == entry.ino && link.dev_major == entry.dev_major && link.dev_minor == entry.dev_minor)
                    found = &link;
            }
            if (found) {
                // Tools put the data on one of the links (GNU cpio: the last).
                if (entry.size) {
                    auto* contents = new (std::nothrow) BorrowedContents(entry.data, entry.size);
                    if (!contents)
                        return ENOMEM;
                    found->inode->set_contents(contents);
                }
                TRY(parent->add_entry(last, found->inode));
                continue;
            }
        }

        RefPtr<Inode> inode = TRY(Inode::try_create(fs, type, entry.mode, entry.uid, entry.gid));
        apply_metadata(*inode, entry);
        switch (type) {
        case InodeType::Regular:
            if (entry.size) {
                auto* contents = new (std::nothrow) BorrowedContents(entry.data, entry.size);
                if (!contents)
                    return ENOMEM;
                inode->set_contents(contents);
            }
            break;
        case InodeType::Symlink: {
            StringView target(reinterpret_cast<const char*>(entry.data), entry.size);
            if (target.is_empty() || target.length() >= PATH_MAX || target.find('\0') != target.length())
                return EINVAL;
            TRY(inode->set_symlink_target(target));
            break;
        }
        case InodeType::CharDevice:
        case InodeType::BlockDevice:
            inode->set_device(entry.rdev_major, entry.rdev_minor);
            break;
        default:
            break;
        }
        if (type == InodeType::Regular && entry.nlink > 1)
            TRY(hard_links.try_append(HardLink{entry.ino, entry.dev_major, entry.dev_minor, inode}));
        TRY(parent->add_entry(last, std::move(inode)));
    }
    return {};
}

} // namespace charon
