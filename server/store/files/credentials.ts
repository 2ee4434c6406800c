// `--secrets file`: credentials in `<store>/credentials.json`, mode 0600, for headless hosts.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod';
import { writeFileAtomic } from '../atomicFile';
import { withFileLock } from '../fileLock';
import { credentialKey, type CredentialStore } from '../../secrets/credentialStore';

const CredentialsFile = z.record(z.string(), z.string());

export class FileCredentials implements CredentialStore {
  readonly file: string;

  constructor(folder: string) {
    this.file = path.join(folder, 'credentials.json');
  }

  async get(integrationId: string): Promise<string | null> {
    return (await this.read())[credentialKey(integrationId)] ?? null;
  }

  async set(integrationId: string, secret: string | null): Promise<void> {
    await withFileLock(this.file, async () => {
      await this.refuseLink();
      const all = await this.read();
      if (secret === null) delete all[credentialKey(integrationId)];
      else all[credentialKey(integrationId)] = secret;
      await writeFileAtomic(this.file, `${JSON.stringify(all, null, 1)}\n`);
    });
  }

  /**
   * A symbolic link would be replaced by the atomic write and its target left holding the old
   * credentials wherever it is, with whatever mode it has: refuse it, and say what to do.
   */
  private async refuseLink(): Promise<void> {
    const stats = await fs.lstat(this.file).catch(() => null);
    if (stats && !stats.isFile()) {
      throw new Error(
        `The credentials file ${this.file} is not a regular file (a symbolic link or another kind), so Stackhook will neither read nor replace it. ` +
          'Move the real file there (mode 0600) or remove the link, then try again.',
      );
    }
  }

  private async read(): Promise<Record<string, string>> {
    await this.refuseLink();
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch {
      return {};
    }
    const parsed = CredentialsFile.safeParse(safeJson(text));
    if (!parsed.success) {
      throw new Error(`The credentials file ${this.file} is not a JSON object of strings. Fix it or move it away and enter the credentials again.`);
    }
    return parsed.data;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
