#!/usr/bin/env python3
"""Writes Charon's initramfs: a cpio "newc" archive (the format Linux's
init/initramfs.c and kernel/fs/cpio.cpp read) for QEMU's -initrd.

    tools/mkinitramfs.py --build BUILD -o BUILD/initramfs.cpio [--add DEST=SRC]...

Layout (docs/userland.md):

    /sbin/init             BUILD/user/init
    /bin/<name>            every other BUILD/user/<name> (demo, ...)
    /tests/runner          BUILD/guest/runner
    /tests/bin/<name>      every BUILD/guest/bin/<name>
    /tests/fuzz            BUILD/fuzz/fuzz, the syscall fuzzer (if built)
    /tests/tty/<name>      every BUILD/tty/bin/<name> (the tty suite's programs)
    /bin/busybox           Debian's busybox-static (--busybox, default /bin/busybox)
    /bin/sh, /bin/ls ...   a symlink to /bin/busybox for each applet of
                           `busybox --list-full` not already in the layout
    /dev /proc /root       empty directories (the kernel provides the devices)
    /tmp                   empty, mode 1777
    /etc/passwd, /etc/group  root and nobody

--add DEST=SRC puts one more file in (its mode taken from SRC; missing parent
directories are created), e.g. --add /bin/hello=hello. A DEST that is already
in the layout is replaced.

The archive is reproducible: owner root, mtime SOURCE_DATE_EPOCH (default 0),
inode numbers in order. It is rewritten only when its bytes change, so build
systems that look at the mtime do not redo work for nothing.
"""

import argparse
import os
import stat
import subprocess
import sys

NEWC_MAGIC = b"070701"


class Archive:
    def __init__(self, mtime):
        self.mtime = mtime
        self.entries = {}  # path without leading slash -> (mode, data)
        self.rdev = {}  # device node path -> (major, minor)

    def add_dir(self, path, mode=0o755):
        path = path.strip("/")
        parts = path.split("/")
        for i in range(1, len(parts)):
            parent = "/".join(parts[:i])
            self.entries.setdefault(parent, (stat.S_IFDIR | 0o755, b""))
        self.entries[path] = (stat.S_IFDIR | mode, b"")

    def add_file(self, path, data, mode):
        path = path.strip("/")
        parent = os.path.dirname(path)
        if parent and parent not in self.entries:
            self.add_dir(parent)
        self.entries[path] = (stat.S_IFREG | mode, data)

    def add_char_device(self, path, major, minor, mode=0o600):
        """A character device node (Linux needs /dev/console in its
        initramfs to give init a console; Charon provides its own)."""
        path = path.strip("/")
        parent = os.path.dirname(path)
        if parent and parent not in self.entries:
            self.add_dir(parent)
        self.entries[path] = (stat.S_IFCHR | mode, b"")
        self.rdev[path] = (major, minor)

    def add_symlink(self, path, target):
        path = path.strip("/")
        parent = os.path.dirname(path)
        if parent and parent not in self.entries:
            self.add_dir(parent)
        self.entries[path] = (stat.S_IFLNK | 0o777, target.encode())

    def add_host_file(self, path, source):
        with open(source, "rb") as f:
            data = f.read()
        mode = os.stat(source).st_mode & 0o7777
        self.add_file(path, data, mode)

    @staticmethod
    def _member(ino, name, mode, nlink, mtime, data, rdev=(0, 0)):
        encoded = name.encode() + b"\0"
        fields = [ino, mode, 0, 0, nlink, mtime, len(data), 0, 0, rdev[0], rdev[1], len(encoded), 0]
        header = NEWC_MAGIC + b"".join(b"%08X" % value for value in fields)
        out = header + encoded
        out += b"\0" * (-len(out) % 4)
        out += data
        out += b"\0" * (-len(out) % 4)
        return out

    def serialize(self):
        # Parents sort before their children ("a" < "a/b"), which the
        # unpacker does not need (it creates parents) but readers like.
        names = sorted(self.entries)
        subdirs = {name: 0 for name in names}
        for name in names:
            if stat.S_ISDIR(self.entries[name][0]) and "/" in name:
                subdirs[os.path.dirname(name)] += 1
        chunks = []
        ino = 1
        # "." carries the root directory's own mode.
        root_subdirs = sum(1 for n in names if "/" not in n and stat.S_ISDIR(self.entries[n][0]))
        chunks.append(self._member(ino, ".", stat.S_IFDIR | 0o755, 2 + root_subdirs, self.mtime, b""))
        for name in names:
            ino += 1
            mode, data = self.entries[name]
            nlink = 2 + subdirs[name] if stat.S_ISDIR(mode) else 1
            chunks.append(self._member(ino, name, mode, nlink, self.mtime, data, self.rdev.get(name, (0, 0))))
        chunks.append(self._member(0, "TRAILER!!!", 0, 1, 0, b""))
        out = b"".join(chunks)
        # Conventional 512-byte block padding (cpio tools expect it; the
        # kernel accepts zero padding after the trailer).
        out += b"\0" * (-len(out) % 512)
        return out


