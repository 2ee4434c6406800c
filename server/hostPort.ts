// `host:port` as a URL or `--listen` writes it: an IPv6 host goes in brackets (`[::1]:8787`).
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
