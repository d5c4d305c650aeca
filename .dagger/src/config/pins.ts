/** Reusable zod shapes for pinned inputs, each with the message an error shows. */
import { z } from "zod";

export const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, { message: "a sha256 checksum (64 lowercase hex digits)" });

export const digestPinnedImage = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._\/:-]*@sha256:[0-9a-f]{64}$/, {
    message: "an image reference pinned by digest (name@sha256:<64 hex digits>)",
  });

export const httpsUrl = z.string().regex(/^https:\/\/[^\s]+$/, { message: "an https:// URL" });

/** A Go module at one version, with the go.sum hash of its zip ("h1:..."). */
export const goModulePin = z.strictObject({
  module: z.string().regex(/^[a-z0-9.-]+(\/[A-Za-z0-9._~-]+)+$/, { message: "a Go module path (host/path)" }),
  version: z.string().regex(/^v\d+\.\d+\.\d+$/, { message: "a released Go module version (vX.Y.Z)" }),
  sum: z.string().regex(/^h1:[A-Za-z0-9+/]{43}=$/, { message: "a go.sum hash (h1:<base64 sha256>)" }),
});

/** Debian packages pinned to exact versions: { name = "version" }. */
export const debianPins = z.record(
  z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/, { message: "a Debian package name" }),
  z.string().regex(/^[A-Za-z0-9.+~:-]+$/, { message: "a Debian package version" }),
);

/** PyPI packages pinned to one wheel each: { name = { version, sha256 } }. */
export const pypiPins = z.record(
  z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/, { message: "a PyPI package name" }),
  z.strictObject({
    version: z.string().regex(/^\d+(\.\d+)*(\.post\d+)?$/, { message: "a released PyPI version (1.2.3)" }),
    sha256: sha256Hex,
  }),
);
