/*
 * The "kios" module's event sources besides signals: inotify, Unix stream
 * sockets, and ACPI events over generic netlink.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "kios.h"

/* ---- inotify ---- */

JSValue js_watchDir(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    STRING_ARG(dir, 0);
    JSValue result;
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) result = kios_throw_errno(ctx, "inotify_init1", dir, errno);
    else if (inotify_add_watch(fd, dir, IN_CREATE | IN_MOVED_TO) < 0) {
        result = kios_throw_errno(ctx, "inotify_add_watch", dir, errno);
        close(fd);
    } else result = JS_NewInt32(ctx, fd);
    JS_FreeCString(ctx, dir);
    return result;
}

JSValue js_readWatch(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    int32_t fd;
    if (int_arg(ctx, argv[0], &fd)) return JS_EXCEPTION;
    JSValue names = JS_NewArray(ctx);
    uint32_t count = 0;
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *event = (const struct inotify_event *)p;
            if (event->len > 0) JS_SetPropertyUint32(ctx, names, count++, JS_NewString(ctx, event->name));
            p += sizeof *event + event->len;
        }
    }
    return names;
}

/* ---- Unix stream sockets ---- */

JSValue js_listenUnix(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    STRING_ARG(path, 0);
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    JSValue result;
    int fd = -1;
    if (strlen(path) >= sizeof addr.sun_path) {
        result = kios_throw_errno(ctx, "bind", path, ENAMETOOLONG);
        goto out;
    }
    strcpy(addr.sun_path, path);
    if (unlink(path) < 0 && errno != ENOENT) { result = kios_throw_errno(ctx, "unlink", path, errno); goto out; }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) { result = kios_throw_errno(ctx, "socket", path, errno); goto out; }
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) { result = kios_throw_errno(ctx, "bind", path, errno); goto out; }
    if (chmod(path, 0600) < 0) { result = kios_throw_errno(ctx, "chmod", path, errno); goto out; }
    if (listen(fd, 16) < 0) { result = kios_throw_errno(ctx, "listen", path, errno); goto out; }
    result = JS_NewInt32(ctx, fd);
    fd = -1;
out:
    if (fd >= 0) close(fd);
    JS_FreeCString(ctx, path);
    return result;
}

/* A new client's fd, or -1 when there is none (or it vanished) right now. */
JSValue js_accept(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    int32_t fd;
    if (int_arg(ctx, argv[0], &fd)) return JS_EXCEPTION;
    for (;;) {
        int client = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (client >= 0) return JS_NewInt32(ctx, client);
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return JS_NewInt32(ctx, -1);
        return kios_throw_errno(ctx, "accept", "system socket", errno);
    }
}

/* Bytes read, null at end of stream (or a reset), undefined when nothing is there. */
JSValue js_recv(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    int32_t fd;
    if (int_arg(ctx, argv[0], &fd)) return JS_EXCEPTION;
    uint8_t buf[512];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) return JS_NewArrayBufferCopy(ctx, buf, (size_t)n);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return JS_UNDEFINED;
        return JS_NULL;
    }
}

JSValue js_send(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    int32_t fd;
    size_t len;
    if (int_arg(ctx, argv[0], &fd)) return JS_EXCEPTION;
    uint8_t *bytes = JS_GetArrayBuffer(ctx, &len, argv[1]);
    if (!bytes) return JS_EXCEPTION;
    ssize_t n;
    do n = send(fd, bytes, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    return JS_NewBool(ctx, n == (ssize_t)len);
}

/* True when the peer closed both directions (a half-close leaves POLLHUP unset). */
JSValue js_peerGone(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    int32_t fd;
    if (int_arg(ctx, argv[0], &fd)) return JS_EXCEPTION;
    struct pollfd p = { .fd = fd, .events = POLLOUT };
    int ready = poll(&p, 1, 0);
    return JS_NewBool(ctx, ready > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL)));
}

/* The uid of the process that connected (SO_PEERCRED), -1 when the kernel cannot tell. */
JSValue js_peerUid(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    int32_t fd;
    if (int_arg(ctx, argv[0], &fd)) return JS_EXCEPTION;
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) return JS_NewInt32(ctx, -1);
    return JS_NewInt64(ctx, cred.uid);
}

JSValue js_close(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    int32_t fd;
    if (int_arg(ctx, argv[0], &fd)) return JS_EXCEPTION;
    close(fd);
    return JS_UNDEFINED;
}

/* ---- ACPI events (the power button) over generic netlink, with libmnl ---- */

/* The kernel's struct acpi_genl_event (drivers/acpi/event.c). */
struct acpi_genl_event {
    char device_class[20];
    char bus_id[15];
    uint32_t type;
    uint32_t data;
};
#define ACPI_GENL_ATTR_EVENT 1

static struct mnl_socket *acpi_nl;
static uint16_t acpi_family;

