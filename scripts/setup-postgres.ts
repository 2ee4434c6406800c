// Installs Debian's PostgreSQL when it is missing, for the team server's tests (`npm run setup`).
import { installPostgres } from './lib/postgres';

installPostgres().catch((error: unknown) => {
  process.stderr.write(`\n${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
