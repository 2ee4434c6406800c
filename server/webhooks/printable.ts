// Branch names, repository names and request ids come from the network. Before they go into a
// delivery's reason or a log line, control characters go and length is capped, so a crafted value
// cannot forge log lines or bloat the delivery log.
export function printable(text: string, max = 120): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** The first 12 hex digits, as people quote commits. */
export function shortCommit(hash: string | null): string {
  return hash ? printable(hash, 40).slice(0, 12) : 'unknown commit';
}
