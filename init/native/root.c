/*
 * rootMount(): the unique ids of the mount of / and of its parent (statx and
 * statmount, Linux 6.8+); the root of the mount tree is its own parent.
 *
 * bindRootOverItself(): gives / a parent mount. The kernel unpacks the
 * initramfs into rootfs, the root of the mount tree, which pivot_root(2)
 * cannot leave (runc pivots into every container). A bind mount of / moved
 * over / (then chroot) is the same tree, with rootfs as its parent: no file
 * is copied. If a step fails, the bind is undone and the error thrown.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kios.h"

/* Where / is bound before the bind is moved over /; the same file system, so
 * the (empty) directory shows in the new root too, and is removed there. */
#define ROOT_BIND "/.kios-root"

static JSValue undo_bind(JSContext *ctx, const char *call, int err)
{
    if (chdir("/") < 0) { /* stays where it is: nothing better to do */ }
    umount2(ROOT_BIND, MNT_DETACH);
    rmdir(ROOT_BIND);
    return kios_throw_errno(ctx, call, ROOT_BIND, err);
}

JSValue js_bindRootOverItself(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc; (void)argv;
    if (mkdir(ROOT_BIND, 0700) < 0 && errno != EEXIST) return kios_throw_errno(ctx, "mkdir", ROOT_BIND, errno);
    if (mount("/", ROOT_BIND, NULL, MS_BIND, NULL) < 0) {
        int err = errno;
        rmdir(ROOT_BIND);
        return kios_throw_errno(ctx, "bind mount /", ROOT_BIND, err);
    }
    if (chdir(ROOT_BIND) < 0) return undo_bind(ctx, "chdir", errno);
    if (mount(".", "/", NULL, MS_MOVE, NULL) < 0) return undo_bind(ctx, "move mount", errno);
    /* Cannot fail for root once the move worked. */
    if (chroot(".") < 0) return kios_throw_errno(ctx, "chroot", ROOT_BIND, errno);
    if (chdir("/") < 0) { /* "." is the new root already */ }
    rmdir(ROOT_BIND);
    return JS_UNDEFINED;
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
