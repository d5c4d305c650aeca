/** The executable's entry point (bundled by build.sh): PID 1 on the native Sys. */
import { Init } from "./init.js";
import { nativeSys } from "./native/sys.js";

// No top-level await: quickjs-libc waits for events between the jobs of an awaited module.
new Init(nativeSys()).boot();