def executables(directory):
    """Regular executable files of `directory`, sorted; [] if it is missing."""
    if not os.path.isdir(directory):
        return []
    found = []
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if name.startswith(".") or not os.path.isfile(path) or not os.access(path, os.X_OK):
            continue
        found.append((name, path))
    return found


PASSWD = b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"
GROUP = b"root:x:0:\nnogroup:x:65534:\n"


def add_busybox(archive, busybox):
    """/bin/busybox and a symlink per applet, where the layout has no file yet
    (our /sbin/init stays init)."""
    if not os.path.isfile(busybox):
        sys.exit(f"mkinitramfs: {busybox} is missing (tools/install-deps.sh installs busybox-static)")
    archive.add_host_file("bin/busybox", busybox)
    listing = subprocess.run([busybox, "--list-full"], check=True, capture_output=True, text=True).stdout
    for applet in sorted(listing.split()):
        applet = applet.strip("/")
        if applet and applet not in archive.entries:
            archive.add_symlink(applet, "/bin/busybox")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", required=True, help="the build directory (user/ and guest/ inside)")
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--add", action="append", default=[], metavar="DEST=SRC")
    parser.add_argument("--busybox", default="/bin/busybox",
                        help="a static busybox for /bin/busybox and its applet links ('' for none)")
    args = parser.parse_args()

    archive = Archive(int(os.environ.get("SOURCE_DATE_EPOCH", "0")))
    for directory in ("dev", "proc", "root", "etc", "bin", "sbin", "tests/bin"):
        archive.add_dir(directory)
    archive.add_dir("root", 0o700)
    archive.add_dir("tmp", 0o1777)
    archive.add_file("etc/passwd", PASSWD, 0o644)
    archive.add_file("etc/group", GROUP, 0o644)

    user = os.path.join(args.build, "user")
    programs = dict(executables(user))
    if "init" not in programs:
        sys.exit(f"mkinitramfs: {user}/init is missing (make -C user BUILD=...)")
    for name, path in programs.items():
        archive.add_host_file("sbin/init" if name == "init" else f"bin/{name}", path)

    guest = os.path.join(args.build, "guest")
    runner = os.path.join(guest, "runner")
    if os.path.isfile(runner):
        archive.add_host_file("tests/runner", runner)
    for name, path in executables(os.path.join(guest, "bin")):
        archive.add_host_file(f"tests/bin/{name}", path)
    fuzzer = os.path.join(args.build, "fuzz", "fuzz")
    if os.path.isfile(fuzzer):
        archive.add_host_file("tests/fuzz", fuzzer)

    for name, path in executables(os.path.join(args.build, "tty", "bin")):
        archive.add_host_file(f"tests/tty/{name}", path)
    if args.busybox:
        add_busybox(archive, args.busybox)

    for item in args.add:
        dest, sep, source = item.partition("=")
        if not sep or not dest or not source:
            sys.exit(f"mkinitramfs: --add wants DEST=SRC, got {item!r}")
        archive.add_host_file(dest, source)

    data = archive.serialize()
    try:
        with open(args.output, "rb") as f:
            if f.read() == data:
                return
    except FileNotFoundError:
        pass
    temporary = args.output + ".tmp"
    with open(temporary, "wb") as f:
        f.write(data)
    os.replace(temporary, args.output)


if __name__ == "__main__":
    main()
