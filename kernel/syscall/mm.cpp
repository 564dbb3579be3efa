// Memory syscalls: brk, mmap, munmap, mprotect on the address space the
// calling thread runs in (mm::current_address_space(): the one CR3 holds).
// The Linux semantics live in mm/address_space.cpp; this file only unpacks
// arguments. See docs/memory.md.
#include <new>

#include "arch/x86_64/memory_layout.h"
#include "fs/device.h"
#include "fs/fd_table.h"
#include "fs/open_file.h"
#include "mm/address_space.h"
#include "mm/inode_backing.h"
#include "syscall/syscall.h"
#include "syscall/user_ptr.h"
#include "task/current.h"

namespace charon {

namespace {

Result<mm::AddressSpace*> current_space() {
    mm::AddressSpace* space = mm::current_address_space();
    if (!space)
        return EFAULT; // a kernel thread has no user memory
    return space;
}

} // namespace

// brk(addr): returns the new break, or the current one on failure (never an
// errno: musl and glibc compare the result with what they asked for).
CHARON_SYSCALL(12, brk, sys_brk);
static Result<long> sys_brk(SyscallArgs const& args) {
    mm::AddressSpace* space = TRY(current_space());
    return static_cast<long>(space->brk(args.arg[0]));
}

// mmap(addr, length, prot, flags, fd, offset)
CHARON_SYSCALL(9, mmap, sys_mmap);
static Result<long> sys_mmap(SyscallArgs const& args) {
    mm::AddressSpace* space = TRY(current_space());
    mm::MmapRequest request;
    request.address = args.arg[0];
    request.length = args.arg[1];
    request.prot = static_cast<int>(args.arg[2]);
    request.flags = static_cast<unsigned>(args.arg[3]);
    request.offset = args.arg[5];
    // x86_64's sys_mmap checks the offset first, before the fd.
    if (request.offset & (page_size - 1))
        return EINVAL;
    if (!(request.flags & mm::MAP_ANONYMOUS)) {
        // The file: open for reading (EACCES otherwise, as Linux); a shared
        // writable mapping needs O_RDWR too (checked by mmap through
        // backing_writable). Pipes, directories and devices: ENODEV.
        FsProcess process = task::current_fs_process();
        RefPtr<OpenFile> file = TRY(process.fds.get(static_cast<int>(args.arg[4])));
        if (file->is_path_only())
            return EBADF;
        int mode = file->status_flags() & O_ACCMODE;
        if (mode == O_WRONLY)
            return EACCES;
        Inode& inode = file->inode();
        if (inode.type() == InodeType::CharDevice && inode.rdev_major() == kMemMajor &&
            inode.rdev_minor() == kZeroMinor) {
            // /dev/zero maps as anonymous memory, private or shared (Linux's
            // mmap_zero / shmem_zero_setup); the write check still applies.
            unsigned type = request.flags & mm::MAP_TYPE;
            if (type != mm::MAP_PRIVATE && (request.prot & mm::VmProtWrite) && mode != O_RDWR)
                return EACCES;
            request.flags |= mm::MAP_ANONYMOUS;
        } else {
            request.backing = TRY(mm::InodeBacking::create(inode, file->path()));
            request.backing_writable = mode == O_RDWR;
        }
    }
    uint64_t address = TRY(space->mmap(request));
    return static_cast<long>(address);
}

CHARON_SYSCALL(11, munmap, sys_munmap);
static Result<long> sys_munmap(SyscallArgs const& args) {
    mm::AddressSpace* space = TRY(current_space());
    TRY(space->munmap(args.arg[0], args.arg[1]));
    return 0;
}

CHARON_SYSCALL(10, mprotect, sys_mprotect);
static Result<long> sys_mprotect(SyscallArgs const& args) {
    mm::AddressSpace* space = TRY(current_space());
    TRY(space->mprotect(args.arg[0], args.arg[1], static_cast<int>(args.arg[2])));
    return 0;
}

} // namespace charon

namespace charon {

// mremap(old_address, old_size, new_size, flags, new_address)
CHARON_SYSCALL(25, mremap, sys_mremap);
static Result<long> sys_mremap(SyscallArgs const& args) {
    mm::AddressSpace* space = TRY(current_space());
    uint64_t address = TRY(space->mremap(args.arg[0], args.arg[1], args.arg[2], static_cast<unsigned>(args.arg[3]),
                                         args.arg[4]));
    return static_cast<long>(address);
}

CHARON_SYSCALL(26, msync, sys_msync);
static Result<long> sys_msync(SyscallArgs const& args) {
    mm::AddressSpace* space = TRY(current_space());
    TRY(space->msync(args.arg[0], args.arg[1], static_cast<int>(args.arg[2])));
    return 0;
}

// mincore(addr, length, vec): one byte per page, bit 0 set if resident.
// Linux's order: EINVAL for an unaligned addr, ENOMEM for a range outside
// user space, EFAULT for a vec outside it; then area by area (a chunk of
// 4096 pages at most per copy), ENOMEM at the first unmapped page, the
// bytes of the areas before it already written, as Linux.
CHARON_SYSCALL(27, mincore, sys_mincore);
static Result<long> sys_mincore(SyscallArgs const& args) {
    uint64_t address = args.arg[0], length = args.arg[1], vec = args.arg[2];
    if (address % page_size)
        return EINVAL;
    if (length > mm::user_address_end || address > mm::user_address_end - length)
        return ENOMEM; // access_ok
    uint64_t pages = length / page_size + (length % page_size != 0);
    if (pages > mm::user_address_end || vec > mm::user_address_end - pages)
        return EFAULT;
    mm::AddressSpace* space = TRY(current_space());
    constexpr size_t kChunk = 4096;
    uint8_t* chunk = new (std::nothrow) uint8_t[kChunk];
    if (!chunk)
        return EAGAIN; // Linux: a failed __get_free_page is EAGAIN
    while (pages) {
        auto done = space->mincore(address, pages < kChunk ? pages : kChunk, chunk);
        if (done.is_error()) {
            delete[] chunk;
            return done.error();
        }
        if (auto copied = copy_to_user(vec, chunk, done.value()); copied.is_error()) {
            delete[] chunk;
            return copied.error();
        }
        pages -= done.value();
        vec += done.value();
        address += done.value() * page_size;
    }
    delete[] chunk;
    return 0;
}

CHARON_SYSCALL(28, madvise, sys_madvise);
static Result<long> sys_madvise(SyscallArgs const& args) {
    mm::AddressSpace* space = TRY(current_space());
    TRY(space->madvise(args.arg[0], args.arg[1], static_cast<int>(args.arg[2])));
    return 0;
}

} // namespace charon
