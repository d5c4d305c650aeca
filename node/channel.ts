/**
 * Where a node's node.yaml comes from: a config drive (a FAT volume labelled
 * KIOS holding node.yaml), else the EC2-style metadata service (IMDSv2:
 * a token by PUT, then the user data by GET with it).
 */
import { NODE_CONFIG_MAX_BYTES } from "../.dagger/src/node-config/schema.js";
import { httpRequest, parseHttpResponse } from "./http.js";
import { MS, type NodeSys } from "./sys.js";

export const DRIVE_LABEL = "KIOS";
export const DRIVE_FILE = "node.yaml";

/** Where node.yaml came from, and its text. */
export interface NodeConfigText {
  source: string;
  text: string;
}

export class ChannelError extends Error {
  override name = "ChannelError";
}

function text(bytes: Uint8Array, from: number, length: number): string {
  let s = "";
  for (const b of bytes.subarray(from, from + length)) s += String.fromCharCode(b);
  return s;
}

/**
 * The volume label of a FAT boot sector, or null when the sector is not
 * FAT's. FAT12/16 keep it at 0x2B, FAT32 at 0x47, each after an extended
 * boot signature (0x29) and before the file system type.
 */
export function fatLabel(sector: Uint8Array): string | null {
  if (sector.length < 512 || sector[510] !== 0x55 || sector[511] !== 0xaa) return null;
  for (const [signature, label, type] of [[0x26, 0x2b, 0x36], [0x42, 0x47, 0x52]] as const) {
    if (sector[signature] === 0x29 && /^FAT(12|16|32)? *$/.test(text(sector, type, 8))) return text(sector, label, 11).trimEnd();
  }
  return null;
}

/** The block device whose FAT label is KIOS, e.g. /dev/vdb; null when there is none. */
export function findConfigDrive(sys: NodeSys): string | null {
  for (const name of sys.listDir("/sys/class/block").sort()) {
    const device = `/dev/${name}`;
    const sector = sys.readBytes(device, 0, 512);
    if (sector && fatLabel(sector) === DRIVE_LABEL) return device;
  }
  return null;
}

/** node.yaml from the drive, mounted read-only at `mountPoint` for the read only. */
export function readConfigDrive(sys: NodeSys, device: string, mountPoint: string): NodeConfigText {
  const source = `${DRIVE_FILE} on config drive ${device}`;
  sys.mount(device, mountPoint, "vfat", MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC, "");
  try {
    const path = `${mountPoint}/${DRIVE_FILE}`;
    const size = sys.fileSize(path);
    if (size === null) throw new ChannelError(`config drive ${device} (label ${DRIVE_LABEL}) has no ${DRIVE_FILE}`);
    if (size > NODE_CONFIG_MAX_BYTES) throw new ChannelError(`${source}: ${size} bytes, over the ${NODE_CONFIG_MAX_BYTES}-byte limit`);
    return { source, text: sys.readFile(path) ?? "" };
  } finally {
    sys.umount(mountPoint);
  }
}

export interface MetadataService {
  host: string;
  port: number;
  /** How long to keep asking while nothing answers (the network may still be coming up). */
  waitMs: number;
}

export const EC2_METADATA: MetadataService = { host: "169.254.169.254", port: 80, waitMs: 60_000 };

const ATTEMPT_TIMEOUT_MS = 2_000;

/** The user data of the metadata service (IMDSv2). */
export function readMetadata(sys: NodeSys, service: MetadataService): NodeConfigText {
  const where = `http://${service.host}${service.port === 80 ? "" : `:${service.port}`}`;
  const source = `user data of the metadata service ${where}`;
  const exchange = (method: string, path: string, headers: Record<string, string>) =>
    parseHttpResponse(
      sys.httpExchange(service.host, service.port, httpRequest(method, service.host, path, headers), ATTEMPT_TIMEOUT_MS, NODE_CONFIG_MAX_BYTES + 16_384),
    );
  const deadline = sys.now() + service.waitMs;
  let lastError = "";
  for (;;) {
    let token;
    try {
      token = exchange("PUT", "/latest/api/token", { "X-aws-ec2-metadata-token-ttl-seconds": "300" });
    } catch (error) {
      lastError = (error as Error).message;
      if (/E2BIG/.test(lastError)) throw new ChannelError(`${source}: over the ${NODE_CONFIG_MAX_BYTES}-byte limit`);
      if (sys.now() >= deadline) {
        throw new ChannelError(`no config drive (a FAT volume labelled ${DRIVE_LABEL}) and no answer from the metadata service ${where} in ${service.waitMs / 1000} s (${lastError})`);
      }
      sys.sleep(1_000);
      continue;
    }
    if (token.status !== 200) throw new ChannelError(`metadata service ${where}: token request answered HTTP ${token.status}`);
    let data;
    try {
      data = exchange("GET", "/latest/user-data", { "X-aws-ec2-metadata-token": asciiBody(token.body) });
    } catch (error) {
      const why = (error as Error).message;
      throw new ChannelError(/E2BIG/.test(why) ? `${source}: over the ${NODE_CONFIG_MAX_BYTES}-byte limit` : `${source}: ${why}`);
    }
    if (data.status === 404) throw new ChannelError(`metadata service ${where} has no user data`);
    if (data.status !== 200) throw new ChannelError(`${source}: HTTP ${data.status}`);
    if (data.body.length > NODE_CONFIG_MAX_BYTES) throw new ChannelError(`${source}: ${data.body.length} bytes, over the ${NODE_CONFIG_MAX_BYTES}-byte limit`);
    return { source, text: sys.decodeUtf8(data.body) };
  }
}

function asciiBody(bytes: Uint8Array): string {
  return text(bytes, 0, bytes.length).trim();
}

/** node.yaml from wherever this node has it. */
export function readNodeConfigText(sys: NodeSys, mountPoint: string, metadata: MetadataService): NodeConfigText {
  const drive = findConfigDrive(sys);
  return drive ? readConfigDrive(sys, drive, mountPoint) : readMetadata(sys, metadata);
}
