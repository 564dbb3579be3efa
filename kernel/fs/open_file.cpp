#include "fs/open_file.h"

#include "fs/page_store.h"
#include "fs/stats.h"

namespace charon {

namespace {
// Linux puts pipefs on an anonymous device; any fixed number unused by the
// root will do.
FileSystem g_pipe_fs(encode_device(0, 12), false);
FileSystem g_anonymous_fs(encode_device(0, 13), false);

constexpr int64_t kMaxFileOffset = INT64_MAX;

// What one read or write may move: no more than the buffer holds, and no
// more than Linux's MAX_RW_COUNT in one call.
size_t transfer_length(const IoBuffer& buffer, size_t length) {
    if (length > buffer.size())
        length = buffer.size();
    return length > kMaxRwCount ? kMaxRwCount : length;
}
} // namespace

FileSystem& pipe_file_system() { return g_pipe_fs; }
FileSystem& anonymous_file_system() { return g_anonymous_fs; }

OpenFile::OpenFile(RefPtr<Inode> inode, int flags) : m_inode(std::move(inode)), m_flags(flags) {
    fs_stats::note_open_file(+1);
}

OpenFile::~OpenFile() { fs_stats::note_open_file(-1); }

bool OpenFile::can_read() const {
    int mode = m_flags & O_ACCMODE;
    return !is_path_only() && (mode == O_RDONLY || mode == O_RDWR);
}

bool OpenFile::can_write() const {
    int mode = m_flags & O_ACCMODE;
    return !is_path_only() && (mode == O_WRONLY || mode == O_RDWR);
}

Result<size_t> OpenFile::read(IoBuffer& buffer, size_t length, IoContext& context) {
    if (!can_read())
        return EBADF;
    length = transfer_length(buffer, length);
    return do_read(buffer, length, context);
}

Result<size_t> OpenFile::write(const IoBuffer& buffer, size_t length, IoContext& context) {
    if (!can_write())
        return EBADF;
    length = transfer_length(buffer, length);
    return do_write(buffer, length, context);
}

Result<int64_t> OpenFile::seek(int64_t offset, int whence) {
    if (is_path_only())
        return EBADF;
    return do_seek(offset, whence);
}

Result<size_t> OpenFile::read_at(IoBuffer& buffer, size_t length, int64_t offset, IoContext& context) {
    if (!can_read())
        return EBADF;
    if (offset < 0)
        return EINVAL;
    length = transfer_length(buffer, length);
    return do_read_at(buffer, length, static_cast<uint64_t>(offset), context);
}

Result<size_t> OpenFile::write_at(const IoBuffer& buffer, size_t length, int64_t offset, IoContext& context) {
    if (!can_write())
        return EBADF;
    if (offset < 0)
        return EINVAL;
    length = transfer_length(buffer, length);
    return do_write_at(buffer, length, static_cast<uint64_t>(offset), context);
}

Result<size_t> OpenFile::read_directory(IoBuffer& buffer, size_t length) {
    if (is_path_only())
        return EBADF;
    if (length > buffer.size())
        length = buffer.size();
    return do_read_directory(buffer, length);
}

Result<RefPtr<OpenFile>> InodeFile::try_create(RefPtr<Inode> inode, int flags) {
    auto* file = new (std::nothrow) InodeFile(std::move(inode), flags);
    if (!file)
        return ENOMEM;
    return adopt_ref<OpenFile>(file);
}

Result<size_t> InodeFile::do_read(IoBuffer& buffer, size_t length, IoContext&) {
    if (m_inode->is_directory())
        return EISDIR;
    if (!m_inode->is_regular())
        return EINVAL;
    size_t count = TRY(m_inode->read_data(m_offset, buffer, length));
    m_offset += count;
    return count;
}

Result<size_t> InodeFile::do_read_at(IoBuffer& buffer, size_t length, uint64_t offset, IoContext&) {
    if (m_inode->is_directory())
        return EISDIR;
    if (!m_inode->is_regular())
        return EINVAL;
    return m_inode->read_data(offset, buffer, length);
}

bool InodeFile::appends(const IoContext& context) const {
    if (context.append_override >= 0)
        return context.append_override;
    return m_flags & O_APPEND;
}

Result<size_t> InodeFile::write_regular(const IoBuffer& buffer, size_t length, uint64_t offset, bool append,
                                        IoContext& context, uint64_t& end) {
    if (!m_inode->is_regular())
        return EINVAL; // directories never get this far (open refuses them for writing)
    uint64_t written_at = 0;
    auto count = m_inode->write_data(offset, append, buffer, length, context.file_size_limit, &written_at);
    if (count.is_error()) {
        // EFBIG because of RLIMIT_FSIZE (not the file system's maximum)
        // comes with SIGXFSZ.
        if (count.error().code() == EFBIG && context.file_size_limit < kMaxFileSize)
            context.raise_sigxfsz = true;
        return count.error();
    }
    end = written_at + count.value();
    return count.value();
}

Result<size_t> InodeFile::do_write_at(const IoBuffer& buffer, size_t length, uint64_t offset, IoContext& context) {
    // Linux: pwrite on an O_APPEND file appends, whatever the offset (the
    // BUGS section of pwrite(2)); the file offset stays put either way.
    uint64_t end;
    return write_regular(buffer, length, offset, appends(context), context, end);
}

Result<size_t> InodeFile::do_write(const IoBuffer& buffer, size_t length, IoContext& context) {
    uint64_t end = 0;
    size_t count = TRY(write_regular(buffer, length, m_offset, appends(context), context, end));
    if (count) // a zero-length write moves nothing, O_APPEND or not
        m_offset = end;
    return count;
}

Result<int64_t> InodeFile::do_seek(int64_t offset, int whence) {
    int64_t base;
    if (m_inode->is_directory()) {
        // Directory offsets are getdents cookies (Linux's dcache_dir_lseek:
        // SEEK_SET and SEEK_CUR only).
        if (whence == SEEK_SET)
            base = 0;
        else if (whence == SEEK_CUR)
            base = static_cast<int64_t>(m_offset);
        else
            return EINVAL;
    } else {
        auto size = static_cast<int64_t>(m_inode->size());
        switch (whence) {
        case SEEK_SET: base = 0; break;
        case SEEK_CUR: base = static_cast<int64_t>(m_offset); break;
        case SEEK_END: base = size; break;
        case SEEK_DATA:
        case SEEK_HOLE:
            // No holes in memory-backed files: data up to the size, then
            // the implicit hole at the end.
            if (offset < 0 || offset >= size)
                return ENXIO;
            m_offset = static_cast<uint64_t>(whence == SEEK_DATA ? offset : size);
            return static_cast<int64_t>(m_offset);
        default: return EINVAL;
        }
    }
    if ((offset > 0 && base > kMaxFileOffset - offset) || base + offset < 0)
        return EINVAL;
    m_offset = static_cast<uint64_t>(base + offset);
    return static_cast<int64_t>(m_offset);
}

namespace {

// Fills a getdents64 buffer with linux_dirent64 records. A record's d_off
// is where the next read resumes; `position` follows it.
class DirentWriter {
public:
    DirentWriter(IoBuffer& buffer, size_t length, uint64_t& position)
        : m_buffer(buffer), m_length(length), m_position(position) {}

