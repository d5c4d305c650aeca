/** What `repro` reports: two builds of the same inputs compared byte for byte. */
import { field, object } from "@dagger.io/dagger";

@object()
export class ReproCheck {
  /** True: every compared file is the same in both builds (repro fails otherwise, with diffoscope's report). */
  @field() identical: boolean;
  /** The files compared, by name. */
  @field() compared: string[];
  /** Seconds the second build took. */
  @field() secondBuildSeconds: number;
  /** What the second build did not share with the first, in words. */
  @field() secondBuild: string;

  /**
   * @param identical every file the same
   * @param compared the files compared
   * @param secondBuildSeconds the second build's duration
   * @param secondBuild what the second build did not share with the first
   */
  constructor(identical: boolean, compared: string[], secondBuildSeconds: number, secondBuild: string) {
    this.identical = identical;
    this.compared = compared;
    this.secondBuildSeconds = secondBuildSeconds;
    this.secondBuild = secondBuild;
  }
}
