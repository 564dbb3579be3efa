// The directory-entry primitives behind rmdir and rename (fs/inode.h).
// The callers (fs/vfs_namespace.cpp) hold the Vfs namespace lock and have
// made every permission and type check; these keep nlink, ".." and the
// removed-directory references right, and never fail half-way.
#include "fs/inode.h"

namespace charon {

DirEntry* Inode::find_entry(StringView name) {
    VERIFY(is_directory());
    for (auto& entry : m_entries) {
        if (entry.name == name)
            return &entry;
    }
    return nullptr;
}

Result<void> Inode::remove_directory_entry(StringView name) {
    DirEntry* entry = find_entry(name);
    if (!entry)
        return ENOENT;
    RefPtr<Inode> child = entry->inode;
    VERIFY(child->is_directory() && child->entry_count() == 0);
    TRY(remove_entry(name));
    child->m_nlink = 0;
    return {};
}

bool Inode::is_descendant_of(const Inode& ancestor) const {
    for (const Inode* inode = this;;) {
        if (inode == &ancestor)
            return true;
        const Inode* parent = inode->m_parent;
        if (!parent || parent == inode)
            return false;
        inode = parent;
    }
}

Result<void> Inode::rename(Inode& old_dir, StringView old_name, Inode& new_dir, StringView new_name, bool exchange) {
    VERIFY(old_dir.is_directory() && new_dir.is_directory());
    DirEntry* old_entry = old_dir.find_entry(old_name);
    if (!old_entry)
        return ENOENT;
    DirEntry* new_entry = new_dir.find_entry(new_name);
    RefPtr<Inode> moving = old_entry->inode;

    if (exchange) {
        if (!new_entry)
            return ENOENT;
        RefPtr<Inode> other = new_entry->inode;
        // Swap the inodes; names and cookies stay where they are.
        old_entry->inode = other;
        new_entry->inode = moving;
        if (&old_dir != &new_dir) {
            // A directory changing parent moves its ".." link along.
            if (moving->is_directory()) {
                moving->m_parent = &new_dir;
                --old_dir.m_nlink;
                ++new_dir.m_nlink;
            }
            if (other->is_directory()) {
                other->m_parent = &old_dir;
                --new_dir.m_nlink;
                ++old_dir.m_nlink;
            }
        }
        return {};
    }

    if (new_entry) {
        // Replace in place: the target name keeps its getdents position.
        RefPtr<Inode> replaced = new_entry->inode;
        if (replaced.ptr() == moving.ptr())
            return {};
        new_entry->inode = moving;
        if (replaced->is_directory()) {
            // An empty directory (checked by the caller) loses its name and
            // its parent's ".." link; it keeps the parent alive as rmdir's.
            replaced->m_nlink = 0;
            replaced->m_removed_from = RefPtr<Inode>(&new_dir);
            --new_dir.m_nlink;
        } else {
            if (replaced->m_nlink > 1)
                replaced->fs().release_inode(); // an extra link's slot
            --replaced->m_nlink;
        }
    } else {
        // Everything that can fail happens before the first change.
        DirEntry entry;
        entry.name = TRY(KString::try_create(new_name));
        TRY(new_dir.m_entries.try_ensure_capacity(new_dir.m_entries.size() + 1));
        entry.cookie = new_dir.m_next_cookie++;
        entry.inode = moving;
        auto appended = new_dir.m_entries.try_append(std::move(entry));
        VERIFY(!appended.is_error()); // capacity was ensured
    }
    // Drop the old name (looked up again: the vector may have moved).
    for (size_t i = 0; i < old_dir.m_entries.size(); ++i) {
        if (old_dir.m_entries[i].name == old_name) {
            old_dir.m_entries.remove(i);
            break;
        }
    }
    if (moving->is_directory() && &old_dir != &new_dir) {
        moving->m_parent = &new_dir;
        --old_dir.m_nlink;
        ++new_dir.m_nlink;
    }
    return {};
}

} // namespace charon
