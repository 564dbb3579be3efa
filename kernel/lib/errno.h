// Linux errno values (asm-generic/errno-base.h and errno.h). User space sees
// them negated in rax; inside the kernel they travel inside Error.
#pragma once

#if defined(CHARON_HOSTED)
// Hosted builds: libc defines these names as macros, which would turn
// `return EINVAL;` into `return 22;`. Pull libc's header in now (its include
// guard keeps it from coming back) and drop the macros so the enum below is
// what every E* name means. The values are identical on Linux x86_64.
#include <cerrno>
#undef E2BIG
#undef EACCES
#undef EAGAIN
#undef EBADF
#undef EBUSY
#undef ECHILD
#undef EDEADLK
#undef EDOM
#undef EEXIST
#undef EFAULT
#undef EFBIG
#undef EINTR
#undef EINVAL
#undef EIO
#undef EISDIR
#undef ELOOP
#undef EMFILE
#undef EMLINK
#undef ENAMETOOLONG
#undef ENFILE
#undef ENODEV
#undef ENOENT
#undef ENOEXEC
#undef ENOLCK
#undef ENOMEM
#undef ENOMSG
#undef ENOSPC
#undef ENOSYS
#undef ENOTBLK
#undef ENOTDIR
#undef ENOTEMPTY
#undef ENOTSUP
#undef ENOTTY
#undef ENXIO
#undef EOPNOTSUPP
#undef EOVERFLOW
#undef EPERM
#undef EPIPE
#undef ERANGE
#undef ERESTARTNOHAND
#undef ERESTARTNOINTR
#undef ERESTARTSYS
#undef ERESTART_RESTARTBLOCK
#undef EROFS
#undef ESPIPE
#undef ESRCH
#undef ETIMEDOUT
#undef ETXTBSY
#undef EXDEV
#endif

namespace charon {

enum Errno : int {
    EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7,
    ENOEXEC = 8, EBADF = 9, ECHILD = 10, EAGAIN = 11, ENOMEM = 12, EACCES = 13,
    EFAULT = 14, ENOTBLK = 15, EBUSY = 16, EEXIST = 17, EXDEV = 18, ENODEV = 19,
    ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENFILE = 23, EMFILE = 24, ENOTTY = 25,
    ETXTBSY = 26, EFBIG = 27, ENOSPC = 28, ESPIPE = 29, EROFS = 30, EMLINK = 31,
    EPIPE = 32, EDOM = 33, ERANGE = 34, EDEADLK = 35, ENAMETOOLONG = 36,
    ENOLCK = 37, ENOSYS = 38, ENOTEMPTY = 39, ELOOP = 40, ENOMSG = 42, EOVERFLOW = 75,
    ENOTSUP = 95, EOPNOTSUPP = 95, ETIMEDOUT = 110,
    // Kernel-internal restart codes: never reach user space (the syscall exit
    // path turns them into EINTR or a restart).
    ERESTARTSYS = 512, ERESTARTNOINTR = 513, ERESTARTNOHAND = 514,
    ERESTART_RESTARTBLOCK = 516,
};

} // namespace charon
