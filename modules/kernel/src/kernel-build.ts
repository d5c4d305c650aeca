/** The KernelBuild result object of `build`: one build, its parts. */
import { dag, Directory, field, File, func, object } from "@dagger.io/dagger";

/** A built kernel: its image, signed modules, final config and build log, from one build. */
@object()
export class KernelBuild {
  /** The kernel image (arch/x86/boot/bzImage). */
  @field() bzImage: File;
  /** `make modules_install` output: lib/modules/<release>/, every module signed. */
  @field() modules: Directory;
  /** The final .config the kernel was built from. */
  @field() config: File;
  /** The build's log: timed phases, kbuild's output, ccache statistics of this build. */
  @field() log: File;

  /**
   * @param bzImage the kernel image
   * @param modules the modules_install tree
   * @param config the final .config
   * @param log the build's log
   */
  constructor(bzImage: File, modules: Directory, config: File, log: File) {
    this.bzImage = bzImage;
    this.modules = modules;
    this.config = config;
    this.log = log;
  }

  /**
   * The build as one directory: bzImage, config, modules/.
   *
   * @example dagger -m modules/kernel call --toolchain=registry.example/kernel-toolchain:trixie --source=./linux-6.12.111 with-fragment --name=10-core.config --fragment=./kernel/10-core.config build directory export --path=out/kernel
   */
  @func()
  directory(): Directory {
    return dag.directory().withFile("bzImage", this.bzImage).withFile("config", this.config).withDirectory("modules", this.modules);
  }
}