    // False when the record does not fit (EINVAL if not even the first does).
    Result<bool> emit(uint64_t ino, uint64_t next_offset, uint8_t type, StringView name) {
        size_t record_length = dirent64_record_length(name.length());
        if (record_length > m_length - m_written) {
            if (m_written == 0)
                return EINVAL; // Linux: the buffer cannot hold even one entry
            return false;
        }
        uint8_t record[kDirent64NameOffset + NAME_MAX + 1 + 8] = {};
        __builtin_memcpy(record, &ino, 8);
        auto offset = static_cast<int64_t>(next_offset);
        __builtin_memcpy(record + 8, &offset, 8);
        auto reclen = static_cast<uint16_t>(record_length);
        __builtin_memcpy(record + 16, &reclen, 2);
        record[18] = type;
        __builtin_memcpy(record + kDirent64NameOffset, name.chars(), name.length());
        TRY(m_buffer.copy_to(m_written, record, record_length));
        m_written += record_length;
        m_position = next_offset;
        return true;
    }

    // "." and ".." at positions 0 and 1 (a root is its own parent), for
    // whichever of them the position has not passed yet. False when full.
    Result<bool> emit_dot_entries(Inode& directory) {
        if (m_position == 0 && !TRY(emit(directory.ino(), 1, DT_DIR, ".")))
            return false;
        if (m_position == 1) {
            Inode* parent = directory.parent() ? directory.parent() : &directory;
            if (!TRY(emit(parent->ino(), 2, DT_DIR, "..")))
                return false;
        }
        return true;
    }
    size_t written() const { return m_written; }

private:
    IoBuffer& m_buffer;
    size_t m_length;
    uint64_t& m_position;
    size_t m_written = 0;
};

} // namespace

Result<size_t> InodeFile::do_read_directory(IoBuffer& buffer, size_t length) {
    if (!m_inode->is_directory())
        return ENOTDIR;
    Inode& directory = *m_inode;
    // Positions: 0 is ".", 1 is "..", then each entry's cookie.
    DirentWriter writer(buffer, length, m_offset);
    if (!TRY(writer.emit_dot_entries(directory)))
        return writer.written();
    for (const DirEntry* entry = directory.entry_at_or_after(m_offset); entry;
         entry = directory.entry_at_or_after(entry->cookie + 1)) {
        if (!TRY(writer.emit(entry->inode->ino(), entry->cookie + 1, dirent_type(entry->inode->type()),
                             entry->name.view())))
            break;
    }
    return writer.written();
}

Result<RefPtr<OpenFile>> GeneratedFile::try_create(RefPtr<Inode> inode, int flags) {
    VERIFY(inode->provider());
    auto* raw = new (std::nothrow) GeneratedFile(std::move(inode), flags);
    if (!raw)
        return ENOMEM;
    return adopt_ref<OpenFile>(raw);
}

// The first snapshot is taken here rather than in try_create: open(2)
// calls this after the namespace lock is released, so a provider may take
// it (procfs's mounts and maps name paths) and never runs under it.
Result<void> GeneratedFile::wait_ready_to_open(IoContext&) {
    if (m_inode->is_regular() && !is_path_only() && !m_generated)
        TRY(regenerate());
    return {};
}

Result<void> GeneratedFile::regenerate() {
    m_text.clear();
    m_consumed = false;
    m_generated = true;
    TRY(m_inode->provider()->generate(*m_inode, m_text));
    return m_text.result();
}

Result<size_t> GeneratedFile::copy_out(uint64_t offset, IoBuffer& buffer, size_t length) {
    if (m_inode->is_directory())
        return EISDIR;
    if (!m_inode->is_regular())
        return EINVAL;
    // seq_file: reading from the start again is a new session. (A file
    // opened without open(2)'s last step has no snapshot yet.)
    if ((offset == 0 && m_consumed) || !m_generated)
        TRY(regenerate());
    if (offset >= m_text.size())
        return size_t(0);
    size_t count = m_text.size() - offset < length ? m_text.size() - offset : length;
    TRY(buffer.copy_to(0, m_text.data() + offset, count));
    m_consumed = true;
    return count;
}

Result<size_t> GeneratedFile::do_read(IoBuffer& buffer, size_t length, IoContext&) {
    size_t count = TRY(copy_out(m_offset, buffer, length));
    m_offset += count;
    return count;
}

Result<size_t> GeneratedFile::do_read_at(IoBuffer& buffer, size_t length, uint64_t offset, IoContext&) {
    return copy_out(offset, buffer, length);
}

// Linux: a /proc file without a write method was opened without
// FMODE_CAN_WRITE, and write(2) says EINVAL.
Result<size_t> GeneratedFile::do_write(const IoBuffer&, size_t, IoContext&) {
    return m_inode->is_directory() ? EISDIR : EINVAL;
}

Result<size_t> GeneratedFile::do_write_at(const IoBuffer&, size_t, uint64_t, IoContext&) {
    return m_inode->is_directory() ? EISDIR : EINVAL;
}

// seq_lseek and the proc directories: SEEK_SET and SEEK_CUR only.
Result<int64_t> GeneratedFile::do_seek(int64_t offset, int whence) {
    int64_t base;
    if (whence == SEEK_SET)
        base = 0;
    else if (whence == SEEK_CUR)
        base = static_cast<int64_t>(m_offset);
    else
        return EINVAL;
    if ((offset > 0 && base > kMaxFileOffset - offset) || base + offset < 0)
        return EINVAL;
    m_offset = static_cast<uint64_t>(base + offset);
    return static_cast<int64_t>(m_offset);
}

Result<size_t> GeneratedFile::do_read_directory(IoBuffer& buffer, size_t length) {
    if (!m_inode->is_directory())
        return ENOTDIR;
    Inode& directory = *m_inode;
    // Positions: 0 ".", 1 "..", 2 + i the listing's entry i. The listing
    // is taken afresh whenever a reader starts over.
    if (m_offset <= 2 || !m_consumed) {
        m_entries = {};
        TRY(directory.provider()->list(directory, m_entries));
        m_consumed = true;
    }
    DirentWriter writer(buffer, length, m_offset);
    if (!TRY(writer.emit_dot_entries(directory)))
        return writer.written();
    while (m_offset >= 2 && m_offset - 2 < m_entries.size()) {
        const GeneratedEntry& entry = m_entries[m_offset - 2];
        if (!TRY(writer.emit(entry.ino, m_offset + 1, dirent_type(entry.type), entry.name.view())))
            break;
    }
    return writer.written();
}

Result<RefPtr<OpenFile>> DeviceFile::try_create(RefPtr<Inode> inode, int flags) {
    VERIFY(inode->type() == InodeType::CharDevice);
    CharDevice* device = find_char_device(inode->rdev_major(), inode->rdev_minor());
    if (!device)
        return ENXIO;
    TRY(device->open(*inode, flags));
    auto* file = new (std::nothrow) DeviceFile(std::move(inode), flags, *device, device->generation());
    if (!file)
        return ENOMEM;
    return adopt_ref<OpenFile>(file);
}

Result<size_t> DeviceFile::do_read(IoBuffer& buffer, size_t length, IoContext& context) {
    return m_device.read(*this, buffer, length, context);
}

Result<size_t> DeviceFile::do_write(const IoBuffer& buffer, size_t length, IoContext& context) {
    return m_device.write(*this, buffer, length, context);
}

Result<size_t> DeviceFile::do_read_at(IoBuffer& buffer, size_t length, uint64_t, IoContext& context) {
    if (!m_device.is_positional())
        return ESPIPE;
    return m_device.read(*this, buffer, length, context);
}

Result<size_t> DeviceFile::do_write_at(const IoBuffer& buffer, size_t length, uint64_t, IoContext& context) {
    if (!m_device.is_positional())
        return ESPIPE;
    return m_device.write(*this, buffer, length, context);
}

Result<int64_t> DeviceFile::do_seek(int64_t offset, int whence) {
    int64_t result = TRY(m_device.seek(*this, offset, whence));
    m_offset = static_cast<uint64_t>(result);
    return result;
}

PipeFile::PipeFile(RefPtr<Inode> inode, int flags, RefPtr<Pipe> pipe)
    : OpenFile(std::move(inode), flags), m_pipe(std::move(pipe)) {
    if (can_read())
        m_pipe->attach_reader();
    if (can_write())
        m_pipe->attach_writer();
}

PipeFile::~PipeFile() {
    if (can_read())
        m_pipe->detach_reader();
    if (can_write())
        m_pipe->detach_writer();
}

Result<PipeFile::Ends> PipeFile::try_create_pair(const Credentials& credentials, int flags) {
    RefPtr<Pipe> pipe = TRY(Pipe::try_create());
    // Linux: a pipe inode is S_IFIFO 0600 owned by the creator's fsuid/fsgid.
    RefPtr<Inode> inode = TRY(Inode::try_create(pipe_file_system(), InodeType::Fifo, 0600, credentials.euid,
                                                credentials.egid));
    inode->set_anonymous();
    int shared = flags & (O_NONBLOCK | O_DIRECT);
    auto* reader = new (std::nothrow) PipeFile(inode, O_RDONLY | shared, pipe);
    if (!reader)
        return ENOMEM;
    Ends ends;
    ends.read_end = adopt_ref<OpenFile>(reader);
    auto* writer = new (std::nothrow) PipeFile(inode, O_WRONLY | shared, pipe);
    if (!writer)
        return ENOMEM;
    ends.write_end = adopt_ref<OpenFile>(writer);
    return ends;
}

Result<RefPtr<OpenFile>> PipeFile::try_open_fifo(RefPtr<Inode> inode, int flags) {
    VERIFY(inode->type() == InodeType::Fifo);
    RefPtr<Pipe> pipe = inode->fifo_pipe();
    if (!pipe) {
        pipe = TRY(Pipe::try_create());
        inode->set_fifo_pipe(pipe);
    }
    int access_mode = flags & O_ACCMODE;
    if (access_mode == O_WRONLY && (flags & O_NONBLOCK) && pipe->readers() == 0)
        return ENXIO;
    uint64_t partner_opens = access_mode == O_RDONLY ? pipe->writer_opens() : pipe->reader_opens();
    auto* file = new (std::nothrow) PipeFile(std::move(inode), flags, std::move(pipe));
    if (!file)
        return ENOMEM;
    file->m_partner_opens_at_open = partner_opens;
    return adopt_ref<OpenFile>(file);
}

Result<void> PipeFile::wait_ready_to_open(IoContext& context) {
    int access_mode = m_flags & O_ACCMODE;
    // O_RDWR never waits; O_RDONLY|O_NONBLOCK neither (a write-only
    // O_NONBLOCK open without a reader failed already); anonymous pipes
    // have both ends from the start.
    if (access_mode == O_RDWR || is_nonblocking() || !m_inode->fifo_pipe())
        return {};
    return m_pipe->wait_for_partner(access_mode == O_RDONLY, m_partner_opens_at_open, context);
}

Result<size_t> PipeFile::do_read(IoBuffer& buffer, size_t length, IoContext& context) {
    return m_pipe->read(buffer, length, is_nonblocking(), context);
}

Result<size_t> PipeFile::do_write(const IoBuffer& buffer, size_t length, IoContext& context) {
    return m_pipe->write(buffer, length, is_nonblocking(), context);
}

} // namespace charon
