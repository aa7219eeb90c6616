/**
 * Command-line helpers shared by the devnet and the keeper.
 */

/**
 * Writes `--flag -1` as `--flag=-1` for the flags that take a value, so that a negative number reaches the flag's
 * own check ("must be ≥ 0") instead of Node's `parseArgs` error "argument is ambiguous".
 * @param argv The arguments as given.
 * @param valueFlags The flags that take a value, as written (`--steps`).
 */
export function joinNegativeValues(argv: readonly string[], valueFlags: ReadonlySet<string>): string[] {
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (valueFlags.has(argv[i]) && next !== undefined && /^-\.?\d/.test(next)) {
      joined.push(`${argv[i]}=${next}`);
      i++;
    } else {
      joined.push(argv[i]);
    }
  }
  return joined;
}
