// Open file descriptions (Linux's struct file): what open(), pipe() and
// dup() share. Reference-counted: each descriptor slot holding it is one
// reference (dup and fork add slots), the kernel may take more for the
// duration of a syscall. The last reference closes it: a pipe end detaches
// from its pipe then, not at close() of one of several descriptors.
//
// The file offset and status flags live here and so are shared by dup'ed
// and inherited descriptors; FD_CLOEXEC lives in the descriptor table.
//
// Locking: one CPU and no preemption inside these calls, so the offset and
// flags need no lock yet; an SMP port adds Linux's per-file position lock.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fs/abi.h"
#include "fs/device.h"
#include "fs/inode.h"
#include "fs/io_buffer.h"
#include "fs/io_context.h"
#include "fs/pipe.h"
#include "lib/ref_ptr.h"
#include "lib/result.h"
#include "lib/text_buffer.h"

namespace charon {

// Status flags F_SETFL may change (Linux's SETFL_MASK).
inline constexpr int kSettableStatusFlags = O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME;

class OpenFile : public RefCounted {
public:
    ~OpenFile() override;

    Inode& inode() const { return *m_inode; }
    // Access mode and status flags, as F_GETFL reports them.
    int status_flags() const { return m_flags; }
    void set_status_flags(int flags) { m_flags = (m_flags & ~kSettableStatusFlags) | (flags & kSettableStatusFlags); }
    bool is_nonblocking() const { return m_flags & O_NONBLOCK; }
    bool is_path_only() const { return m_flags & O_PATH; }
    bool can_read() const;
    bool can_write() const;
    uint64_t offset() const { return m_offset; }

    // The checks every read/write syscall makes first (EBADF for the wrong
    // access mode or an O_PATH file) are done here, then the type's hook.
    Result<size_t> read(IoBuffer& buffer, size_t length, IoContext& context);
    Result<size_t> write(const IoBuffer& buffer, size_t length, IoContext& context);
    Result<int64_t> seek(int64_t offset, int whence);
    // pread64/preadv and pwrite64/pwritev: at `offset`, leaving the file
    // offset alone. EINVAL for a negative offset, ESPIPE where there is no
    // position (pipes, ttys), EISDIR for directories.
    Result<size_t> read_at(IoBuffer& buffer, size_t length, int64_t offset, IoContext& context);
    Result<size_t> write_at(const IoBuffer& buffer, size_t length, int64_t offset, IoContext& context);
    // open(2) of a FIFO for reading or for writing alone waits until the
    // other side has opened too. EAGAIN with the context's waiter queued
    // while it must wait; other files are ready at once.
    virtual Result<void> wait_ready_to_open(IoContext&) { return {}; }
    // A device file: the device's generation when it was opened
    // (CharDevice::generation; a terminal that was hung up since treats
    // the file as hung up). 0 for everything else.
    virtual uint64_t device_generation() const { return 0; }
    // An anonymous file (Linux anon_inode): /proc/PID/fd shows it as
    // "anon_inode:[NAME]"; null for every other file.
    virtual const char* anonymous_name() const { return nullptr; }
    // A file that answers poll(2) itself (pidfds): sets `events` and queues
    // context.waiter where they can change. Others are polled by inode type.
    virtual bool poll_events(IoContext&, uint32_t&) { return false; }
    // /proc/PID/fdinfo/N: lines this kind of file adds after the common
    // ones (Linux's f_op->show_fdinfo; a pidfd's Pid: and NSpid:).
    virtual void show_fdinfo(TextBuffer&) const {}
    // getdents64: fills `buffer` with linux_dirent64 records, returns bytes.
    Result<size_t> read_directory(IoBuffer& buffer, size_t length);
    void fill_stat(LinuxStat& stat) const { m_inode->fill_stat(stat); }
    // The name it was opened by (null for pipes): /proc/PID/fd links.
    const RefPtr<PathName>& path() const { return m_path; }
    void set_path(RefPtr<PathName> path) { m_path = std::move(path); }

protected:
    OpenFile(RefPtr<Inode> inode, int flags);

    virtual Result<size_t> do_read(IoBuffer& buffer, size_t length, IoContext& context) = 0;
    virtual Result<size_t> do_write(const IoBuffer& buffer, size_t length, IoContext& context) = 0;
    virtual Result<int64_t> do_seek(int64_t offset, int whence) = 0;
    virtual Result<size_t> do_read_directory(IoBuffer&, size_t) { return ENOTDIR; }
    virtual Result<size_t> do_read_at(IoBuffer&, size_t, uint64_t, IoContext&) { return ESPIPE; }
    virtual Result<size_t> do_write_at(const IoBuffer&, size_t, uint64_t, IoContext&) { return ESPIPE; }

