/*
 * The "kiosnode" QuickJS module: the few system calls the node tools need
 * that quickjs-libc's "os" module lacks. One thin function each; failures
 * throw Error("<call> <target>: <ERRNO>").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "node.h"

static JSValue throw_errno(JSContext *ctx, const char *call, const char *target, int err)
{
    const char *name = strerrorname_np(err);
    return JS_ThrowInternalError(ctx, "%s %s: %s", call, target, name ? name : "unknown error");
}

static JSValue js_mount(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    const char *source = JS_ToCString(ctx, argv[0]), *target = JS_ToCString(ctx, argv[1]);
    const char *fstype = JS_ToCString(ctx, argv[2]), *data = JS_ToCString(ctx, argv[4]);
    uint32_t flags = 0;
    JSValue result = JS_UNDEFINED;
    if (!source || !target || !fstype || !data || JS_ToUint32(ctx, &flags, argv[3]) < 0) result = JS_EXCEPTION;
    else if (mount(source, target, fstype, flags, data) < 0) result = throw_errno(ctx, "mount", target, errno);
    JS_FreeCString(ctx, source);
    JS_FreeCString(ctx, target);
    JS_FreeCString(ctx, fstype);
    JS_FreeCString(ctx, data);
    return result;
}

static JSValue js_umount(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    const char *target = JS_ToCString(ctx, argv[0]);
    if (!target) return JS_EXCEPTION;
    JSValue result = umount2(target, 0) < 0 ? throw_errno(ctx, "umount", target, errno) : JS_UNDEFINED;
    JS_FreeCString(ctx, target);
    return result;
}

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Waits until fd is ready for `events` or the deadline passes: 1 ready, 0 timed out. */
static int wait_fd(int fd, short events, long long deadline)
{
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0) return 0;
        struct pollfd p = { fd, events, 0 };
        int n = poll(&p, 1, (int)left);
        if (n > 0) return 1;
        if (n < 0 && errno != EINTR) return -1;
    }
}

/*
 * httpExchange(host, port, request, timeoutMs, maxBytes) -> ArrayBuffer:
 * connects over TCP, sends the request, reads until the server closes (the
 * request says Connection: close). At most maxBytes are kept: a longer answer
 * is an error (E2BIG). Refused, unreachable or slower than timeoutMs: throws.
 */
static JSValue js_httpExchange(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    const char *host = JS_ToCString(ctx, argv[0]);
    size_t request_len;
    const char *request = JS_ToCStringLen(ctx, &request_len, argv[2]);
    int32_t port, timeout, max_bytes;
    JSValue result = JS_EXCEPTION;
    char *buf = NULL;
    int fd = -1;
    if (!host || !request || JS_ToInt32(ctx, &port, argv[1]) || JS_ToInt32(ctx, &timeout, argv[3]) ||
        JS_ToInt32(ctx, &max_bytes, argv[4]))
        goto out;
    long long deadline = now_ms() + timeout;
    char target[300];
    snprintf(target, sizeof target, "%s:%d", host, port);
    /* Numeric addresses only: a static binary has no name service. */
    struct sockaddr_storage addr = { 0 };
    socklen_t addr_len = 0;
    struct sockaddr_in *in4 = (struct sockaddr_in *)&addr;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&addr;
    if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        addr_len = sizeof *in4;
    } else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        addr_len = sizeof *in6;
    } else {
        result = throw_errno(ctx, "connect", target, EINVAL);
        goto out;
    }
    fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int err = fd < 0 ? errno : 0;
    if (!err && connect(fd, (struct sockaddr *)&addr, addr_len) < 0) {
        err = errno;
        if (err == EINPROGRESS) {
            int ready = wait_fd(fd, POLLOUT, deadline);
            socklen_t len = sizeof err;
            if (ready <= 0) err = ETIMEDOUT;
            else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
        }
    }
    if (err) {
        result = throw_errno(ctx, "connect", target, err);
        goto out;
    }
    for (size_t sent = 0; sent < request_len;) {
        ssize_t n = send(fd, request + sent, request_len - sent, MSG_NOSIGNAL);
        if (n > 0) { sent += (size_t)n; continue; }
        if (n < 0 && (errno == EAGAIN || errno == EINTR) && wait_fd(fd, POLLOUT, deadline) > 0) continue;
        result = throw_errno(ctx, "send", target, n < 0 ? errno : ETIMEDOUT);
        goto out;
    }
    size_t cap = (size_t)max_bytes + 1, got = 0;
    buf = malloc(cap);
    if (!buf) { result = JS_ThrowOutOfMemory(ctx); goto out; }
    for (;;) {
        ssize_t n = recv(fd, buf + got, cap - got, 0);
        if (n > 0) {
            got += (size_t)n;
            if (got == cap) { result = throw_errno(ctx, "recv", target, E2BIG); goto out; }
            continue;
        }
        if (n == 0) break;
        if ((errno == EAGAIN || errno == EINTR) && wait_fd(fd, POLLIN, deadline) > 0) continue;
        result = throw_errno(ctx, "recv", target, errno == EAGAIN ? ETIMEDOUT : errno);
        goto out;
    }
    result = JS_NewArrayBufferCopy(ctx, (const uint8_t *)buf, got);
