/** Readable failures: an ExecError carries the command and its output, which its message leaves out. */
export function explainDaggerError(error: unknown): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  const e = error as Error & { cmd?: string[]; exitCode?: number; stdout?: string; stderr?: string };
  if (e.cmd === undefined) return e;
  const tail = (text = "") => text.split("\n").slice(-40).join("\n");
  return new Error(
    `${e.message}\ncommand: ${e.cmd.join(" ")}\nexit code: ${e.exitCode}\n--- stderr (tail) ---\n${tail(e.stderr)}\n--- stdout (tail) ---\n${tail(e.stdout)}`,
    { cause: e },
  );
}
