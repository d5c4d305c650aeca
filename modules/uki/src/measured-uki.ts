/** The result object of Uki.measuredUki: the UKI and what a verifier needs to know about it. */
import { File, field, object } from "@dagger.io/dagger";

/** A UKI with a signed PCR 11 policy (.pcrsig, .pcrpkey) and the values PCR 11 will read at each boot phase. */
@object()
export class MeasuredUki {
  /** The unsigned UKI (Secure Boot signing comes after, with `sign`). */
  @field() uki: File;
  /** ukify's prediction: {"pcr":11,"bank":"sha256","phases":{"enter-initrd":"<hex>",...}} for the four boot phase paths. */
  @field() pcr11: File;
  /** The PCR public key (PEM), as embedded in .pcrpkey. */
  @field() pcrPublicKey: File;

  /**
   * @param uki the UKI
   * @param pcr11 the predicted PCR 11 values (JSON)
   * @param pcrPublicKey the PCR public key (PEM)
   */
  constructor(uki: File, pcr11: File, pcrPublicKey: File) {
    this.uki = uki;
    this.pcr11 = pcr11;
    this.pcrPublicKey = pcrPublicKey;
  }
}
