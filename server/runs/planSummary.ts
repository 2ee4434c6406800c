// The line of a plan's output that says what it would do, as OpenTofu and Terraform print it.
const PLAN_LINE = /^\s*(Plan: \d+ to add, \d+ to change, \d+ to destroy\.|No changes\.|Apply complete! Resources: \d+ added, \d+ changed, \d+ destroyed\.)/;

/** The last plan (or apply) line of the output, or null when it has none. */
export function planSummary(output: string): string | null {
  let found: string | null = null;
  for (const line of output.split('\n')) {
    // Colour codes (ESC [ … m) around the summary line are not part of it.
    // eslint-disable-next-line no-control-regex
    const match = PLAN_LINE.exec(line.replace(/\x1b\[[0-9;]*m/g, ''));
    if (match?.[1]) found = match[1];
  }
  return found;
}
