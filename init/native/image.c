/*
 * mountImage(): mounts a filesystem image file through a loop device: a free
 * device from /dev/loop-control, the image attached read-only with
 * autoclear (LOOP_CONFIGURE, Linux 5.8+), then the mount. Autoclear frees
 * the device when its last user goes: the mount, or this function's file
 * descriptor if the mount fails, so nothing is left behind on an error.
 * (EROFS mounts image files directly only when their file system can read
 * folios, which tmpfs, the root's, cannot.)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "kios.h"

static JSValue fail(JSContext *ctx, const char *call, const char *target, int err, int fds[], size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fds[i] >= 0) close(fds[i]);
    return kios_throw_errno(ctx, call, target, err);
}

static JSValue mount_image(JSContext *ctx, const char *image, const char *target, const char *fstype,
                           unsigned long flags, const char *data)
{
    int fds[3] = { -1, -1, -1 }; /* image, loop-control, loop device */
    fds[0] = open(image, O_RDONLY | O_CLOEXEC);
    if (fds[0] < 0) return fail(ctx, "open", image, errno, fds, 3);
    fds[1] = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    if (fds[1] < 0) return fail(ctx, "open", "/dev/loop-control", errno, fds, 3);
    int n = ioctl(fds[1], LOOP_CTL_GET_FREE);
    if (n < 0) return fail(ctx, "LOOP_CTL_GET_FREE", "/dev/loop-control", errno, fds, 3);
    char device[32];
    snprintf(device, sizeof device, "/dev/loop%d", n);
    fds[2] = open(device, O_RDONLY | O_CLOEXEC);
    if (fds[2] < 0) return fail(ctx, "open", device, errno, fds, 3);
    struct loop_config config;
    memset(&config, 0, sizeof config);
    config.fd = (uint32_t)fds[0];
    config.info.lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR;
    snprintf((char *)config.info.lo_file_name, sizeof config.info.lo_file_name, "%s", image);
    if (ioctl(fds[2], LOOP_CONFIGURE, &config) < 0) return fail(ctx, "LOOP_CONFIGURE", device, errno, fds, 3);
    if (mount(device, target, fstype, flags | MS_RDONLY, data[0] ? data : NULL) < 0)
        return fail(ctx, "mount", target, errno, fds, 3);
    for (size_t i = 0; i < 3; i++) close(fds[i]);
    return JS_UNDEFINED;
}

JSValue js_mountImage(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    int32_t flags;
    if (int_arg(ctx, argv[3], &flags)) return JS_EXCEPTION;
    const char *image = JS_ToCString(ctx, argv[0]);
    const char *target = JS_ToCString(ctx, argv[1]);
    const char *fstype = JS_ToCString(ctx, argv[2]);
    const char *data = JS_ToCString(ctx, argv[4]);
    JSValue result = image && target && fstype && data
        ? mount_image(ctx, image, target, fstype, (unsigned long)(uint32_t)flags, data)
        : JS_EXCEPTION;
    JS_FreeCString(ctx, image);
    JS_FreeCString(ctx, target);
    JS_FreeCString(ctx, fstype);
    JS_FreeCString(ctx, data);
    return result;
}
