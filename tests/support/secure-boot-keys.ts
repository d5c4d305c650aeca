/** Throw-away Secure Boot keys (PK, KEK, db) for tests, made with openssl on the host. */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { dag, type File, type Secret } from "@dagger.io/dagger";

export interface TestKeys {
  dir: string;
  /** PEM private key of db, the signing key. */
  dbKeyPath: string;
  dbKeyPem: string;
  certs: { pk: string; kek: string; db: string };
  remove(): void;
}

export function makeTestKeys(): TestKeys {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kios-sb-keys-"));
  for (const name of ["PK", "KEK", "db"]) {
    execFileSync("openssl", [
      "req", "-new", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "30",
      "-subj", `/CN=kiOS test ${name}/`, "-keyout", path.join(dir, `${name}.key`), "-out", path.join(dir, `${name}.crt`),
    ], { stdio: "ignore" });
  }
  const dbKeyPath = path.join(dir, "db.key");
  return {
    dir,
    dbKeyPath,
    dbKeyPem: fs.readFileSync(dbKeyPath, "utf8"),
    certs: { pk: path.join(dir, "PK.crt"), kek: path.join(dir, "KEK.crt"), db: path.join(dir, "db.crt") },
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** The db key as a Dagger Secret and its certificate as a File: what `sign` and `build` take. */
export function daggerSigning(keys: TestKeys): { key: Secret; cert: File } {
  return { key: dag.secret(`file://${keys.dbKeyPath}`), cert: dag.host().file(keys.certs.db) };
}

/** A throw-away kernel module signing key: RSA key and certificate in one PEM file, as a Dagger Secret. */
export function makeModuleSigningKey(dir: string): { path: string; secret: () => Secret } {
  const key = path.join(dir, "module.key");
  const crt = path.join(dir, "module.crt");
  execFileSync("openssl", [
    "req", "-new", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "30",
    "-subj", "/CN=kiOS test module signing/", "-addext", "basicConstraints=critical,CA:FALSE",
    "-addext", "keyUsage=digitalSignature", "-keyout", key, "-out", crt,
  ], { stdio: "ignore" });
  const pem = path.join(dir, "module.pem");
  fs.writeFileSync(pem, fs.readFileSync(key, "utf8") + fs.readFileSync(crt, "utf8"), { mode: 0o600 });
  return { path: pem, secret: () => dag.secret(`file://${pem}`) };
}
