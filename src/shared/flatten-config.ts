/** Flattening a parsed config for compare tables. Pure: no `vscode`, no Node, no DOM. */

/** `{a: {b: 1}}` -> `{'a.b': '1'}` (lists and scalars as compact JSON, strings as they are). */
export function flattenConfig(
  value: unknown,
  prefix = '',
  out: Record<string, string> = {},
): Record<string, string> {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>))
      flattenConfig(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = typeof value === 'string' ? value : JSON.stringify(value ?? null);
  }
  return out;
}
