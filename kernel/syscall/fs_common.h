// Shared plumbing of the file syscalls (kernel/syscall/fs_*.cpp, pipe.cpp,
// ioctl.cpp, poll.cpp): the calling process's fs state, the user-memory
// adapter the fs layer's IoBuffers copy through, path copying, and the
// sleep function the fs layer's blocking loops (fs/blocking.h) call.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fs/abi.h"
#include "fs/blocking.h"
#include "fs/io_buffer.h"
#include "fs/vfs.h"
#include "lib/kstring.h"
#include "lib/result.h"
#include "lib/string_view.h"
#include "lib/vector.h"
#include "syscall/syscall.h"
#include "syscall/user_ptr.h"

namespace charon::proc {
class ProcessTable;
class Thread;
} // namespace charon::proc

namespace charon::fsys {

// UserMemory over the calling thread's address space: the fs layer's
// UserIoBuffer and UserIoVecBuffer copy through the one checked path
// (syscall/user_ptr.h), so a bad pointer is EFAULT, never a kernel fault.
class CurrentUserMemory final : public UserMemory {
public:
    Result<void> copy_to_user(uint64_t user_address, const void* source, size_t length) override {
        return charon::copy_to_user(user_address, source, length);
    }
    Result<void> copy_from_user(void* destination, uint64_t user_address, size_t length) override {
        return charon::copy_from_user(destination, user_address, length);
    }
};
UserMemory& user_memory();

// The calling process's credentials, descriptors, cwd and RLIMIT_NOFILE
// (ENOSYS for a kernel thread, which has no process).
Result<FsProcess> fs_process();
// In-kernel tests (tests/kernel/test_fs_syscalls.cpp) run the handlers from a
// kernel thread with a process of their own: while set, fs_process() answers
// this. Null restores the real one.
void set_fs_process_for_tests(FsProcess* process);
// The calling process gets a private descriptor table if another process
// shares it (CLONE_FILES): task::unshare_file_table. Call before fs_process().
Result<void> unshare_fd_table();

// A path argument: copied with PATH_MAX (4096 bytes with the NUL) as Linux's
// getname(): EFAULT for a bad pointer, ENAMETOOLONG when no NUL comes within
// PATH_MAX bytes. Heap-allocated: 4 KiB is too much for a kernel stack.
class UserPath {
public:
    UserPath() = default;
    ~UserPath();
    UserPath(const UserPath&) = delete;
    UserPath& operator=(const UserPath&) = delete;

    static Result<void> copy_in(UserPath& path, uint64_t user_address);
    StringView view() const { return StringView(m_chars, m_length); }

private:
    char* m_chars = nullptr;
    size_t m_length = 0;
};

// fs/blocking.h's `sleep`: an interruptible sleep until the waiter is woken;
// ERESTARTSYS when a signal comes first (the signal path turns it into EINTR
// or a restart).
Result<void> sleep_on_waiter(Waiter& waiter);
// A Waiter for the calling thread.
void prepare_waiter(Waiter& waiter);

// read(2)/write(2) on an open file, blocking as the file requires. `write`
// sends SIGPIPE to the calling thread when a pipe has no reader.
Result<size_t> read_file(OpenFile& file, IoBuffer& buffer, size_t length);
Result<size_t> write_file(OpenFile& file, const IoBuffer& buffer, size_t length);

// Thread-directed SIGPIPE (Linux's send_sig(SIGPIPE, current, 0)).
void send_sigpipe_to_current();
// Any signal the same way (SIGXFSZ).
void send_signal_to_current(int signal);
// The caller's RLIMIT_FSIZE soft limit (UINT64_MAX for a kernel thread).
uint64_t file_size_limit();

// The lifecycle core and the calling thread (both null for a kernel thread).
proc::ProcessTable* lifecycle();
proc::Thread* current_proc_thread();

// Syscall arguments are C ints where Linux declares int.
inline int arg_int(SyscallArgs const& args, int index) { return static_cast<int>(args.arg[index]); }

// Checks shared by the read/write families (fs_rw.cpp, fs_data.cpp):
// access_ok() on a user range (EFAULT unless it lies below TASK_SIZE_MAX);
// the iovec array of readv/writev/preadv/pwritev copied in and validated as
// Linux's import_iovec; ESPIPE for files without a position (pread/pwrite).
Result<void> check_user_range(uint64_t address, uint64_t count);
Result<void> copy_iovecs(Vector<LinuxIoVec>& vectors, uint64_t user_vectors, uint64_t count);
Result<void> check_positional(OpenFile& file);

} // namespace charon::fsys
