// `--secrets client`: the editor keeps credentials in VS Code's SecretStorage and the server asks
// for them over the protocol when it needs one.
import type { z } from 'zod';
import * as Protocol from '../protocol';
import { credentialKey, type CredentialStore } from './credentialStore';

/** Sends a request to the editor and resolves with its raw answer. */
export type AskClient = <P extends z.ZodType, R extends z.ZodType>(definition: Protocol.RequestDefinition<P, R>, params: z.input<P>) => Promise<unknown>;

export class ClientCredentials implements CredentialStore {
  constructor(private readonly ask: AskClient) {}

  async get(integrationId: string): Promise<string | null> {
    const answer = Protocol.SecretsGet.result.parse(await this.ask(Protocol.SecretsGet, { key: credentialKey(integrationId) }));
    return answer.value;
  }

  async set(integrationId: string, secret: string | null): Promise<void> {
    await this.ask(Protocol.SecretsStore, { key: credentialKey(integrationId), value: secret });
  }
}
