/* The "kiosnode" QuickJS module (node.c). */
#ifndef KIOS_NODE_H
#define KIOS_NODE_H
#include "quickjs.h"
JSModuleDef *js_init_module_kiosnode(JSContext *ctx, const char *name);
#endif
