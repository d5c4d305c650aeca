/*
 * main() of kios-node, the node tools' one executable: the bundled
 * TypeScript (node/main.ts, compiled by qjsc into node_bytecode.c) with
 * quickjs-libc's "std" and "os" modules and our "kiosnode" module.
 */
#include <stdint.h>
#include <stdlib.h>

#include "quickjs-libc.h"
#include "node.h"

extern const uint8_t qjsc_node[];
extern const uint32_t qjsc_node_size;

int main(int argc, char **argv)
{
    JSRuntime *rt = JS_NewRuntime();
    if (!rt) return 70;
    js_std_init_handlers(rt);
    JSContext *ctx = JS_NewContext(rt);
    if (!ctx) return 70;
    js_init_module_std(ctx, "qjs:std");
    js_init_module_os(ctx, "qjs:os");
    js_init_module_kiosnode(ctx, "kiosnode");
    js_std_add_helpers(ctx, argc, argv);
    js_std_eval_binary(ctx, qjsc_node, qjsc_node_size, 0);
    js_std_loop(ctx);
    /* main.ts ends the process with std.exit(); reaching here is a failure. */
    return 70;
}
