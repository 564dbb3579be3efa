/* O_APPEND from two processes: every record lands whole, none is lost.
 * sendfile from a file to a pipe and to a file (with and without an offset
 * pointer) and its EINVAL for a pipe as input; copy_file_range between
 * files, its offset pointers, and its errors. */
#include "t.h"

#include <sys/sendfile.h>
#include <sys/stat.h>

#define RECORDS 500
#define RECORD 16

static void appender(const char *path, char tag)
{
    int fd = CHECK_SYS(open(path, O_WRONLY | O_APPEND));
    char record[RECORD];
    for (int i = 0; i < RECORDS; i++) {
        memset(record, tag, RECORD - 1);
        record[RECORD - 1] = '\n';
        CHECK_EQ(write(fd, record, RECORD), RECORD);
    }
    close(fd);
}

int main(void)
{
    char dir[32] = "/tmp/fsdataXXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char log_path[64], src_path[64], dst_path[64];
    snprintf(log_path, sizeof log_path, "%s/log", dir);
    snprintf(src_path, sizeof src_path, "%s/src", dir);
    snprintf(dst_path, sizeof dst_path, "%s/dst", dir);

    close(CHECK_SYS(open(log_path, O_CREAT | O_WRONLY, 0644)));
    pid_t a = t_fork();
    if (a == 0) {
        appender(log_path, 'a');
        _exit(0);
    }
    pid_t b = t_fork();
    if (b == 0) {
        appender(log_path, 'b');
        _exit(0);
    }
    CHECK_EXITED(t_wait(a), 0);
    CHECK_EXITED(t_wait(b), 0);
    static char all[2 * RECORDS * RECORD + 1];
    int log = CHECK_SYS(open(log_path, O_RDONLY));
    CHECK_EQ(read(log, all, sizeof all), 2 * RECORDS * RECORD);
    int count_a = 0, count_b = 0;
    for (int i = 0; i < 2 * RECORDS; i++) {
        char *r = all + i * RECORD;
        CHECK(r[0] == 'a' || r[0] == 'b');
        for (int j = 1; j < RECORD - 1; j++)
            CHECK_EQ(r[j], r[0]);
        CHECK_EQ(r[RECORD - 1], '\n');
        if (r[0] == 'a')
            count_a++;
        else
            count_b++;
    }
    CHECK_EQ(count_a, RECORDS);
    CHECK_EQ(count_b, RECORDS);
    close(log);

    /* sendfile. */
    static char data[10000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (char)(i % 251);
    int src = CHECK_SYS(open(src_path, O_CREAT | O_RDWR, 0644));
    CHECK_EQ(write(src, data, sizeof data), sizeof data);
    int p[2];
    t_pipe(p);
    off_t offset = 100;
    CHECK_EQ(sendfile(p[1], src, &offset, 1000), 1000);
    CHECK_EQ(offset, 1100);
    CHECK_EQ(lseek(src, 0, SEEK_CUR), sizeof data); /* untouched */
    static char got[10000];
    CHECK_EQ(read(p[0], got, sizeof got), 1000);
    CHECK(memcmp(got, data + 100, 1000) == 0);
    CHECK_SYS(lseek(src, 9000, SEEK_SET));
    CHECK_EQ(sendfile(p[1], src, NULL, 5000), 1000); /* to the end of the input */
    CHECK_EQ(lseek(src, 0, SEEK_CUR), sizeof data);
    CHECK_EQ(sendfile(p[1], src, NULL, 5000), 0);
    CHECK_EQ(read(p[0], got, sizeof got), 1000);
    CHECK(memcmp(got, data + 9000, 1000) == 0);
    int dst = CHECK_SYS(open(dst_path, O_CREAT | O_RDWR, 0644));
    offset = 0;
    CHECK_EQ(sendfile(dst, src, &offset, sizeof data), sizeof data);
    CHECK_EQ(pread(dst, got, sizeof got, 0), sizeof data);
    CHECK(memcmp(got, data, sizeof data) == 0);
    CHECK_ERR(sendfile(dst, p[0], NULL, 10), EINVAL);
    int ro = CHECK_SYS(open(src_path, O_RDONLY));
    CHECK_ERR(sendfile(ro, src, &offset, 10), EBADF);
    offset = -1;
    CHECK_ERR(sendfile(dst, src, &offset, 10), EINVAL);

    /* copy_file_range. */
    CHECK_SYS(ftruncate(dst, 0));
    off_t in_off = 10, out_off = 5;
    CHECK_EQ(copy_file_range(src, &in_off, dst, &out_off, 500, 0), 500);
    CHECK_EQ(in_off, 510);
    CHECK_EQ(out_off, 505);
    CHECK_EQ(pread(dst, got, sizeof got, 0), 505);
    CHECK_EQ(got[0], 0); /* the hole before out_off */
    CHECK(memcmp(got + 5, data + 10, 500) == 0);
    in_off = sizeof data;
    CHECK_EQ(copy_file_range(src, &in_off, dst, NULL, 100, 0), 0); /* at the end */
    CHECK_ERR(copy_file_range(src, NULL, dst, NULL, 10, 1), EINVAL);
    CHECK_ERR(copy_file_range(src, NULL, ro, NULL, 10, 0), EBADF);
    CHECK_ERR(copy_file_range(p[0], NULL, dst, NULL, 10, 0), EINVAL);
    in_off = 0;
    out_off = 100;
    CHECK_ERR(copy_file_range(src, &in_off, src, &out_off, 200, 0), EINVAL); /* overlap */
    int app = CHECK_SYS(open(dst_path, O_WRONLY | O_APPEND));
    CHECK_ERR(copy_file_range(src, NULL, app, NULL, 10, 0), EBADF);

    close(app);
    close(ro);
    close(dst);
    close(src);
    CHECK_SYS(unlink(log_path));
    CHECK_SYS(unlink(src_path));
    CHECK_SYS(unlink(dst_path));
    CHECK_SYS(rmdir(dir));
    return 0;
}
