#include "exec/exec.h"

#include "exec/script.h"

namespace charon {

namespace {

// "/dev/fd/<dirfd>" or "/dev/fd/<dirfd>/<path>": the name Linux gives a
// program run by execveat with a relative path.
Result<KString> execveat_name(int dirfd, StringView path) {
    char text[32] = "/dev/fd/";
    size_t length = 8;
    char digits[12];
    size_t count = 0;
    auto value = static_cast<unsigned>(dirfd);
    do {
        digits[count++] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value);
    while (count)
        text[length++] = digits[--count];
    if (!path.is_empty())
        text[length++] = '/';
    return KString::try_concat({text, length}, path);
}

// Linux's open_exec/do_open_execat: a regular file the caller may execute.
Result<RefPtr<Inode>> open_executable(Vfs& vfs, FsProcess& process, int dirfd, StringView path, int flags,
                                      RefPtr<PathName>& found_as) {
    RefPtr<Inode> inode;
    if (path.is_empty()) {
        if (!(flags & AT_EMPTY_PATH))
            return ENOENT;
        if (dirfd == AT_FDCWD)
            return EACCES; // the cwd is a directory
        RefPtr<OpenFile> file = TRY(process.fds.get(dirfd));
        inode = RefPtr<Inode>(file->inode());
        found_as = file->path();
    } else {
        RefPtr<Inode> base = TRY(vfs.base_directory(process, dirfd, path));
        PathWalk walked = TRY(vfs.walk(process.credentials, *base, path, !(flags & AT_SYMLINK_NOFOLLOW)));
        inode = walked.inode;
        if (inode->is_symlink())
            return ELOOP;
        found_as = TRY(PathName::try_create(walked.parent, std::move(walked.last_name)));
    }
    if (!inode->is_regular())
        return EACCES;
    TRY(check_permission(*inode, process.credentials, X_OK));
    return inode;
}

} // namespace

Result<void> InodeElfSource::read(uint64_t offset, void* destination, size_t length) const {
    KernelIoBuffer buffer(destination, length);
    size_t count = TRY(m_inode.read_data(offset, buffer, length));
    if (count != length)
        return ENOEXEC; // Linux: a short read of the headers means "not ours"
    return {};
}

Result<ExecTarget> prepare_exec(Vfs& vfs, FsProcess& process, const ExecRequest& request, Vector<KString> argv) {
    if (request.flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
        return EINVAL;
    ExecTarget target;
    bool relative_to_dirfd = request.dirfd != AT_FDCWD && (request.path.is_empty() || request.path[0] != '/');
    target.execfn = relative_to_dirfd ? TRY(execveat_name(request.dirfd, request.path))
                                      : TRY(KString::try_create(request.path));
    // Linux 5.18+: an empty argv becomes {""} before anything else.
    if (argv.is_empty())
        TRY(argv.try_append(TRY(KString::try_create(""))));

    RefPtr<PathName> found_as;
    RefPtr<Inode> inode = TRY(open_executable(vfs, process, request.dirfd, request.path, request.flags, found_as));
    KString name = TRY(KString::try_create(target.execfn.view())); // what a script sees as its path
    for (;;) {
        // Linux do_open_execat: every file of the chain is held against
        // writers while exec reads it; the binary's hold stays with the image.
        ExecWriteDenial denial = TRY(ExecWriteDenial::get(*inode));
        uint8_t head[kBinprmBufferSize];
        KernelIoBuffer head_buffer(head, sizeof head);
        size_t head_length = TRY(inode->read_data(0, head_buffer, sizeof head));
        if (looks_like_elf(head, head_length)) {
            target.plan = TRY(plan_elf_load(InodeElfSource(*inode), request.pie_base));
            target.binary = std::move(inode);
            target.binary_denial = std::move(denial);
            target.binary_path = std::move(found_as);
            target.argv = std::move(argv);
            return target;
        }
        ShebangLine line;
        if (!TRY(parse_shebang(head, head_length, line)))
            return ENOEXEC;
        TRY(check_binfmt_depth(++target.script_depth));
        // argv becomes: interpreter, [argument], the script's name, argv[1...].
        Vector<KString> rewritten;
        TRY(rewritten.try_append(TRY(KString::try_create(line.interpreter.view()))));
        if (line.has_argument)
            TRY(rewritten.try_append(TRY(KString::try_create(line.argument.view()))));
        TRY(rewritten.try_append(std::move(name)));
        for (size_t i = 1; i < argv.size(); ++i)
            TRY(rewritten.try_append(std::move(argv[i])));
        argv = std::move(rewritten);
        // The interpreter is looked up like any path, from the cwd.
        inode = TRY(open_executable(vfs, process, AT_FDCWD, line.interpreter.view(), 0, found_as));
        name = std::move(line.interpreter);
    }
}

} // namespace charon
