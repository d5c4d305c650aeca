/**
 * Kconfig fragments and the check that every option they ask for survived
 * into the final .config (merge_config.sh and olddefconfig only warn when
 * Kconfig drops or changes one). Pure functions over text, no Dagger.
 */

/** One option a fragment asks for, with where it asked. */
export interface ConfigRequest {
  option: string;
  /** "y", "m", "n" (from `# CONFIG_X is not set`), a number or a quoted string, as written. */
  value: string;
  file: string;
  line: number;
}

const ASSIGNMENT = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/;
const NOT_SET = /^# (CONFIG_[A-Za-z0-9_]+) is not set$/;
const VALUE = /^(y|m|-?\d+|0x[0-9a-fA-F]+|"([^"\\]|\\.)*")$/;

/**
 * The options in a fragment, in order. Blank lines and `#` comments are
 * skipped; any other line must be `CONFIG_X=value` or `# CONFIG_X is not set`,
 * else the fragment is rejected naming the file and line.
 */
export function parseFragment(file: string, text: string): ConfigRequest[] {
  const requests: ConfigRequest[] = [];
  text.split("\n").forEach((raw, index) => {
    const line = raw.trim();
    const at = `${file}:${index + 1}`;
    const notSet = NOT_SET.exec(line);
    if (notSet) {
      requests.push({ option: notSet[1], value: "n", file, line: index + 1 });
      return;
    }
    if (line === "" || line.startsWith("#")) return;
    const assignment = ASSIGNMENT.exec(line);
    if (!assignment) {
      throw new Error(`${at}: expected CONFIG_NAME=value or "# CONFIG_NAME is not set", found ${JSON.stringify(raw)}`);
    }
    const [, option, value] = assignment;
    if (value === "n") {
      throw new Error(`${at}: ${option}=n is not Kconfig syntax: write "# ${option} is not set"`);
    }
    if (!VALUE.test(value)) {
      throw new Error(`${at}: ${option}: expected y, m, a number or a "quoted string", found ${JSON.stringify(value)}`);
    }
    requests.push({ option, value, file, line: index + 1 });
  });
  return requests;
}

/**
 * What the fragments ask for once merged in order, as merge_config.sh does:
 * a later fragment (or a later line) overrides an earlier one.
 */
export function mergedRequests(fragments: { file: string; text: string }[]): Map<string, ConfigRequest> {
  const merged = new Map<string, ConfigRequest>();
  for (const { file, text } of fragments) {
    for (const request of parseFragment(file, text)) {
      merged.delete(request.option); // keep insertion order = order of the last request
      merged.set(request.option, request);
    }
  }
  return merged;
}

/** The values of a final .config; options it does not set are absent. */
export function parseDotConfig(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const assignment = ASSIGNMENT.exec(line);
    if (assignment) values.set(assignment[1], assignment[2]);
    const notSet = NOT_SET.exec(line);
    if (notSet) values.set(notSet[1], "n");
  }
  return values;
}

/** One option the final .config does not have as asked. */
export interface ConfigMismatch {
  request: ConfigRequest;
  /** Its value in the final .config; "n" when it is not set or absent. */
  found: string;
}

/** Every merged request whose value the final .config does not have. */
export function unmetRequests(
  fragments: { file: string; text: string }[],
  dotConfig: string,
): ConfigMismatch[] {
  const final = parseDotConfig(dotConfig);
  const unmet: ConfigMismatch[] = [];
  for (const request of mergedRequests(fragments).values()) {
    const found = final.get(request.option) ?? "n";
    if (found !== request.value) unmet.push({ request, found });
  }
  return unmet;
}

const describe = (value: string) => (value === "n" ? "not set" : value);

/** A message naming each option, where it was asked for, what was asked and what came out. */
export function describeUnmet(unmet: ConfigMismatch[]): string {
  const lines = unmet.map(
    ({ request, found }) =>
      `  ${request.option}: ${request.file}:${request.line} asks for ${describe(request.value)}, final .config has ${describe(found)}`,
  );
  return [
    `kernel config: ${unmet.length} option(s) from the fragments are not in the final .config as asked ` +
      `(an unmet dependency, a missing option or a select overrode them):`,
    ...lines,
  ].join("\n");
}

/**
 * A fragment's file name: a letter or digit first, then letters, digits,
 * ".", "_" or "-", ending in .config (e.g. 90-wireguard.config).
 */
export function checkFragmentName(name: string): void {
  if (!/^[0-9A-Za-z][0-9A-Za-z._-]*\.config$/.test(name)) {
    throw new Error(`withFragment: name ${JSON.stringify(name)}: expected a file name ending in .config (e.g. 90-wireguard.config)`);
  }
}
