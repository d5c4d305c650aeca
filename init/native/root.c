/*
 * rootMount(): the unique ids of the mount of / and of its parent (statx and
 * statmount, Linux 6.8+); the root of the mount tree is its own parent.
 *
 * moveRootToTmpfs(): the initramfs's tree copied into a tmpfs that becomes the
 * root, the classic switch_root. The kernel unpacks the initramfs into rootfs,
 * the root of the mount tree, which pivot_root(2) cannot leave (runc pivots
 * into every container); a tmpfs mounted on top of it has a parent.
 *
 * Copies directories, files (in the kernel: copy_file_range, else sendfile),
 * symlinks, device nodes, fifos and sockets with their modes, owners and
 * times, without crossing into other mounts; hard links become copies; the
 * paths given to leave behind are not copied (the boot deletes /init). Then
 * chdir(new), mount(new, "/", MS_MOVE), chroot("."), and the old root's files
 * are deleted to free their memory. A failed copy changes nothing: the tmpfs
 * is unmounted and the error thrown.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kios.h"

/* Where the tmpfs is built, inside the old root (deleted with it). */
#define NEW_ROOT "/.kios-new-root"

enum method { COPY_FILE_RANGE, SENDFILE, READ_WRITE };

struct copy {
    dev_t dev;             /* the old root's device: other devices are other mounts */
    const char **leave;    /* absolute paths not to copy */
    enum method method;    /* the fastest way that worked so far */
    double files, bytes;
    /* On failure: the call, the (absolute) path and errno. */
    const char *call;
    int err;
    char path[PATH_MAX];
};

static int fail(struct copy *c, const char *call)
{
    c->call = call;
    c->err = errno;
    return -1;
}

static int copy_data(struct copy *c, int in, int out, off_t size)
{
    static char buffer[65536];
    for (off_t left = size; left > 0;) {
        ssize_t n;
        if (c->method == COPY_FILE_RANGE) {
            n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
        } else if (c->method == SENDFILE) {
            n = sendfile(out, in, NULL, (size_t)left);
        } else {
            n = read(in, buffer, sizeof buffer);
            if (n > 0 && write(out, buffer, (size_t)n) != n) return fail(c, "write");
        }
        if (n < 0 && errno == EINTR) continue;
        /* rootfs to another tmpfs is EXDEV for copy_file_range: fall back once, for good. */
        if (n < 0 && c->method != READ_WRITE && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
            c->method = c->method == COPY_FILE_RANGE ? SENDFILE : READ_WRITE;
            continue;
        }
        if (n < 0) return fail(c, "copy");
        if (n == 0) break; /* shorter than it was */
        left -= n;
        c->bytes += (double)n;
    }
    return 0;
}

