// Where a plan's resources are declared in the run's checkout: the file and line of each resource's
// `resource "type" "name"` block, found by reading the `.tf` files of its module, following module
// calls whose source is a local path (`./…`, `../…`). A resource in a module from elsewhere (a
// registry, git) is placed on its module call; one whose block cannot be found, on the nearest module
// call that can, or nowhere. Paths are relative to the repository and never leave it: the checkout is
// the repository's code, so a `source = "../../../etc"` is a module Stackhook does not read.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { scanHclBlocks, type HclBlock } from './hclBlocks';

/** A place in the repository: a path from its root (`/`-separated) and a line from 1. */
export interface SourceLocation {
  path: string;
  line?: number;
}

/** Files larger than this are not read (a generated file would only cost time). */
const MAX_TF_FILE = 4 * 1024 * 1024;
/** Module folders read per plan; past it, resources are placed as if their module could not be read. */
const MAX_MODULE_FOLDERS = 200;

interface ModuleFolder {
  /** Repository-relative folder, "" for the repository root. */
  folder: string;
  resources: Map<string, SourceLocation>;
  calls: Map<string, { location: SourceLocation; source: string | undefined }>;
}

/** `module.a["x"].module.b[0]` → `['a', 'b']`. */
export function moduleNames(module: string): string[] {
  const names: string[] = [];
  const pattern = /module\.([A-Za-z0-9_-]+)(\[[^\]]*\])?/g;
  for (let match = pattern.exec(module); match; match = pattern.exec(module)) names.push(match[1] as string);
  return names;
}

const isLocalSource = (source: string) => source.startsWith('./') || source.startsWith('../') || source === '.' || source === '..';

export class ResourceLocator {
  private readonly folders = new Map<string, Promise<ModuleFolder | null>>();

  /** `repository`: the checkout's root; `projectRoot`: the root module's folder inside it ("" for the root). */
  constructor(
    private readonly repository: string,
    private readonly projectRoot: string,
  ) {}

  /** Where the resource `type.name` of `module` (`""` for the root module) is declared, if anywhere. */
  async locate(module: string, type: string, name: string): Promise<SourceLocation | null> {
    let folder = await this.folder(normalise(this.projectRoot));
    let nearest: SourceLocation | null = null;
    for (const call of moduleNames(module)) {
      if (!folder) return nearest;
      const found = folder.calls.get(call);
      if (!found) return nearest;
      nearest = found.location;
      if (found.source === undefined || !isLocalSource(found.source)) return nearest;
      const next = normalise(path.posix.join(folder.folder, found.source));
      folder = next === null ? null : await this.folder(next);
    }
    return folder?.resources.get(`${type}.${name}`) ?? nearest;
  }

  private folder(folder: string | null): Promise<ModuleFolder | null> {
    if (folder === null) return Promise.resolve(null);
    const known = this.folders.get(folder);
    if (known) return known;
    if (this.folders.size >= MAX_MODULE_FOLDERS) return Promise.resolve(null);
    const read = this.read(folder);
    this.folders.set(folder, read);
    return read;
  }

  private async read(folder: string): Promise<ModuleFolder | null> {
    const root = await fs.realpath(this.repository).catch(() => null);
    const real = await fs.realpath(path.join(this.repository, folder)).catch(() => null);
    if (root === null || real === null || (real !== root && !real.startsWith(`${root}${path.sep}`))) return null;
    const names = (await fs.readdir(real, { withFileTypes: true }).catch(() => []))
      .filter((entry) => entry.isFile() && entry.name.endsWith('.tf'))
      .map((entry) => entry.name)
      .sort();
    const module: ModuleFolder = { folder, resources: new Map(), calls: new Map() };
    for (const name of names) {
      const file = path.join(real, name);
      const size = (await fs.stat(file).catch(() => null))?.size ?? Infinity;
      if (size > MAX_TF_FILE) continue;
      const text = await fs.readFile(file, 'utf8').catch(() => null);
      if (text === null) continue;
      const where = folder === '' ? name : `${folder}/${name}`;
      for (const block of scanHclBlocks(text)) remember(module, block, where);
    }
    return module;
  }
}

function remember(module: ModuleFolder, block: HclBlock, file: string): void {
  const location = { path: file, line: block.line };
  if (block.type === 'resource' && block.labels.length === 2) {
    const key = `${block.labels[0]}.${block.labels[1]}`;
    if (!module.resources.has(key)) module.resources.set(key, location);
  } else if (block.type === 'module' && block.labels.length === 1) {
    const name = block.labels[0] as string;
    if (!module.calls.has(name)) module.calls.set(name, { location, source: block.source });
  }
}

/** A repository-relative folder, `/`-separated, "" for the root; null when it would leave the repository. */
function normalise(folder: string): string | null {
  const joined = path.posix.normalize(folder.replace(/\\/g, '/').replace(/^\/+/, '') || '.');
  if (joined === '.' || joined === './') return '';
  if (joined === '..' || joined.startsWith('../')) return null;
  return joined.replace(/\/+$/, '');
}

const LOCATED = new Set(['create', 'update', 'replace', 'delete', 'forget', 'import', 'move']);

/**
 * The plan with `location` on every row that changes something (what annotations and policy findings
 * point at), read from the checkout while it exists. Rows that do nothing are left as they are.
 */
export async function locatePlan<P extends { resources: { module: string; type: string; name: string; action: string; location?: SourceLocation }[] }>(
  plan: P,
  repository: string,
  projectRoot: string,
): Promise<P> {
  const locator = new ResourceLocator(repository, projectRoot);
  const resources = [];
  for (const row of plan.resources) {
    const location = LOCATED.has(row.action) ? await locator.locate(row.module, row.type, row.name) : null;
    resources.push(location ? { ...row, location } : row);
  }
  return { ...plan, resources };
}
