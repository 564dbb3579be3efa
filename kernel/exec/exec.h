// execve up to the point of no return, portable: find and check the file,
// follow "#!" interpreters (rewriting argv as Linux does), validate the ELF
// image and plan its load. Nothing of the caller is touched, so every error
// here leaves the calling process intact. The kernel then tears down the old
// image, maps the plan (mm/exec_image.h), builds the stack
// (exec/initial_stack.h) and closes FD_CLOEXEC descriptors.
#pragma once

#include <cstdint>

#include "exec/elf.h"
#include "fs/inode.h"
#include "fs/io_buffer.h"
#include "fs/vfs.h"
#include "lib/kstring.h"
#include "lib/result.h"
#include "lib/vector.h"

namespace charon {

struct ExecRequest {
    int dirfd = AT_FDCWD;
    StringView path;
    int flags = 0;          // execveat: AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW
    uint64_t pie_base = 0;  // where an ET_DYN image goes (the kernel's choice)
};

struct ExecTarget {
    RefPtr<Inode> binary;   // the ELF finally loaded (the interpreter of a script)
    RefPtr<PathName> binary_path; // where it was found (/proc/PID/exe)
    ExecWriteDenial binary_denial; // `binary` may not be opened for writing (ETXTBSY)
    LoadPlan plan;
    Vector<KString> argv;   // after script rewrites
    KString execfn;         // AT_EXECFN: the name given to execve ("/dev/fd/N/..." for execveat)
    unsigned script_depth = 0;
};

// Errors as Linux: the path walk's (ENOENT, ENOTDIR, ELOOP, EACCES, ...),
// EACCES for a file that is not regular or has no execute permission for
// the caller, ENOEXEC for an unknown format, ELOOP past 5 interpreter
// levels, EINVAL for unknown flags, ETXTBSY for a file (script or binary)
// open for writing. `argv` is consumed.
Result<ExecTarget> prepare_exec(Vfs& vfs, FsProcess& process, const ExecRequest& request, Vector<KString> argv);

// Reads an executable through its inode.
class InodeElfSource final : public ElfSource {
public:
    explicit InodeElfSource(const Inode& inode) : m_inode(inode) {}
    uint64_t size() const override { return m_inode.size(); }
    Result<void> read(uint64_t offset, void* destination, size_t length) const override;

private:
    const Inode& m_inode;
};


} // namespace charon