/* Owner, mode (after chown, which clears set-id bits) and times of a copied entry. */
static int set_attributes(struct copy *c, int fd, int dir, const char *name, const struct stat *st)
{
    struct timespec times[2] = { st->st_atim, st->st_mtim };
    if (fd >= 0) {
        if (fchown(fd, st->st_uid, st->st_gid) < 0) return fail(c, "chown");
        if (fchmod(fd, st->st_mode & 07777) < 0) return fail(c, "chmod");
        if (futimens(fd, times) < 0) return fail(c, "utimens");
        return 0;
    }
    if (fchownat(dir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0) return fail(c, "chown");
    if (!S_ISLNK(st->st_mode) && fchmodat(dir, name, st->st_mode & 07777, 0) < 0) return fail(c, "chmod");
    if (utimensat(dir, name, times, AT_SYMLINK_NOFOLLOW) < 0) return fail(c, "utimens");
    return 0;
}

static int copy_dir(struct copy *c, int from, int to);

static int left_behind(const struct copy *c)
{
    for (const char **path = c->leave; *path; path++)
        if (strcmp(*path, c->path) == 0) return 1;
    return 0;
}

static int copy_entry(struct copy *c, int from, int to, const char *name, const struct stat *st)
{
    int in = -1, out = -1, rc = -1;
    if (S_ISDIR(st->st_mode)) {
        if (mkdirat(to, name, 0700) < 0) return fail(c, "mkdir");
        in = openat(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        out = openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (in < 0 || out < 0) fail(c, "open");
        else if (copy_dir(c, in, out) == 0) rc = set_attributes(c, out, to, name, st);
    } else if (S_ISREG(st->st_mode)) {
        in = openat(from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        out = openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (in < 0 || out < 0) fail(c, "open");
        else if (copy_data(c, in, out, st->st_size) == 0) rc = set_attributes(c, out, to, name, st);
    } else if (S_ISLNK(st->st_mode)) {
        char target[PATH_MAX];
        ssize_t len = readlinkat(from, name, target, sizeof target - 1);
        if (len < 0) return fail(c, "readlink");
        target[len] = 0;
        if (symlinkat(target, to, name) < 0) return fail(c, "symlink");
        rc = set_attributes(c, -1, to, name, st);
    } else {
        if (mknodat(to, name, st->st_mode & (S_IFMT | 0600), st->st_rdev) < 0) return fail(c, "mknod");
        rc = set_attributes(c, -1, to, name, st);
    }
    if (in >= 0) close(in);
    if (out >= 0) close(out);
    return rc;
}

/* Copies the entries of directory `from` into directory `to`; c->path names `from`. */
static int copy_dir(struct copy *c, int from, int to)
{
    int fd = dup(from);
    DIR *dir = fd < 0 ? NULL : fdopendir(fd);
    if (!dir) {
        if (fd >= 0) close(fd);
        return fail(c, "opendir");
    }
    size_t path_len = strlen(c->path);
    int rc = 0;
    for (struct dirent *e; rc == 0 && (errno = 0, e = readdir(dir));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(c->path + path_len, sizeof c->path - path_len, "/%s", e->d_name);
        if (left_behind(c)) continue;
        struct stat st;
        if (fstatat(from, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) rc = fail(c, "stat");
        else if (st.st_dev != c->dev) continue; /* a mount point: not ours to copy */
        else rc = copy_entry(c, from, to, e->d_name, &st);
        if (rc == 0) c->files++;
    }
    if (rc == 0 && errno != 0) rc = fail(c, "readdir");
    if (rc == 0) c->path[path_len] = 0;
    closedir(dir);
    return rc;
}

/* Deletes what directory `dirfd` holds on device `dev`; best effort, like switch_root. */
static void delete_contents(int dirfd, dev_t dev)
{
    int fd = dup(dirfd);
    DIR *dir = fd < 0 ? NULL : fdopendir(fd);
    if (!dir) {
        if (fd >= 0) close(fd);
        return;
    }
    for (struct dirent *e; (e = readdir(dir));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        struct stat st;
        if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev) continue;
        if (S_ISDIR(st.st_mode)) {
            int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0) {
                delete_contents(sub, dev);
                close(sub);
            }
        }
        unlinkat(dirfd, e->d_name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0);
    }
    closedir(dir);
}

static JSValue move_root(JSContext *ctx, const char **leave)
{
    struct copy c = { .method = COPY_FILE_RANGE, .leave = leave };
    struct stat root;
    if (stat("/", &root) < 0) return kios_throw_errno(ctx, "stat", "/", errno);
    c.dev = root.st_dev;
    char options[32];
    snprintf(options, sizeof options, "mode=%04o", (unsigned)(root.st_mode & 07777));
    if (mkdir(NEW_ROOT, 0700) < 0 && errno != EEXIST) return kios_throw_errno(ctx, "mkdir", NEW_ROOT, errno);
    if (mount("tmpfs", NEW_ROOT, "tmpfs", 0, options) < 0) {
        int err = errno;
        rmdir(NEW_ROOT);
        return kios_throw_errno(ctx, "mount", NEW_ROOT, err);
    }

    int old_root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int new_root = open(NEW_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = old_root < 0 || new_root < 0 ? fail(&c, "open") : copy_dir(&c, old_root, new_root);
    if (rc == 0) rc = set_attributes(&c, new_root, -1, NULL, &root);
    if (rc == 0 && chdir(NEW_ROOT) < 0) rc = fail(&c, "chdir");
    if (rc == 0 && mount(".", "/", NULL, MS_MOVE, NULL) < 0) rc = fail(&c, "move mount");
    if (rc == 0 && chroot(".") < 0) rc = fail(&c, "chroot"); /* cannot fail for root once the move worked */
    if (new_root >= 0) close(new_root);
    if (rc < 0) {
        if (chdir("/") < 0) { /* stays where it is: nothing better to do */ }
        umount2(NEW_ROOT, MNT_DETACH);
        rmdir(NEW_ROOT);
        if (old_root >= 0) close(old_root);
        return kios_throw_errno(ctx, c.call, c.path[0] ? c.path : "/", c.err);
    }
    if (chdir("/") < 0) { /* "." is the new root already */ }
    delete_contents(old_root, c.dev); /* under the new root now, reached through the fd */
    close(old_root);

    JSValue result = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, result, "files", JS_NewFloat64(ctx, c.files));
    JS_SetPropertyStr(ctx, result, "bytes", JS_NewFloat64(ctx, c.bytes));
    return result;
}

JSValue js_moveRootToTmpfs(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    /* Only ever an in-memory root: this deletes the old root's files. */
    struct statfs fs;
    if (statfs("/", &fs) < 0) return kios_throw_errno(ctx, "statfs", "/", errno);
    if (fs.f_type != RAMFS_MAGIC && fs.f_type != TMPFS_MAGIC) return kios_throw_errno(ctx, "move root", "/ (not in memory)", EINVAL);
    const char **leave = kios_strings(ctx, argv[0]);
    if (!leave) return JS_EXCEPTION;
    JSValue result = move_root(ctx, leave);
    kios_free_strings(ctx, leave);
    return result;
}

JSValue js_rootMount(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc; (void)argv;
    struct statx stx;
    if (statx(AT_FDCWD, "/", 0, STATX_MNT_ID_UNIQUE, &stx) < 0) return kios_throw_errno(ctx, "statx", "/", errno);
    if (!(stx.stx_mask & STATX_MNT_ID_UNIQUE)) return kios_throw_errno(ctx, "statx", "/ (unique mount id)", ENOSYS);
    struct mnt_id_req request = { .size = MNT_ID_REQ_SIZE_VER0, .mnt_id = stx.stx_mnt_id, .param = STATMOUNT_MNT_BASIC };
    struct statmount sm;
    if (syscall(SYS_statmount, &request, &sm, sizeof sm, 0) < 0) return kios_throw_errno(ctx, "statmount", "/", errno);
    JSValue result = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, result, "id", JS_NewFloat64(ctx, (double)sm.mnt_id));
    JS_SetPropertyStr(ctx, result, "parent", JS_NewFloat64(ctx, (double)sm.mnt_parent_id));
    return result;
}