out:
    if (fd >= 0) close(fd);
    free(buf);
    JS_FreeCString(ctx, host);
    JS_FreeCString(ctx, request);
    return result;
}

/* sendByte(path, byte): connects to a Unix stream socket, sends one byte, closes. */
static JSValue js_sendByte(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    const char *path = JS_ToCString(ctx, argv[0]);
    int32_t byte;
    if (!path || JS_ToInt32(ctx, &byte, argv[1])) { JS_FreeCString(ctx, path); return JS_EXCEPTION; }
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    unsigned char b = (unsigned char)byte;
    JSValue result = JS_UNDEFINED;
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) result = throw_errno(ctx, "connect", path, errno);
    else if (write(fd, &b, 1) != 1) result = throw_errno(ctx, "write", path, errno);
    if (fd >= 0) close(fd);
    JS_FreeCString(ctx, path);
    return result;
}

/* decodeUtf8(buffer) -> string (QuickJS has no TextDecoder). */
static JSValue js_decodeUtf8(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    size_t len;
    uint8_t *bytes = JS_GetArrayBuffer(ctx, &len, argv[0]);
    if (!bytes) return JS_EXCEPTION;
    return JS_NewStringLen(ctx, (const char *)bytes, len);
}

static void exit_now(int signal)
{
    (void)signal;
    _exit(0);
}

/*
 * exitOnTerminate(): SIGTERM and SIGINT end the process at once. A
 * container's first process gets no default action for them, so a
 * long-running command would otherwise wait out its grace period for SIGKILL.
 */
static JSValue js_exitOnTerminate(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc; (void)argv;
    struct sigaction action = { .sa_handler = exit_now };
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGTERM, &action, NULL) != 0 || sigaction(SIGINT, &action, NULL) != 0)
        return throw_errno(ctx, "sigaction", "SIGTERM", errno);
    return JS_UNDEFINED;
}

static const JSCFunctionListEntry functions[] = {
    JS_CFUNC_DEF("exitOnTerminate", 0, js_exitOnTerminate),
    JS_CFUNC_DEF("mount", 5, js_mount),
    JS_CFUNC_DEF("umount", 1, js_umount),
    JS_CFUNC_DEF("httpExchange", 5, js_httpExchange),
    JS_CFUNC_DEF("sendByte", 2, js_sendByte),
    JS_CFUNC_DEF("decodeUtf8", 1, js_decodeUtf8),
};

static int module_init(JSContext *ctx, JSModuleDef *m)
{
    return JS_SetModuleExportList(ctx, m, functions, sizeof functions / sizeof functions[0]);
}

JSModuleDef *js_init_module_kiosnode(JSContext *ctx, const char *name)
{
    JSModuleDef *m = JS_NewCModule(ctx, name, module_init);
    if (m) JS_AddModuleExportList(ctx, m, functions, sizeof functions / sizeof functions[0]);
    return m;
}
