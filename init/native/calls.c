/*
 * The "kios" module's calls on files, mounts and the machine.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kios.h"

/* ---- kernel log ---- */

static int kmsg_fd = -1;

JSValue js_kmsg(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    size_t len;
    const char *record = JS_ToCStringLen(ctx, &len, argv[0]);
    if (!record) return JS_EXCEPTION;
    if (kmsg_fd < 0) kmsg_fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NOCTTY);
    /* Before /dev is mounted the console (stderr) is all there is. */
    ssize_t written = write(kmsg_fd >= 0 ? kmsg_fd : STDERR_FILENO, record, len);
    (void)written;
    JS_FreeCString(ctx, record);
    return JS_UNDEFINED;
}

/* ---- files ---- */

JSValue js_readFile(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    STRING_ARG(path, 0);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        int err = errno;
        if (err == ENOENT || err == ENOTDIR) {
            JS_FreeCString(ctx, path);
            return JS_NULL;
        }
        JSValue e = kios_throw_errno(ctx, "open", path, err);
        JS_FreeCString(ctx, path);
        return e;
    }
    /* read() until EOF: /proc files report a size of 0. */
    size_t size = 0, capacity = 4096;
    char *buf = malloc(capacity);
    for (;;) {
        if (!buf) break;
        if (size == capacity) {
            char *bigger = realloc(buf, capacity * 2);
            if (!bigger) { free(buf); buf = NULL; break; }
            buf = bigger;
            capacity *= 2;
        }
        ssize_t n = read(fd, buf + size, capacity - size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            free(buf);
            close(fd);
            JSValue e = kios_throw_errno(ctx, "read", path, err);
            JS_FreeCString(ctx, path);
            return e;
        }
        if (n == 0) break;
        size += (size_t)n;
    }
    close(fd);
    JS_FreeCString(ctx, path);
    if (!buf) return JS_ThrowOutOfMemory(ctx);
    JSValue text = JS_NewStringLen(ctx, buf, size);
    free(buf);
    return text;
}

JSValue js_writeFile(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    STRING_ARG(path, 0);
    size_t len;
    const char *data = JS_ToCStringLen(ctx, &len, argv[1]);
    if (!data) { JS_FreeCString(ctx, path); return JS_EXCEPTION; }
    int err = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
    if (fd < 0) err = errno;
    for (size_t done = 0; !err && done < len;) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) err = errno;
        else done += (size_t)n;
    }
    if (fd >= 0 && close(fd) < 0 && !err) err = errno;
    JSValue result = err ? kios_throw_errno(ctx, "write", path, err) : JS_UNDEFINED;
    JS_FreeCString(ctx, data);
    JS_FreeCString(ctx, path);
    return result;
}

JSValue js_exists(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    STRING_ARG(path, 0);
    struct stat st;
    int found = lstat(path, &st) == 0;
    JS_FreeCString(ctx, path);
    return JS_NewBool(ctx, found);
}

/* The names in a directory, without . and .. */
JSValue js_listDir(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    STRING_ARG(path, 0);
    DIR *dir = opendir(path);
    if (!dir) {
        JSValue error = kios_throw_errno(ctx, "opendir", path, errno);
        JS_FreeCString(ctx, path);
        return error;
    }
    JSValue names = JS_NewArray(ctx);
    uint32_t count = 0;
    for (struct dirent *e = readdir(dir); e; e = readdir(dir)) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        JS_SetPropertyUint32(ctx, names, count++, JS_NewString(ctx, e->d_name));
    }
    closedir(dir);
    JS_FreeCString(ctx, path);
    return names;
}

/* mkdir, unlink and mkfifo share one shape: (path, mode) -> undefined. */
static JSValue path_call(JSContext *ctx, JSValueConst *argv, int argc, const char *call)
{
    STRING_ARG(path, 0);
    int32_t mode = 0;
    if (argc > 1 && int_arg(ctx, argv[1], &mode)) { JS_FreeCString(ctx, path); return JS_EXCEPTION; }
    int rc, exists_ok = 1;
    if (strcmp(call, "mkdir") == 0) rc = mkdir(path, (mode_t)mode);
    else if (strcmp(call, "mkfifo") == 0) rc = mkfifo(path, (mode_t)mode);
    else { rc = unlink(path); exists_ok = 0; }
    JSValue result = JS_UNDEFINED;
    if (rc < 0 && !(exists_ok && errno == EEXIST)) result = kios_throw_errno(ctx, call, path, errno);
    JS_FreeCString(ctx, path);
    return result;
}