    RefPtr<Inode> m_inode;
    RefPtr<PathName> m_path;
    int m_flags;
    uint64_t m_offset = 0;

public:
    // A regular file opened for writing holds write access until the last
    // descriptor closes (Linux's FMODE_WRITE get_write_access): while it
    // does, execve of the file is ETXTBSY.
    void hold_write_access(WriteAccess access) { m_write_access = std::move(access); }

private:
    WriteAccess m_write_access;
};

// Regular files, directories, symlinks (O_PATH) of the in-memory fs.
class InodeFile final : public OpenFile {
public:
    static Result<RefPtr<OpenFile>> try_create(RefPtr<Inode> inode, int flags);

private:
    using OpenFile::OpenFile;
    Result<size_t> do_read(IoBuffer& buffer, size_t length, IoContext& context) override;
    Result<size_t> do_write(const IoBuffer& buffer, size_t length, IoContext& context) override;
    Result<int64_t> do_seek(int64_t offset, int whence) override;
    Result<size_t> do_read_directory(IoBuffer& buffer, size_t length) override;
    Result<size_t> do_read_at(IoBuffer& buffer, size_t length, uint64_t offset, IoContext& context) override;
    Result<size_t> do_write_at(const IoBuffer& buffer, size_t length, uint64_t offset, IoContext& context) override;
    // Both writes: at `offset`, or at the end with `append`; `end` is where
    // the written bytes end.
    Result<size_t> write_regular(const IoBuffer& buffer, size_t length, uint64_t offset, bool append,
                                 IoContext& context, uint64_t& end);
    // O_APPEND, or pwritev2's override of it.
    bool appends(const IoContext& context) const;
};

// An open generated inode (procfs, inode.h's InodeProvider). A file's
// bytes are generated at open and again by a read at offset 0 once the
// session has read something, as Linux's seq_file: reads at increasing
// offsets see one consistent snapshot. A directory's listing is taken when
// it is read from position 0.
class GeneratedFile final : public OpenFile {
public:
    static Result<RefPtr<OpenFile>> try_create(RefPtr<Inode> inode, int flags);
    Result<void> wait_ready_to_open(IoContext& context) override;

private:
    using OpenFile::OpenFile;
    Result<void> regenerate();
    Result<size_t> copy_out(uint64_t offset, IoBuffer& buffer, size_t length);
    Result<size_t> do_read(IoBuffer& buffer, size_t length, IoContext& context) override;
    Result<size_t> do_write(const IoBuffer& buffer, size_t length, IoContext& context) override;
    Result<int64_t> do_seek(int64_t offset, int whence) override;
    Result<size_t> do_read_directory(IoBuffer& buffer, size_t length) override;
    Result<size_t> do_read_at(IoBuffer& buffer, size_t length, uint64_t offset, IoContext& context) override;
    Result<size_t> do_write_at(const IoBuffer& buffer, size_t length, uint64_t offset, IoContext& context) override;

    TextBuffer m_text;
    bool m_consumed = false;  // read since the last generation (directories: listed)
    bool m_generated = false; // a regular file's first snapshot was taken
    Vector<GeneratedEntry> m_entries;
};

class DeviceFile final : public OpenFile {
public:
    // ENXIO when no driver is registered for the node.
    static Result<RefPtr<OpenFile>> try_create(RefPtr<Inode> inode, int flags);

private:
    DeviceFile(RefPtr<Inode> inode, int flags, CharDevice& device, uint64_t generation)
        : OpenFile(std::move(inode), flags), m_device(device), m_generation(generation) {}
    uint64_t device_generation() const override { return m_generation; }
    Result<size_t> do_read(IoBuffer& buffer, size_t length, IoContext& context) override;
    Result<size_t> do_write(const IoBuffer& buffer, size_t length, IoContext& context) override;
    Result<int64_t> do_seek(int64_t offset, int whence) override;
    Result<size_t> do_read_at(IoBuffer& buffer, size_t length, uint64_t offset, IoContext& context) override;
    Result<size_t> do_write_at(const IoBuffer& buffer, size_t length, uint64_t offset, IoContext& context) override;

    CharDevice& m_device;
    uint64_t m_generation;
};

// One end of a pipe. Creating it attaches a reader or writer to the pipe;
// destroying it (the last reference) detaches.
class PipeFile final : public OpenFile {
public:
    ~PipeFile() override;
    Pipe& pipe() { return *m_pipe; }

    // pipe2(): both ends, sharing one anonymous FIFO inode. `flags` may hold
    // O_NONBLOCK and O_DIRECT (applied to both ends).
    struct Ends {
        RefPtr<OpenFile> read_end;
        RefPtr<OpenFile> write_end;
    };
    static Result<Ends> try_create_pair(const Credentials& credentials, int flags);
    // open(2) of a named FIFO: every opener shares the inode's pipe (made on
    // the first open). A write-only O_NONBLOCK open with no reader is ENXIO;
    // the wait for a partner is wait_ready_to_open's (fifo(7)).
    static Result<RefPtr<OpenFile>> try_open_fifo(RefPtr<Inode> inode, int flags);
    Result<void> wait_ready_to_open(IoContext& context) override;

private:
    PipeFile(RefPtr<Inode> inode, int flags, RefPtr<Pipe> pipe);
    Result<size_t> do_read(IoBuffer& buffer, size_t length, IoContext& context) override;
    Result<size_t> do_write(const IoBuffer& buffer, size_t length, IoContext& context) override;
    Result<int64_t> do_seek(int64_t, int) override { return ESPIPE; }

    RefPtr<Pipe> m_pipe;
    // Partner opens seen when this end was opened (Linux's r_counter /
    // w_counter): a partner that came and went still ends the wait.
    uint64_t m_partner_opens_at_open = 0;
};

// Inodes of anonymous pipes live here (Linux's pipefs).
FileSystem& pipe_file_system();
// Inodes of other anonymous files (pidfds; Linux's anon_inodefs and pidfs).
FileSystem& anonymous_file_system();

} // namespace charon
