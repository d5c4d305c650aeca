/** The build and the init agree on where things are in the node's root. */
import { describe, expect, it } from "vitest";
import { BIN_IMAGE_PATH } from "../../.dagger/src/node.js";
import { BIN_IMAGE } from "../../init/mounts.js";

describe("node layout", () => {
  it("puts the image of /bin where the init mounts it from", () => {
    expect("/" + BIN_IMAGE_PATH).toBe(BIN_IMAGE);
  });
});
