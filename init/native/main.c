/*
 * PID 1's main(): one QuickJS runtime running the bundled init (init.js,
 * compiled to bytecode by qjsc into init_bytecode.c) on quickjs-libc's event
 * loop, with the "os" module (read handlers, timers) and our "kios" module.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quickjs-libc.h"
#include "kios.h"

extern const uint8_t qjsc_init[];
extern const uint32_t qjsc_init_size;

char *kios_argv_area;
size_t kios_argv_area_len;

static void remember_argv(int argc, char **argv)
{
    if (argc < 1) return;
    kios_argv_area = argv[0];
    kios_argv_area_len = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) + 1 - argv[0]);
}

static void die(const char *why)
{
    static const char prefix[] = "<0>kiOS: ";
    /* stderr is the console; /dev/kmsg may not be mounted. */
    ssize_t ignored = write(STDERR_FILENO, prefix, sizeof prefix - 1);
    ignored = write(STDERR_FILENO, why, strlen(why));
    (void)ignored;
    /* PID 1 exiting panics the kernel: loud, and the panic= setting decides what follows. */
    exit(1);
}

int main(int argc, char **argv)
{
    /* Run anywhere else, the shutdown path would signal every process and unmount everything. */
    if (getpid() != 1) {
        static const char refuse[] = "kiOS init: not PID 1, refusing to run (use a PID namespace to test it)\n";
        ssize_t ignored = write(STDERR_FILENO, refuse, sizeof refuse - 1);
        (void)ignored;
        return 2;
    }
    kios_block_signals();
    remember_argv(argc, argv);

    JSRuntime *rt = JS_NewRuntime();
    if (!rt) die("cannot create the JS runtime\n");
    js_std_init_handlers(rt);
    JSContext *ctx = JS_NewContextRaw(rt);
    if (!ctx) die("cannot create the JS context\n");
    JS_AddIntrinsicBaseObjects(ctx);
    JS_AddIntrinsicEval(ctx);
    JS_AddIntrinsicRegExp(ctx);
    JS_AddIntrinsicJSON(ctx);
    JS_AddIntrinsicMapSet(ctx);
    JS_AddIntrinsicTypedArrays(ctx);
    JS_AddIntrinsicPromise(ctx);
    js_init_module_os(ctx, "qjs:os"); /* named apart from Node's "os" for the type checker */
    js_init_module_kios(ctx, "kios");

    js_std_eval_binary(ctx, qjsc_init, qjsc_init_size, 0); /* boots: see init.ts */
    js_std_loop(ctx);
    die("the event loop ended\n");
}
