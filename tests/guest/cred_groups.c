/* Supplementary groups and the rarer set*id calls (Linux kernel/groups.c,
 * kernel/sys.c): setgroups needs CAP_SETGID and sorts the list; getgroups
 * returns it (EINVAL when a nonzero size is too small); fork and execve
 * keep it; /proc/PID/status shows it on the Groups line; file permission
 * checks count a supplementary group as Linux's in_group_p. setreuid's
 * rules for the real, effective and saved uid; setfsuid/setfsgid return
 * the old fs id and never fail, the fs id follows the effective id, and
 * file checks use it (access() the real one); /proc's 4th Uid/Gid column.
 * The unprivileged part runs as anyone; the rest needs root. */
#include "t.h"

#include <grp.h>
#include <sys/fsuid.h>
#include <sys/stat.h>

static void status_line(const char *key, char *out, size_t size)
{
    static char buf[8192];
    t_read_file("/proc/self/status", buf, sizeof buf);
    char *line = strstr(buf, key);
    CHECK(line != NULL);
    char *end = strchr(line, '\n');
    CHECK(end != NULL);
    size_t n = (size_t)(end - line + 1);
    CHECK(n < size);
    memcpy(out, line, n);
    out[n] = 0;
}

static void check_ids(uid_t r, uid_t e, uid_t s)
{
    uid_t a, b, c;
    CHECK_SYS(getresuid(&a, &b, &c));
    CHECK_EQ(a, r);
    CHECK_EQ(b, e);
    CHECK_EQ(c, s);
}

static int open_errno(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    return errno;
}

