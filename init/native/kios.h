/* The "kios" QuickJS module (module.c, calls.c, processes.c, events.c) and what main.c shares with it. */
#ifndef KIOS_H
#define KIOS_H

#include <stddef.h>
#include <stdint.h>
#include "quickjs.h"

JSModuleDef *js_init_module_kios(JSContext *ctx, const char *name);

/* Blocks the signals PID 1 handles (read later through a signalfd) and ignores SIGPIPE. */
void kios_block_signals(void);

/* The process's argv strings, contiguous in memory: rewritten to rename the process. */
extern char *kios_argv_area;
extern size_t kios_argv_area_len;

/* ---- shared by the module's files ---- */

#define countof(a) (sizeof(a) / sizeof((a)[0]))

/* Throws Error("<call> <target>: <ERRNO>"). */
JSValue kios_throw_errno(JSContext *ctx, const char *call, const char *target, int err);

/* A JS array of strings as a NULL-terminated C array (NULL on error), and its release. */
const char **kios_strings(JSContext *ctx, JSValueConst array);
void kios_free_strings(JSContext *ctx, const char **strings);

/* A string argument, freed by the caller with JS_FreeCString. */
#define STRING_ARG(name, i)                                 \
    const char *name = JS_ToCString(ctx, argv[i]);          \
    if (!name) return JS_EXCEPTION

static inline int int_arg(JSContext *ctx, JSValueConst value, int32_t *out)
{
    return JS_ToInt32(ctx, out, value);
}

/* The module's functions (calls.c, processes.c, events.c, root.c, tpm.c). */
#define KIOS_FUNCTION(name) JSValue name(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv);
KIOS_FUNCTION(js_kmsg)
KIOS_FUNCTION(js_readFile)
KIOS_FUNCTION(js_writeFile)
KIOS_FUNCTION(js_exists)
KIOS_FUNCTION(js_listDir)
KIOS_FUNCTION(js_mkdir)
KIOS_FUNCTION(js_mkfifo)
KIOS_FUNCTION(js_unlink)
KIOS_FUNCTION(js_mount)
KIOS_FUNCTION(js_umount)
KIOS_FUNCTION(js_sethostname)
KIOS_FUNCTION(js_setProcessName)
KIOS_FUNCTION(js_interfaceUp)
KIOS_FUNCTION(js_sync)
KIOS_FUNCTION(js_reboot)
KIOS_FUNCTION(js_spawn)
KIOS_FUNCTION(js_openSink)
KIOS_FUNCTION(js_relay)
KIOS_FUNCTION(js_kill)
KIOS_FUNCTION(js_reap)
KIOS_FUNCTION(js_signalFd)
KIOS_FUNCTION(js_readSignals)
KIOS_FUNCTION(js_watchDir)
KIOS_FUNCTION(js_readWatch)
KIOS_FUNCTION(js_listenUnix)
KIOS_FUNCTION(js_accept)
KIOS_FUNCTION(js_recv)
KIOS_FUNCTION(js_send)
KIOS_FUNCTION(js_peerGone)
KIOS_FUNCTION(js_peerUid)
KIOS_FUNCTION(js_close)
KIOS_FUNCTION(js_acpiEventSocket)
KIOS_FUNCTION(js_readAcpiEvents)
KIOS_FUNCTION(js_now)
KIOS_FUNCTION(js_rootMount)
KIOS_FUNCTION(js_bindRootOverItself)
KIOS_FUNCTION(js_tpmTransmit)

#endif
