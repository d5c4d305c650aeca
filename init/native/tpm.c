/*
 * tpmTransmit(device, command): one TPM command and its response. The
 * kernel's TPM character devices take a whole command in one write and
 * hand back the whole response in the next read (at most 4096 bytes, the
 * kernel's TPM_BUFSIZE). The device is opened for this command alone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "kios.h"

#define TPM_BUFSIZE 4096

JSValue js_tpmTransmit(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    STRING_ARG(device, 0);
    size_t len;
    uint8_t *command = JS_GetArrayBuffer(ctx, &len, argv[1]);
    if (!command) { JS_FreeCString(ctx, device); return JS_EXCEPTION; }
    const char *call = "open";
    int fd = open(device, O_RDWR | O_CLOEXEC | O_NOCTTY);
    ssize_t n = -1;
    uint8_t response[TPM_BUFSIZE];
    if (fd >= 0) {
        call = "write";
        do n = write(fd, command, len);
        while (n < 0 && errno == EINTR);
        if (n == (ssize_t)len) {
            call = "read";
            do n = read(fd, response, sizeof response);
            while (n < 0 && errno == EINTR);
        } else if (n >= 0) {
            n = -1;
            errno = EIO; /* a short write: the TPM driver takes whole commands only */
        }
    }
    int err = errno;
    if (fd >= 0) close(fd);
    if (n < 0) {
        JSValue e = kios_throw_errno(ctx, call, device, err);
        JS_FreeCString(ctx, device);
        return e;
    }
    JS_FreeCString(ctx, device);
    return JS_NewArrayBufferCopy(ctx, response, (size_t)n);
}
