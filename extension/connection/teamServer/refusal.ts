// A team server's refusal of the WebSocket upgrade, as the extension tells it.

/** The server answered the upgrade with an HTTP status: 401 is a token to replace, not a network fault. */
export class TeamRefusal extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(status === 401 ? 'The team server refused the token: it is wrong, expired or revoked.' : `The team server refused the connection (HTTP ${status}): ${detail}`);
    this.name = 'TeamRefusal';
  }
}
