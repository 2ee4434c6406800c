// `npm run package`: the production build, packaged as out/stackhook-<version>.vsix.
import { packageVsix } from './lib/packageVsix';

packageVsix().then(
  (vsix) => process.stdout.write(`${vsix}\n`),
  (error: unknown) => {
    process.stderr.write(`\n${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
