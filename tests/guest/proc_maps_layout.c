/* /proc/self/maps as Linux lays it out: each file-backed segment of this
 * binary at its file offset (p_offset rounded down to the page) with the
 * binary's device, inode and path; the bss pages past the last file page as
 * an anonymous line without a name; the brk area as [heap]; the stack as
 * [stack]; a file mapped at offset 8192 as 00002000 with the file's st_dev
 * and st_ino and its path. Names start at column 74 (Linux pads the line
 * to 73 characters), lines without one end in the inode and a space. */
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "t.h"

/* Big enough that the bss runs pages past the data's last file page. */
static char big_bss[16 * 4096];

struct map_line {
    unsigned long start, end, offset, ino;
    unsigned major_number, minor_number;
    char perms[8];
    const char *name; /* into the buffer; "" if none */
    const char *text; /* the line */
    size_t length;
};

static char maps_text[131072];

/* The line of maps_text that contains address, or fails. */
static struct map_line find_line(unsigned long address)
{
    for (char *at = maps_text; *at;) {
        char *end = strchr(at, '\n');
        CHECK(end != NULL);
        struct map_line l = {0};
        int used = 0;
        CHECK(sscanf(at, "%lx-%lx %7s %lx %x:%x %lu %n", &l.start, &l.end, l.perms, &l.offset, &l.major_number,
                     &l.minor_number, &l.ino, &used) == 7);
        l.text = at;
        l.length = (size_t)(end - at);
        l.name = at + used <= end ? at + used : end;
        if (address >= l.start && address < l.end)
            return l;
        at = end + 1;
    }
    FAIL("no line of /proc/self/maps contains %#lx:\n%s", address, maps_text);
}

/* The name as a string of its own, "" if the line has none. */
static void name_of(const struct map_line *l, char *out, size_t size)
{
    size_t n = (size_t)(l->text + l->length - l->name);
    CHECK(n < size);
    memcpy(out, l->name, n);
    out[n] = 0;
}

/* Linux's columns: a name begins at offset 73 of the line; a line without
 * one ends with the inode followed by a single space. */
static void check_columns(void)
{
    for (char *at = maps_text; *at;) {
        char *end = strchr(at, '\n');
        size_t length = (size_t)(end - at);
        /* The fixed part: "start-end perms offset dev inode ". */
        char *space = at;
        for (int field = 0; field < 5; field++) {
            space = strchr(space, ' ');
            CHECK(space != NULL && space < end);
            space++;
        }
        size_t fixed = (size_t)(space - at);
        if (fixed == length)
            CHECK(at[length - 1] == ' ');
        else if (fixed < 73) {
            if (length <= 73 || at[72] != ' ' || at[73] == ' ')
                FAIL("name not at column 74: %.*s", (int)length, at);
        }
        at = end + 1;
    }
}

struct segments {
    unsigned long bias;
    int count;
    Elf64_Phdr load[16];
};

static int collect(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct segments *s = data;
    if (s->count)
        return 0; /* the first object is the program */
    s->bias = info->dlpi_addr;
    for (int i = 0; i < info->dlpi_phnum && s->count < 16; i++)
        if (info->dlpi_phdr[i].p_type == PT_LOAD)
            s->load[s->count++] = info->dlpi_phdr[i];
    return 1;
}

