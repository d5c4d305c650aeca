/*
 * The "kios" QuickJS module: the system calls PID 1 needs, one thin function
 * each. No policy lives here: native/sys.ts turns these into the Sys
 * interface. Every failing call throws an Error "<call> <target>: <ERRNO>".
 * Every file descriptor is close-on-exec; sockets are non-blocking.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kios.h"

JSValue kios_throw_errno(JSContext *ctx, const char *call, const char *target, int err)
{
    const char *name = strerrorname_np(err);
    char message[512];
    snprintf(message, sizeof message, "%s %s: %s", call, target, name ? name : "unknown error");
    JSValue error = JS_NewError(ctx);
    JS_DefinePropertyValueStr(ctx, error, "message", JS_NewString(ctx, message),
                              JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE);
    return JS_Throw(ctx, error);
}

/* Free a NULL-terminated array of strings taken from a JS array. */
void kios_free_strings(JSContext *ctx, const char **strings)
{
    if (!strings) return;
    for (const char **s = strings; *s; s++) JS_FreeCString(ctx, *s);
    free(strings);
}

const char **kios_strings(JSContext *ctx, JSValueConst array)
{
    uint32_t len;
    JSValue length = JS_GetPropertyStr(ctx, array, "length");
    int bad = JS_ToUint32(ctx, &len, length) < 0 || len > 4096;
    JS_FreeValue(ctx, length);
    if (bad) return NULL;
    const char **strings = calloc((size_t)len + 1, sizeof *strings);
    if (!strings) return NULL;
    for (uint32_t i = 0; i < len; i++) {
        JSValue item = JS_GetPropertyUint32(ctx, array, i);
        strings[i] = JS_ToCString(ctx, item);
        JS_FreeValue(ctx, item);
        if (!strings[i]) { kios_free_strings(ctx, strings); return NULL; }
    }
    return strings;
}

static const JSCFunctionListEntry kios_functions[] = {
    JS_CFUNC_DEF("kmsg", 1, js_kmsg),
    JS_CFUNC_DEF("readFile", 1, js_readFile),
    JS_CFUNC_DEF("writeFile", 2, js_writeFile),
    JS_CFUNC_DEF("exists", 1, js_exists),
    JS_CFUNC_DEF("listDir", 1, js_listDir),
    JS_CFUNC_DEF("mkdir", 2, js_mkdir),
    JS_CFUNC_DEF("unlink", 1, js_unlink),
    JS_CFUNC_DEF("mkfifo", 2, js_mkfifo),
    JS_CFUNC_DEF("mount", 5, js_mount),
    JS_CFUNC_DEF("umount", 2, js_umount),
    JS_CFUNC_DEF("sethostname", 1, js_sethostname),
    JS_CFUNC_DEF("setProcessName", 1, js_setProcessName),
    JS_CFUNC_DEF("interfaceUp", 1, js_interfaceUp),
    JS_CFUNC_DEF("sync", 0, js_sync),
    JS_CFUNC_DEF("reboot", 1, js_reboot),
    JS_CFUNC_DEF("spawn", 2, js_spawn),
    JS_CFUNC_DEF("openSink", 1, js_openSink),
    JS_CFUNC_DEF("relay", 2, js_relay),
    JS_CFUNC_DEF("kill", 2, js_kill),
    JS_CFUNC_DEF("reap", 0, js_reap),
    JS_CFUNC_DEF("signalFd", 0, js_signalFd),
    JS_CFUNC_DEF("readSignals", 1, js_readSignals),
    JS_CFUNC_DEF("watchDir", 1, js_watchDir),
    JS_CFUNC_DEF("readWatch", 1, js_readWatch),
    JS_CFUNC_DEF("listenUnix", 1, js_listenUnix),
    JS_CFUNC_DEF("accept", 1, js_accept),
    JS_CFUNC_DEF("recv", 1, js_recv),
    JS_CFUNC_DEF("send", 2, js_send),
    JS_CFUNC_DEF("peerGone", 1, js_peerGone),
    JS_CFUNC_DEF("peerUid", 1, js_peerUid),
    JS_CFUNC_DEF("close", 1, js_close),
    JS_CFUNC_DEF("acpiEventSocket", 0, js_acpiEventSocket),
    JS_CFUNC_DEF("readAcpiEvents", 1, js_readAcpiEvents),
    JS_CFUNC_DEF("now", 0, js_now),
    JS_CFUNC_DEF("rootMount", 0, js_rootMount),
    JS_CFUNC_DEF("bindRootOverItself", 0, js_bindRootOverItself),
    JS_CFUNC_DEF("tpmTransmit", 2, js_tpmTransmit),
};

static int kios_init(JSContext *ctx, JSModuleDef *m)
{
    return JS_SetModuleExportList(ctx, m, kios_functions, countof(kios_functions));
}

JSModuleDef *js_init_module_kios(JSContext *ctx, const char *name)
{
    JSModuleDef *m = JS_NewCModule(ctx, name, kios_init);
    if (m) JS_AddModuleExportList(ctx, m, kios_functions, countof(kios_functions));
    return m;
}