JSValue js_mkdir(JSContext *ctx, JSValueConst t, int argc, JSValueConst *argv) { (void)t; return path_call(ctx, argv, argc, "mkdir"); }
JSValue js_mkfifo(JSContext *ctx, JSValueConst t, int argc, JSValueConst *argv) { (void)t; return path_call(ctx, argv, argc, "mkfifo"); }
JSValue js_unlink(JSContext *ctx, JSValueConst t, int argc, JSValueConst *argv) { (void)t; return path_call(ctx, argv, argc, "unlink"); }

/* ---- mounts and the machine ---- */

JSValue js_mount(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    const char *source = JS_ToCString(ctx, argv[0]);
    const char *target = JS_ToCString(ctx, argv[1]);
    const char *fstype = JS_ToCString(ctx, argv[2]);
    const char *data = JS_ToCString(ctx, argv[4]);
    int32_t flags = 0;
    JSValue result = JS_UNDEFINED;
    if (!source || !target || !fstype || !data || int_arg(ctx, argv[3], &flags)) {
        result = JS_EXCEPTION;
    } else if (mount(*source ? source : NULL, target, *fstype ? fstype : NULL,
                     (unsigned long)(uint32_t)flags, *data ? data : NULL) < 0) {
        result = kios_throw_errno(ctx, "mount", target, errno);
    }
    JS_FreeCString(ctx, source);
    JS_FreeCString(ctx, target);
    JS_FreeCString(ctx, fstype);
    JS_FreeCString(ctx, data);
    return result;
}

JSValue js_umount(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    STRING_ARG(target, 0);
    int32_t flags = 0;
    JSValue result = JS_UNDEFINED;
    if (int_arg(ctx, argv[1], &flags)) result = JS_EXCEPTION;
    else if (umount2(target, flags) < 0) result = kios_throw_errno(ctx, "umount", target, errno);
    JS_FreeCString(ctx, target);
    return result;
}

JSValue js_sethostname(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    size_t len;
    const char *name = JS_ToCStringLen(ctx, &len, argv[0]);
    if (!name) return JS_EXCEPTION;
    JSValue result = sethostname(name, len) < 0 ? kios_throw_errno(ctx, "sethostname", name, errno) : JS_UNDEFINED;
    JS_FreeCString(ctx, name);
    return result;
}

JSValue js_setProcessName(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    STRING_ARG(name, 0);
    JSValue result = JS_UNDEFINED;
    if (prctl(PR_SET_NAME, name, 0, 0, 0) < 0) result = kios_throw_errno(ctx, "prctl PR_SET_NAME", name, errno);
    /* The command line (/proc/1/cmdline, what ps shows) is the argv area itself. */
    if (kios_argv_area && kios_argv_area_len > 0) {
        memset(kios_argv_area, 0, kios_argv_area_len);
        strncpy(kios_argv_area, name, kios_argv_area_len - 1);
    }
    JS_FreeCString(ctx, name);
    return result;
}

JSValue js_interfaceUp(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    STRING_ARG(name, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    JSValue result = JS_UNDEFINED;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) result = kios_throw_errno(ctx, "socket for", name, errno);
    else if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) result = kios_throw_errno(ctx, "SIOCGIFFLAGS", name, errno);
    else {
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) result = kios_throw_errno(ctx, "SIOCSIFFLAGS", name, errno);
    }
    if (fd >= 0) close(fd);
    JS_FreeCString(ctx, name);
    return result;
}

JSValue js_sync(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)ctx; (void)this_val; (void)argc; (void)argv;
    sync();
    return JS_UNDEFINED;
}

JSValue js_reboot(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    STRING_ARG(action, 0);
    int restart = strcmp(action, "restart") == 0;
    JS_FreeCString(ctx, action);
    if (reboot(restart ? RB_AUTOBOOT : RB_POWER_OFF) < 0)
        return kios_throw_errno(ctx, "reboot", restart ? "restart" : "poweroff", errno);
    return JS_UNDEFINED;
}

JSValue js_now(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc; (void)argv;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return JS_NewFloat64(ctx, (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6);
}