static void make_file(const char *path, uid_t uid, gid_t gid, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0);
    close(fd);
    CHECK_SYS(chown(path, uid, gid));
    CHECK_SYS(chmod(path, mode));
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "exec-groups") == 0) {
        gid_t list[4];
        CHECK_EQ(getgroups(4, list), 3);
        CHECK(list[0] == 10 && list[1] == 20 && list[2] == 30);
        return 42;
    }

    /* Anyone: no CAP_SETGID, no setgroups; setfsuid(-1) is a query. */
    if (!t_is_root())
        CHECK_ERR(setgroups(0, NULL), EPERM);
    CHECK_ERR(getgroups(-1, NULL), EINVAL);
    CHECK_EQ(setfsuid(-1), (int)geteuid());
    CHECK_EQ(setfsgid(-1), (int)getegid());
    if (!t_is_root()) {
        CHECK_EQ(setfsuid(0), (int)geteuid()); /* refused: no error, unchanged */
        CHECK_EQ(setfsuid(-1), (int)geteuid());
    }
    T_REQUIRE_ROOT();

    uid_t u1 = t_private_uid(0), u2 = t_private_uid(1), u3 = t_private_uid(2);
    gid_t g1 = (gid_t)u1, g2 = (gid_t)u2;
    char group_file[64], owner_file[64];
    snprintf(group_file, sizeof group_file, "/tmp/cred_groups.%d.g", (int)getpid());
    snprintf(owner_file, sizeof owner_file, "/tmp/cred_groups.%d.u", (int)getpid());
    make_file(group_file, 0, g2, 0040); /* only group g2 may read */
    make_file(owner_file, u3, g1, 0600); /* only u3 may read */

    pid_t pid = t_fork();
    if (pid == 0) {
        gid_t in[3] = {30, 10, 20}, out[4];
        CHECK_SYS(setgroups(3, in));
        CHECK_EQ(getgroups(0, NULL), 3);
        CHECK_ERR(getgroups(2, out), EINVAL);
        CHECK_EQ(getgroups(4, out), 3);
        CHECK(out[0] == 10 && out[1] == 20 && out[2] == 30); /* sorted, as Linux */
        char line[256];
        status_line("Groups:", line, sizeof line);
        CHECK(strcmp(line, "Groups:\t10 20 30 \n") == 0);
        CHECK_ERR(setgroups(65537, in), EINVAL);
        CHECK_ERR(setgroups(-1, in), EINVAL);
        CHECK_ERR(setgroups(1, BAD_PTR_LOW), EFAULT);
        gid_t bad = (gid_t)-1;
        CHECK_ERR(setgroups(1, &bad), EINVAL);
        CHECK_EQ(getgroups(0, NULL), 3); /* failures changed nothing */

        /* Inherited by fork, kept by execve. */
        pid_t child = t_fork();
        if (child == 0) {
            CHECK_EQ(getgroups(4, out), 3);
            CHECK(out[0] == 10 && out[2] == 30);
            char *args[] = {(char *)t_self_path(argv[0]), "exec-groups", NULL};
            execv(args[0], args);
            FAIL("execv: %s", strerror(errno));
        }
        CHECK_EXITED(t_wait(child), 42);

        /* A supplementary group opens a group-only file; without it, no. */
        gid_t mine = g2;
        CHECK_SYS(setgroups(1, &mine));
        child = t_fork();
        if (child == 0) {
            CHECK_SYS(setresgid(g1, g1, g1));
            CHECK_SYS(setresuid(u1, u1, u1));
            CHECK_EQ(open_errno(group_file), 0);
            CHECK_ERR(setgroups(0, NULL), EPERM);
            _exit(0);
        }
        CHECK_EXITED(t_wait(child), 0);
        CHECK_SYS(setgroups(0, NULL));
        CHECK_EQ(getgroups(0, NULL), 0);
        status_line("Groups:", line, sizeof line);
        CHECK(strcmp(line, "Groups:\t \n") == 0);
        child = t_fork();
        if (child == 0) {
            CHECK_SYS(setresgid(g1, g1, g1));
            CHECK_SYS(setresuid(u1, u1, u1));
            CHECK_EQ(open_errno(group_file), EACCES);
            _exit(0);
        }
        CHECK_EXITED(t_wait(child), 0);

        /* setreuid as root: setting the real uid makes saved = effective. */
        CHECK_SYS(setregid(g1, g1));
        CHECK_SYS(setreuid(u1, u2));
        check_ids(u1, u2, u2);
        _exit(0);
    }
    CHECK_EXITED(t_wait(pid), 0);

    pid = t_fork();
    if (pid == 0) {
        CHECK_SYS(setgroups(0, NULL));
        CHECK_SYS(setresgid(g1, g1, g1));
        CHECK_SYS(setresuid(u1, u2, u3));
        /* The new real uid must be the old real or effective one. */
        CHECK_ERR(setreuid(u3, -1), EPERM);
        /* Effective to the saved one; not the old real uid: saved follows. */
        CHECK_SYS(setreuid(-1, u3));
        check_ids(u1, u3, u3);
        /* Effective back to the real uid: the saved uid stays. */
        CHECK_SYS(setreuid(-1, u1));
        check_ids(u1, u1, u3);
        CHECK_ERR(setreuid(-1, u2), EPERM); /* u2 is gone */
        CHECK_ERR(setregid(g2, -1), EPERM);

        /* fsuid follows euid; setfsuid to the saved uid works. */
        CHECK_EQ(setfsuid(-1), (int)u1);
        CHECK_EQ(open_errno(owner_file), EACCES);
        CHECK_EQ(setfsuid(u3), (int)u1); /* returns the old fs uid */
        CHECK_EQ(setfsuid(-1), (int)u3);
        char line[256], want[256];
        status_line("Uid:", line, sizeof line);
        snprintf(want, sizeof want, "Uid:\t%u\t%u\t%u\t%u\n", u1, u1, u3, u3);
        CHECK(strcmp(line, want) == 0);
        CHECK_EQ(open_errno(owner_file), 0);   /* checked against the fs uid */
        CHECK_ERR(access(owner_file, R_OK), EACCES); /* access(): the real uid */
        CHECK_EQ(setfsuid(u2), (int)u3);       /* refused: no error, unchanged */
        CHECK_EQ(setfsuid(-1), (int)u3);
        CHECK_EQ(setfsgid(g2), (int)g1);       /* refused */
        CHECK_EQ(setfsgid(-1), (int)g1);
        /* Any change of the effective uid resets the fs uid to it. */
        CHECK_SYS(setresuid(-1, u1, -1));
        CHECK_EQ(setfsuid(-1), (int)u1);
        CHECK_EQ(open_errno(owner_file), EACCES);
        _exit(0);
    }
    CHECK_EXITED(t_wait(pid), 0);

    /* Root's setfsuid drops file privileges alone (and root keeps its ids). */
    pid = t_fork();
    if (pid == 0) {
        CHECK_EQ(open_errno(owner_file), 0);
        CHECK_EQ(setfsuid(u1), 0);
        CHECK_EQ(open_errno(owner_file), EACCES);
        check_ids(0, 0, 0);
        CHECK_EQ(setfsuid(0), (int)u1);
        CHECK_EQ(open_errno(owner_file), 0);
        _exit(0);
    }
    CHECK_EXITED(t_wait(pid), 0);
    CHECK_SYS(unlink(group_file));
    CHECK_SYS(unlink(owner_file));
    printf("ok\n");
    return 0;
}