int main(int argc, char **argv)
{
    (void)argc;
    t_require_own_proc();
    char exe[512], name[512];
    ssize_t exe_length = CHECK_SYS(readlink("/proc/self/exe", exe, sizeof exe - 1));
    exe[exe_length] = 0;
    (void)argv;
    struct stat exe_stat;
    CHECK_SYS(stat(exe, &exe_stat));
    big_bss[sizeof big_bss - 1] = 1; /* resident, so it is surely mapped */

    /* A brk area of its own, and a file mapped at offset 8192. */
    /* musl's sbrk only reads the break: the raw system call moves it. */
    char *old_break = (char *)syscall(SYS_brk, 0);
    CHECK_EQ(syscall(SYS_brk, old_break + 3 * 4096), (long)(old_break + 3 * 4096));
    old_break[0] = 1;
    char dir[] = "/tmp/proc_maps_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[64];
    snprintf(path, sizeof path, "%s/data", dir);
    int fd = CHECK_SYS(open(path, O_RDWR | O_CREAT | O_TRUNC, 0600));
    char page[4096];
    memset(page, 'd', sizeof page);
    for (int i = 0; i < 4; i++)
        t_write_all(fd, page, sizeof page);
    struct stat file_stat;
    CHECK_SYS(fstat(fd, &file_stat));
    char *mapped = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 8192);
    CHECK(mapped != MAP_FAILED);
    CHECK_EQ(mapped[0], 'd');

    t_read_file("/proc/self/maps", maps_text, sizeof maps_text);
    check_columns();

    /* The file mapping. */
    struct map_line l = find_line((unsigned long)mapped);
    CHECK_EQ(l.offset, 0x2000ul);
    CHECK(strcmp(l.perms, "r--p") == 0);
    CHECK_EQ(l.ino, (unsigned long)file_stat.st_ino);
    CHECK_EQ(l.major_number, major(file_stat.st_dev));
    CHECK_EQ(l.minor_number, minor(file_stat.st_dev));
    name_of(&l, name, sizeof name);
    if (strcmp(name, path) != 0)
        FAIL("file mapping named '%s', want '%s'", name, path);

    /* The binary's segments. */
    struct segments s = {0};
    dl_iterate_phdr(collect, &s);
    CHECK(s.count >= 2);
    int checked_bss = 0;
    for (int i = 0; i < s.count; i++) {
        Elf64_Phdr *ph = &s.load[i];
        unsigned long vaddr = s.bias + ph->p_vaddr;
        unsigned long page_start = vaddr & ~4095ul;
        if (ph->p_filesz) {
            /* The segment's first page (Linux maps each segment over the
             * previous one, so a shared page is this segment's). */
            l = find_line(page_start);
            unsigned long offset_at = l.offset + (page_start - l.start);
            if (offset_at != (ph->p_offset & ~4095ul))
                FAIL("segment %d at %#lx: maps offset %#lx, p_offset %#lx\n%s", i, vaddr, offset_at,
                     (unsigned long)ph->p_offset, maps_text);
            CHECK_EQ(l.ino, (unsigned long)exe_stat.st_ino);
            CHECK_EQ(l.major_number, major(exe_stat.st_dev));
            CHECK_EQ(l.minor_number, minor(exe_stat.st_dev));
            name_of(&l, name, sizeof name);
            CHECK(strcmp(name, exe) == 0);
        }
        unsigned long file_end = (vaddr + ph->p_filesz + 4095) & ~4095ul;
        unsigned long memory_end = (vaddr + ph->p_memsz + 4095) & ~4095ul;
        if (ph->p_memsz > ph->p_filesz && file_end < memory_end) {
            /* The bss past the last file page: anonymous, no name. */
            l = find_line(file_end);
            CHECK_EQ(l.offset, 0ul);
            CHECK_EQ(l.ino, 0ul);
            CHECK_EQ(l.major_number, 0u);
            CHECK_EQ(l.minor_number, 0u);
            CHECK(l.name == l.text + l.length);
            checked_bss = 1;
        }
    }
    CHECK(checked_bss);
    CHECK(find_line((unsigned long)&big_bss[sizeof big_bss - 1]).ino == 0);

    l = find_line((unsigned long)old_break);
    name_of(&l, name, sizeof name);
    CHECK(strcmp(name, "[heap]") == 0);
    int local = 0;
    l = find_line((unsigned long)&local);
    name_of(&l, name, sizeof name);
    CHECK(strcmp(name, "[stack]") == 0);

    CHECK_SYS(munmap(mapped, 4096));
    close(fd);
    CHECK_SYS(unlink(path));
    CHECK_SYS(rmdir(dir));
    return 0;
}
