// The real OpenTofu and Terraform outputs in ../shared/fixtures/terraform (read-only; its README says
// where each came from): every plan document (`show -json`), the `-json` UI streams, and the
// configuration (`.tf` files) each plan was made from.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

export const TERRAFORM_FIXTURES = path.resolve(__dirname, '../../../shared/fixtures/terraform');
export const UI_JSON = path.join(TERRAFORM_FIXTURES, 'opentofu-ui-json');

export interface PlanFixture {
  /** `opentofu-show-json/requires-replace`, `terraform-json/basic@plan-0.15`: folder, case, and the file when a case has more than one. */
  id: string;
  folder: 'opentofu-show-json' | 'terraform-json';
  name: string;
  /** The plan document's path. */
  file: string;
  /** The case's folder, holding its `.tf` files (none for `terraform-json/action_reason`). */
  dir: string;
}

/** Files of a case that are plans (`show -json` of a plan file), as opposed to states. */
const PLAN_FILES: Record<PlanFixture['folder'], RegExp> = {
  'opentofu-show-json': /^output(-refresh-only)?\.json$/,
  'terraform-json': /^plan(-[\d.]+)?\.json$/,
};
const DEFAULT_FILE: Record<PlanFixture['folder'], string> = { 'opentofu-show-json': 'output.json', 'terraform-json': 'plan.json' };

/** Every plan document in both folders, in a stable order. */
export function planFixtures(): PlanFixture[] {
  const fixtures: PlanFixture[] = [];
  for (const folder of ['opentofu-show-json', 'terraform-json'] as const) {
    for (const name of readdirSync(path.join(TERRAFORM_FIXTURES, folder)).sort()) {
      const dir = path.join(TERRAFORM_FIXTURES, folder, name);
      if (!statSync(dir).isDirectory()) continue;
      for (const file of readdirSync(dir).sort()) {
        if (!PLAN_FILES[folder].test(file)) continue;
        const variant = file === DEFAULT_FILE[folder] ? '' : `@${file.replace(/\.json$/, '')}`;
        fixtures.push({ id: `${folder}/${name}${variant}`, folder, name, file: path.join(dir, file), dir });
      }
    }
  }
  return fixtures;
}

export function planFixture(id: string): PlanFixture {
  const fixture = planFixtures().find((candidate) => candidate.id === id);
  if (!fixture) throw new Error(`No plan fixture ${id}`);
  return fixture;
}

/** The `.tf` files under a folder, by path relative to it ('/'-separated), sorted. */
export function tfFilesOf(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (at: string) => {
    for (const entry of readdirSync(path.join(dir, at), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const relative = at ? `${at}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(relative);
      else if (entry.name.endsWith('.tf')) files[relative] = readFileSync(path.join(dir, relative), 'utf8');
    }
  };
  if (existsSync(dir)) walk('');
  return files;
}
