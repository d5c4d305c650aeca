/**
 * Boot and shutdown phases measured into PCR 11, the way systemd-pcrphase
 * does (docs/measured-boot.md): each phase word is extended into PCR 11, so
 * a policy signed for a phase path (ukify's .pcrsig) matches only in that
 * phase. The extend is TPM2_PCR_Event on the kernel's resource manager: the
 * TPM hashes the word with every allocated bank and extends each, so the
 * init needs no hash code and the banks stay consistent.
 */
import { why, type Log } from "./log.js";
import type { Sys } from "./sys.js";

/** systemd's phase words, in the order a boot and a shutdown reach them. */
export const PHASE_WORDS = ["enter-initrd", "leave-initrd", "sysinit", "ready", "shutdown", "final"] as const;
export type PhaseWord = (typeof PHASE_WORDS)[number];

export const TPM_DEVICE = "/dev/tpmrm0";
/** The PCR systemd-stub measures the UKI into and systemd-pcrphase extends. */
export const PHASE_PCR = 11;
/** The kernel's view of PCR 11's SHA-256 bank (tpm-sysfs.c, group pcr-sha256). */
export const PCR11_SHA256 = `/sys/class/tpm/tpm0/pcr-sha256/${PHASE_PCR}`;

const TPM_ST_SESSIONS = 0x8002;
const TPM_CC_PCR_EVENT = 0x0000013c;
const TPM_RS_PW = 0x40000009;
/** TPM2B_EVENT holds at most 1024 bytes. */
const MAX_EVENT = 1024;
/** Warnings after which the same command may simply be sent again (TPM_RC_YIELDED, TESTING, RETRY). */
const RETRY_CODES = new Set([0x908, 0x90a, 0x922]);
const ATTEMPTS = 3;

/**
 * TPM2_PCR_Event(pcr, data) with an empty password session (PCRs 0-15 have
 * an empty auth value): header, handle, one session, then TPM2B_EVENT.
 */
export function pcrEventCommand(pcr: number, data: Uint8Array): Uint8Array {
  if (data.length > MAX_EVENT) throw new Error(`PCR event: ${data.length} bytes, over ${MAX_EVENT}`);
  const size = 29 + data.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint16(0, TPM_ST_SESSIONS);
  view.setUint32(2, size);
  view.setUint32(6, TPM_CC_PCR_EVENT);
  view.setUint32(10, pcr);
  view.setUint32(14, 9); // authorization area: one password session
  view.setUint32(18, TPM_RS_PW); // session handle; nonce size 0, attributes 0, hmac size 0 follow
  view.setUint16(27, data.length);
  out.set(data, 29);
  return out;
}

/** The response code of a TPM response; throws when the response is shorter than its header. */
export function responseCode(response: Uint8Array): number {
  if (response.length < 10) throw new Error(`TPM response of ${response.length} bytes, shorter than its header`);
  return new DataView(response.buffer, response.byteOffset, response.byteLength).getUint32(6);
}

function asciiBytes(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** Extends the phase words into PCR 11 and logs the value after each; says once when there is no TPM. */
export class PhaseMeasurer {
  private saidNoTpm = false;

  constructor(
    private readonly sys: Sys,
    private readonly log: Log,
  ) {}

  /** Measures `word` (never throws: a failed extend is logged, the boot goes on). */
  measure(word: PhaseWord): void {
    if (!this.sys.exists(TPM_DEVICE)) {
      if (!this.saidNoTpm) this.log.notice(`no TPM (${TPM_DEVICE}): boot phases not measured`);
      this.saidNoTpm = true;
      return;
    }
    try {
      this.extend(word);
      const value = this.sys.readFile(PCR11_SHA256)?.trim().toLowerCase() ?? "unknown (no sha256 bank)";
      this.log.notice(`PCR ${PHASE_PCR} after ${word}: sha256=${value}`);
    } catch (error) {
      this.log.error(`measure ${word} into PCR ${PHASE_PCR}: ${why(error)}`);
    }
  }

  private extend(word: PhaseWord): void {
    const command = pcrEventCommand(PHASE_PCR, asciiBytes(word));
    for (let attempt = 1; ; attempt++) {
      const rc = responseCode(this.sys.tpmTransmit(TPM_DEVICE, command));
      if (rc === 0) return;
      if (!RETRY_CODES.has(rc) || attempt === ATTEMPTS) throw new Error(`TPM2_PCR_Event: response code 0x${rc.toString(16)}`);
    }
  }
}