struct family_query { uint16_t id; uint32_t group; };

static int group_cb(const struct nlattr *attr, void *data)
{
    struct family_query *query = data;
    const char *name = NULL;
    uint32_t id = 0;
    const struct nlattr *field;
    mnl_attr_for_each_nested(field, attr) {
        if (mnl_attr_get_type(field) == CTRL_ATTR_MCAST_GRP_NAME && mnl_attr_validate(field, MNL_TYPE_NUL_STRING) >= 0)
            name = mnl_attr_get_str(field);
        else if (mnl_attr_get_type(field) == CTRL_ATTR_MCAST_GRP_ID && mnl_attr_validate(field, MNL_TYPE_U32) >= 0)
            id = mnl_attr_get_u32(field);
    }
    if (name && strcmp(name, "acpi_mc_group") == 0) query->group = id;
    return MNL_CB_OK;
}

static int family_attr_cb(const struct nlattr *attr, void *data)
{
    struct family_query *query = data;
    if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID && mnl_attr_validate(attr, MNL_TYPE_U16) >= 0)
        query->id = mnl_attr_get_u16(attr);
    else if (mnl_attr_get_type(attr) == CTRL_ATTR_MCAST_GROUPS) {
        const struct nlattr *group;
        mnl_attr_for_each_nested(group, attr) group_cb(group, data);
    }
    return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
    return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb, data);
}

JSValue js_acpiEventSocket(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc; (void)argv;
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct family_query query = { 0, 0 };
    struct mnl_socket *nl = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
    if (!nl) return kios_throw_errno(ctx, "netlink", "generic", errno);
    int err = 0;
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) err = errno;
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = GENL_ID_CTRL;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    nlh->nlmsg_seq = 1;
    struct genlmsghdr *genl = mnl_nlmsg_put_extra_header(nlh, sizeof *genl);
    genl->cmd = CTRL_CMD_GETFAMILY;
    genl->version = 1;
    mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "acpi_event");
    if (!err && mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) err = errno;
    int rc = MNL_CB_OK;
    while (!err && rc > MNL_CB_STOP) {
        ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof buf);
        if (n < 0) { err = errno; break; }
        rc = mnl_cb_run(buf, (size_t)n, 1, mnl_socket_get_portid(nl), family_cb, &query);
        if (rc < 0) err = errno;
    }
    if (!err && (query.id == 0 || query.group == 0)) err = ENOENT;
    if (!err && mnl_socket_setsockopt(nl, NETLINK_ADD_MEMBERSHIP, &query.group, sizeof query.group) < 0) err = errno;
    if (!err && fcntl(mnl_socket_get_fd(nl), F_SETFL, O_NONBLOCK) < 0) err = errno;
    if (err) {
        mnl_socket_close(nl);
        return kios_throw_errno(ctx, "netlink family", "acpi_event", err);
    }
    if (acpi_nl) mnl_socket_close(acpi_nl);
    acpi_nl = nl;
    acpi_family = query.id;
    return JS_NewInt32(ctx, mnl_socket_get_fd(nl));
}

struct acpi_events { JSContext *ctx; JSValue list; uint32_t count; };

static int acpi_event_attr_cb(const struct nlattr *attr, void *data)
{
    struct acpi_events *events = data;
    if (mnl_attr_get_type(attr) != ACPI_GENL_ATTR_EVENT ||
        mnl_attr_validate2(attr, MNL_TYPE_UNSPEC, sizeof(struct acpi_genl_event)) < 0)
        return MNL_CB_OK;
    const struct acpi_genl_event *e = mnl_attr_get_payload(attr);
    JSContext *ctx = events->ctx;
    JSValue event = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, event, "deviceClass", JS_NewStringLen(ctx, e->device_class, strnlen(e->device_class, sizeof e->device_class)));
    JS_SetPropertyStr(ctx, event, "busId", JS_NewStringLen(ctx, e->bus_id, strnlen(e->bus_id, sizeof e->bus_id)));
    JS_SetPropertyStr(ctx, event, "type", JS_NewUint32(ctx, e->type));
    JS_SetPropertyUint32(ctx, events->list, events->count++, event);
    return MNL_CB_OK;
}

static int acpi_event_cb(const struct nlmsghdr *nlh, void *data)
{
    if (nlh->nlmsg_type != acpi_family) return MNL_CB_OK;
    return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), acpi_event_attr_cb, data);
}

JSValue js_readAcpiEvents(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc; (void)argv;
    struct acpi_events events = { ctx, JS_NewArray(ctx), 0 };
    char buf[MNL_SOCKET_BUFFER_SIZE];
    ssize_t n;
    while (acpi_nl && (n = mnl_socket_recvfrom(acpi_nl, buf, sizeof buf)) > 0)
        mnl_cb_run(buf, (size_t)n, 0, 0, acpi_event_cb, &events);
    return events.list;
}

