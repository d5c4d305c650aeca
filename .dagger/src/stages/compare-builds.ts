/**
 * Two builds' results compared byte for byte (cmp); the files that differ
 * are shown with diffoscope (Debian's diffoscope-minimal, with the tools
 * its comparators call for our formats: PE/ELF, cpio, zstd, lz4, UKIs).
 */
import type { Directory } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";

export const diffoscopePackages = [
  "diffoscope-minimal", "binutils", "cpio", "zstd", "lz4", "xz-utils", "systemd-ukify", "python3-pefile",
];

/** The largest diffoscope report kept (it goes into an error message). */
const MAX_REPORT = 200_000;

export interface BuildComparison {
  /** Every file name compared (the first build's files). */
  compared: string[];
  /** Those that differ, or are missing in the second build. */
  differing: string[];
  /** diffoscope's text report of the differing files ("" when none differ). */
  report: string;
}

/** Compare every file of `first` with the file of the same name in `second`. */
export async function compareBuilds(ctx: StageContext, first: Directory, second: Directory): Promise<BuildComparison> {
  const compared = (await first.glob("**/*")).filter((f) => !f.endsWith("/")).sort();
  if (compared.length === 0) throw new Error("compare builds: the first build has no files");
  const listing = await ctx
    .toolchain([])
    .withMountedDirectory("/a", first)
    .withMountedDirectory("/b", second)
    .withExec(["sh", "-c", 'for f in "$@"; do cmp -s "/a/$f" "/b/$f" || echo "$f"; done', "cmp", ...compared])
    .stdout();
  const differing = listing.split("\n").filter(Boolean);
  if (differing.length === 0) return { compared, differing, report: "" };
  const report = await ctx
    .toolchain(diffoscopePackages)
    .withMountedDirectory("/a", first)
    .withMountedDirectory("/b", second)
    .withWorkdir("/")
    .withExec([
      "sh",
      "-c",
      `for f in "$@"; do
  [ -e "/b/$f" ] || { echo "$f: missing in the second build"; continue; }
  diffoscope --text - --max-text-report-size ${MAX_REPORT} --exclude-directory-metadata=recursive --no-progress "a/$f" "b/$f"
  [ $? -le 1 ] || echo "$f: diffoscope failed"
done 2>&1 | head -c ${MAX_REPORT}`,
      "diffoscope",
      ...differing,
    ])
    .stdout();
  return { compared, differing, report };
}
