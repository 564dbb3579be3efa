/* Permission checks for an unprivileged user: creating in a directory it
 * cannot write (EACCES), opening a file it cannot read, chmod/chown of
 * someone else's file (EPERM), giving a file away (EPERM), changing the
 * group to one it is not in (EPERM), utimensat rules (now: write access
 * suffices; chosen times: owner only), and the sticky bit of /tmp: another
 * user can neither unlink nor rename a file it does not own. Needs root
 * to switch users; the scratch directory lives in /tmp. */
#include "t.h"
#include <grp.h>
#include <sys/stat.h>

static char dir[] = "/tmp/fs_perm_XXXXXX";
static char sticky[96];

static const char *at(const char *name)
{
    static char buf[4][128];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static void become(uid_t uid)
{
    /* No supplementary groups (ENOSYS where setgroups does not exist). */
    if (setgroups(0, NULL) != 0)
        CHECK_EQ(errno, ENOSYS);
    CHECK_SYS(setresgid(uid, uid, uid));
    CHECK_SYS(setresuid(uid, uid, uid));
}

int main(void)
{
    T_REQUIRE_ROOT();
    umask(022);
    uid_t alice = t_private_uid(0), bob = t_private_uid(1);
    CHECK(mkdtemp(dir) != NULL);
    CHECK_SYS(chmod(dir, 0755));
    int fd = CHECK_SYS(open(at("rootfile"), O_CREAT | O_WRONLY, 0600));
    CHECK_SYS(close(fd));
    CHECK_SYS(mkdir(at("alice"), 0755));
    CHECK_SYS(chown(at("alice"), alice, alice));
    snprintf(sticky, sizeof sticky, "%s/sticky", dir);
    CHECK_SYS(mkdir(sticky, 0777));
    CHECK_SYS(chmod(sticky, 01777));

    pid_t pid = t_fork();
    if (pid == 0) {
        become(alice);
        CHECK_ERR(open(at("new"), O_CREAT | O_WRONLY, 0644), EACCES);
        CHECK_ERR(mkdir(at("newdir"), 0755), EACCES);
        CHECK_ERR(mkdir(at("alice"), 0755), EEXIST); /* EEXIST wins */
        CHECK_ERR(open(at("rootfile"), O_RDONLY), EACCES);
        CHECK_ERR(unlink(at("rootfile")), EACCES);
        CHECK_ERR(rename(at("rootfile"), at("alice/stolen")), EACCES);
        /* Its own directory: fine; giving things away is not. */
        int own = CHECK_SYS(open(at("alice/mine"), O_CREAT | O_WRONLY, 0644));
        CHECK_SYS(close(own));
        struct stat st;
        CHECK_SYS(stat(at("alice/mine"), &st));
        CHECK_EQ(st.st_uid, alice);
        CHECK_EQ(st.st_gid, alice);
        CHECK_ERR(chown(at("alice/mine"), bob, (gid_t)-1), EPERM);
        CHECK_ERR(chown(at("alice/mine"), (uid_t)-1, 0), EPERM);
        CHECK_SYS(chown(at("alice/mine"), alice, alice)); /* no change: allowed */
        CHECK_SYS(chmod(at("alice/mine"), 0600));
        CHECK_ERR(chmod(at("rootfile"), 0666), EPERM);
        CHECK_ERR(chown(at("rootfile"), alice, alice), EPERM);
        /* utimensat: now needs write access, chosen times need ownership. */
        CHECK_ERR(utimensat(AT_FDCWD, at("rootfile"), NULL, 0), EACCES);
        struct timespec t[2] = {{1, 0}, {2, 0}};
        CHECK_ERR(utimensat(AT_FDCWD, at("rootfile"), t, 0), EPERM);
        struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
        CHECK_SYS(utimensat(AT_FDCWD, at("rootfile"), omit, 0)); /* nothing to do */
        CHECK_SYS(utimensat(AT_FDCWD, at("alice/mine"), t, 0));
        CHECK_SYS(stat(at("alice/mine"), &st));
        CHECK_EQ(st.st_mtime, 2);
        CHECK_EQ(st.st_atime, 1);
        /* access() with the real ids. */
        CHECK_ERR(access(at("rootfile"), R_OK), EACCES);
        CHECK_SYS(access(at("alice/mine"), R_OK | W_OK));
        /* A file in the sticky directory. */
        char path[160];
        snprintf(path, sizeof path, "%s/alices", sticky);
        int s = CHECK_SYS(open(path, O_CREAT | O_WRONLY, 0666));
        CHECK_SYS(close(s));
        snprintf(path, sizeof path, "%s/alicedir", sticky);
        CHECK_SYS(mkdir(path, 0777));
        CHECK_SYS(chmod(path, 0777)); /* mkdir applied the umask */
        _exit(0);
    }
    T_WAIT_OK(pid);

    pid = t_fork();
    if (pid == 0) {
        become(bob);
        char mine[160], theirs[160], theirdir[160], moved[160];
        snprintf(theirs, sizeof theirs, "%s/alices", sticky);
        snprintf(theirdir, sizeof theirdir, "%s/alicedir", sticky);
        snprintf(mine, sizeof mine, "%s/bobs", sticky);
        snprintf(moved, sizeof moved, "%s/moved", sticky);
        CHECK_ERR(unlink(theirs), EPERM);
        CHECK_ERR(rmdir(theirdir), EPERM);
        CHECK_ERR(rename(theirs, moved), EPERM);
        int fd2 = CHECK_SYS(open(mine, O_CREAT | O_WRONLY, 0666));
        CHECK_SYS(close(fd2));
        CHECK_ERR(rename(mine, theirs), EPERM); /* replacing it is deleting it */
        CHECK_SYS(rename(mine, moved));
        CHECK_SYS(unlink(moved));
        /* Writable and world-writable: alice's 0777 directory is usable. */
        char inner[192];
        snprintf(inner, sizeof inner, "%s/bobs", theirdir);
        fd2 = CHECK_SYS(open(inner, O_CREAT | O_WRONLY, 0644));
        CHECK_SYS(close(fd2));
        CHECK_SYS(unlink(inner));
        _exit(0);
    }
    T_WAIT_OK(pid);

    /* The owner may remove its own; root may remove anything. */
    pid = t_fork();
    if (pid == 0) {
        become(alice);
        char path[160];
        snprintf(path, sizeof path, "%s/alices", sticky);
        CHECK_SYS(unlink(path));
        _exit(0);
    }
    T_WAIT_OK(pid);
    char path[160];
    snprintf(path, sizeof path, "%s/alicedir", sticky);
    CHECK_SYS(rmdir(path));
    CHECK_SYS(rmdir(sticky));
    CHECK_SYS(unlink(at("alice/mine")));
    CHECK_SYS(rmdir(at("alice")));
    CHECK_SYS(unlink(at("rootfile")));
    CHECK_SYS(rmdir(dir));
    return 0;
}
