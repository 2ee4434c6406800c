// Finding a resource's `resource` block in the run's checkout (server/plans/hclBlocks.ts,
// resourceLocations.ts): on every fixture's .tf files, modules included, against the plans OpenTofu
// and Terraform made of them; and the scanner on what could fool it (comments, strings, templates,
// heredocs), module sources that are not local or leave the repository.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { scanHclBlocks } from '../../../server/plans/hclBlocks';
import { ResourceLocator, moduleNames } from '../../../server/plans/resourceLocations';

const FIXTURES = path.join(__dirname, '../../../../shared/fixtures/terraform');

interface Change {
  address: string;
  mode: string;
  type: string;
  name: string;
  module_address?: string;
}

function fixturePlans(): { dir: string; plan: string; changes: Change[] }[] {
  const found: { dir: string; plan: string; changes: Change[] }[] = [];
  for (const set of ['opentofu-show-json', 'terraform-json']) {
    for (const name of readdirSync(path.join(FIXTURES, set))) {
      const dir = path.join(FIXTURES, set, name);
      for (const plan of readdirSync(dir).filter((file) => /^(output|plan)[\w.-]*\.json$/.test(file))) {
        const parsed = JSON.parse(readFileSync(path.join(dir, plan), 'utf8')) as { resource_changes?: Change[] };
        found.push({ dir, plan: `${set}/${name}/${plan}`, changes: (parsed.resource_changes ?? []).filter((change) => change.mode === 'managed') });
      }
    }
  }
  return found;
}

const lineOf = (dir: string, file: string, line: number) => readFileSync(path.join(dir, file), 'utf8').split('\n')[line - 1] ?? '';

describe('plans: where a resource is declared', () => {
  it('every fixture: each planned resource found sits on its own `resource "type" "name"` line, in its module\'s folder', async () => {
    const plans = fixturePlans();
    assert.ok(plans.length >= 20, `${plans.length} fixture plans`);
    let located = 0;
    for (const { dir, plan, changes } of plans) {
      const locator = new ResourceLocator(dir, '');
      for (const change of changes) {
        const where = await locator.locate(change.module_address ?? '', change.type, change.name);
        if (!where?.line) continue;
        const text = lineOf(dir, where.path, where.line);
        const declared = new RegExp(`^\\s*resource\\s+"${change.type}"\\s+"${change.name}"\\s*\\{`).test(text);
        const onModuleCall = /^\s*module\s+"/.test(text);
        assert.ok(declared || onModuleCall, `${plan}: ${change.address} placed on ${where.path}:${where.line}, which reads ${JSON.stringify(text)}`);
        if (declared) {
          located += 1;
          assert.equal(path.posix.dirname(where.path) === '.', moduleNames(change.module_address ?? '').length === 0, `${plan}: ${change.address} is in its module's folder`);
        }
      }
    }
    assert.ok(located >= 40, `${located} resources located on their block`);
  });

  it('nested local modules are followed; a module whose folder is missing places its resources on the module call', async () => {
    const nested = new ResourceLocator(path.join(FIXTURES, 'opentofu-show-json/nested-modules'), '');
    assert.deepEqual(await nested.locate('module.my_module.module.more', 'test_instance', 'test'), { path: 'modules/more-modules/main.tf', line: 5 });
    // has_checks calls ./child_module, but the folder is spelt child_moodule.
    const checks = new ResourceLocator(path.join(FIXTURES, 'terraform-json/has_checks'), '');
    assert.deepEqual(await checks.locate('module.files', 'local_file', 'foo'), { path: 'main.tf', line: 1 });
    const basic = new ResourceLocator(path.join(FIXTURES, 'opentofu-show-json/basic-delete'), '');
    assert.equal(await basic.locate('', 'test_instance', 'test-delete'), null, 'a resource with no block left (deleted from the code) has no line');
  });

  it('the scanner: braces and block words inside comments, strings, templates and heredocs are not blocks', () => {
    const text = [
      '# resource "fake" "one" {',
      '// resource "fake" "two" {',
      '/* resource "fake" "three" {',
      '   } */',
      'locals {',
      '  a = "resource \\"fake\\" \\"four\\" { }"',
      '  b = "${jsonencode({ x = "}" })} { ${"{"}"',
      '  c = <<-EOT',
      '    resource "fake" "five" {',
      '    }',
      '    EOT',
      '  d = <<EOF',
      '}',
      'EOF',
      '  e = { for k, v in var.m : k => "${v}}" }',
      '}',
      '',
      'resource "aws_instance" "web" {',
      '  user_data = <<-EOT',
      '    #!/bin/sh',
      '    echo "}"',
      '  EOT',
      '  lifecycle { create_before_destroy = true }',
      '}',
      'module "net" {',
      '  source = "./modules/net" # where it lives',
      '  name   = "x"',
      '}',
      'module "registry" {',
      '  source  = "terraform-aws-modules/vpc/aws"',
      '}',
      'resource aws_s3_bucket logs {',
      '}',
    ].join('\n');
    const blocks = scanHclBlocks(text);
    assert.deepEqual(
      blocks.map((b) => [b.type, b.labels.join('.'), b.line, b.source]),
      [
        ['locals', '', 5, undefined],
        ['resource', 'aws_instance.web', 18, undefined],
        ['module', 'net', 25, './modules/net'],
        ['module', 'registry', 29, 'terraform-aws-modules/vpc/aws'],
        ['resource', 'aws_s3_bucket.logs', 32, undefined],
      ],
    );
  });

  it('a broken file ends the scan without hanging; a huge one is linear', () => {
    for (const broken of ['resource "a" "b" {', 'resource "a" "b" { x = "unclosed', 'x = <<EOF\nnever closed', '/* never closed', 'resource "a" "b" { c = "${', '}}}}{{{{"']) {
      assert.doesNotThrow(() => scanHclBlocks(broken), broken);
    }
    const many = Array.from({ length: 20_000 }, (_, i) => `resource "t" "r${i}" {\n  x = "${i}"\n}`).join('\n');
    const started = Date.now();
    assert.equal(scanHclBlocks(many).length, 20_000);
    assert.ok(Date.now() - started < 2_000, 'scanned in linear time');
  });

  it('a module source outside the repository, or from a registry, is not read: its resources go on the call', async () => {
    const repo = mkdtempSync(path.join(tmpdir(), 'stackhook-locate-'));
    try {
      mkdirSync(path.join(repo, 'envs/prod'), { recursive: true });
      mkdirSync(path.join(repo, 'modules/db'), { recursive: true });
      writeFileSync(path.join(repo, 'envs/prod/main.tf'), 'module "db" {\n  source = "../../modules/db"\n}\n\nmodule "escape" {\n  source = "../../../outside"\n}\nmodule "vpc" {\n  source = "git::https://example.com/vpc.git"\n}\n');
      writeFileSync(path.join(repo, 'modules/db/main.tf'), '\n\nresource "aws_db_instance" "main" {\n}\n');
      const locator = new ResourceLocator(repo, 'envs/prod');
      assert.deepEqual(await locator.locate('module.db', 'aws_db_instance', 'main'), { path: 'modules/db/main.tf', line: 3 }, 'a path relative to the repository, from a project root below it');
      assert.deepEqual(await locator.locate('module.escape', 'aws_instance', 'x'), { path: 'envs/prod/main.tf', line: 5 });
      assert.deepEqual(await locator.locate('module.vpc["eu"]', 'aws_vpc', 'this'), { path: 'envs/prod/main.tf', line: 8 });
      assert.equal(await locator.locate('module.unknown', 'aws_vpc', 'this'), null);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});
