#!/usr/bin/env node
// A stand-in for the `tofu` (or, under that name, `terraform`) command, for tests: OpenTofu and
// Terraform cannot be installed where Stackhook's tests run, so this program answers what a runner
// asks (version, init, workspace, plan, show -json, apply) with what the real tool printed for the
// same configuration: the recorded outputs in the shared fixtures, carried next to it in
// standin-data/ (test/support/standinTofu/index.ts installs both into a test repository). It picks
// the recording by a hash of the `.tf` files in its working folder. Deterministic, no network, plain
// Node with no dependencies: a run's sandbox sees only its worktree, /usr and /tmp.
//
// Every invocation ends with one line on stderr, `[stand-in tofu] {json}`: its arguments (the values
// of -var redacted), its folder relative to the worktree, the names (never the values) of the TF_*,
// AWS_*, ARM_*, GOOGLE_* and AZURE_* variables it saw, the case, the workspace, and the SHA-256 of
// the plan file it wrote or was given. A file `standin-echo` beside the `.tf` files names one
// variable whose value plan and apply print (`[stand-in tofu] echo NAME=value`), for a test that
// proves a secret reached the tool and nowhere else.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');

const PROGRAM = path.basename(process.argv[1] || 'tofu') === 'terraform' ? 'terraform' : 'tofu';
const TOOL = PROGRAM === 'terraform' ? { name: 'Terraform', version: '1.9.8', module: 'terraform.ui', registry: 'registry.terraform.io' } : { name: 'OpenTofu', version: '1.9.0', module: 'tofu.ui', registry: 'registry.opentofu.org' };
const PREFIX = `[stand-in ${PROGRAM}]`;
const HERE = path.dirname(fs.realpathSync(process.argv[1] || __filename));
const DATA = path.join(HERE, 'standin-data');
/** The worktree it was checked out in: the nearest folder above it with a .git (a worktree's is a file), else its parent. */
const WORKTREE = (() => {
  for (let dir = path.dirname(HERE); dir !== path.dirname(dir); dir = path.dirname(dir)) if (fs.existsSync(path.join(dir, '.git'))) return dir;
  return path.dirname(HERE);
})();
const TIMESTAMP = '2025-01-01T00:00:00.000000Z';
const INTEGRITY_KEY = 'stackhook stand-in plan file';
/** Arguments as recorded: a -var's value is redacted (a variable's value may be a secret). */
const redacted = (args) => args.map((arg, i) => (args[i - 1] === '-var' || args[i - 1] === '--var' ? arg.replace(/=.*$/s, '=(redacted)') : arg.replace(/^(--?var=[^=]*)=.*$/s, '$1=(redacted)')));
const record = { argv: redacted(process.argv.slice(2)), cwd: '', env: [], case: null, workspace: null, planFile: null, exit: 0 };

class Failure extends Error {
  constructor(summary, detail, code = 1) {
    super(summary);
    this.detail = detail;
    this.code = code;
  }
}

// ---- output ---------------------------------------------------------------------------------------
let json = false;
const out = (text) => process.stdout.write(text);
const err = (text) => process.stderr.write(text);
const sortedMessage = (fields) => {
  const message = { '@level': fields['@level'] || 'info', '@message': fields['@message'], '@module': TOOL.module, '@timestamp': TIMESTAMP };
  for (const key of Object.keys(fields).filter((k) => !k.startsWith('@')).sort()) message[key] = fields[key];
  return JSON.stringify(message).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
};
const emit = (fields) => out(`${json ? sortedMessage(fields) : fields['@message']}\n`);
/** A recorded line, as the tool printed it, with the timestamp its tests strip put back. */
const replay = (line) => out(`${json ? line.replace(/("@module":"[^"]*",)/, `$1"@timestamp":"${TIMESTAMP}",`) : JSON.parse(line)['@message']}\n`);
function diagnose(diagnostic) {
  const label = diagnostic.severity === 'warning' ? 'Warning' : 'Error';
  if (json) return emit({ '@level': diagnostic.severity === 'warning' ? 'warn' : 'error', '@message': `${label}: ${diagnostic.summary}`, type: 'diagnostic', diagnostic });
  const where = diagnostic.range ? `\n  on ${diagnostic.range.filename} line ${diagnostic.range.start.line}` : '';
  err(`\n${label}: ${diagnostic.summary}\n${where}\n${diagnostic.detail ? `\n${diagnostic.detail}\n` : ''}`);
}
const fail = (summary, detail) => new Failure(summary, detail);

// ---- the working folder ---------------------------------------------------------------------------
const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');
/** The `.tf` files under the folder, as the recordings hash them: sorted paths, each path NUL content NUL. */
function configHash(dir) {
  const files = [];
  const walk = (at) => {
    for (const entry of fs.readdirSync(path.join(dir, at), { withFileTypes: true })) {
      const relative = at ? `${at}/${entry.name}` : entry.name;
      if (entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'terraform.tfstate.d') walk(relative);
      else if (entry.isFile() && entry.name.endsWith('.tf')) files.push(relative);
    }
  };
  walk('');
  files.sort();
  const hash = crypto.createHash('sha256');
  for (const file of files) hash.update(`${file}\0`).update(fs.readFileSync(path.join(dir, file))).update('\0');
  return { hash: hash.digest('hex'), count: files.length };
}

function carriedCases() {
  if (!fs.existsSync(DATA)) return [];
  return fs.readdirSync(DATA).filter((f) => f.endsWith('.json')).sort().map((f) => JSON.parse(fs.readFileSync(path.join(DATA, f), 'utf8')));
}

function findCase() {
  const { hash, count } = configHash('.');
  if (count === 0) throw fail('No configuration files', 'Plan requires configuration to be present. Planning without a configuration would mark everything for destruction, which is normally not what is desired. If you would like to destroy everything, run plan with the -destroy option. Otherwise, create a OpenTofu configuration file (.tf file) and try again.');
  let cases = carriedCases().filter((c) => c.configHash === hash);
  if (cases.length > 1 && fs.existsSync('terraform.tfstate')) {
    const state = sha256(fs.readFileSync('terraform.tfstate'));
    cases = cases.filter((c) => c.stateHash === state);
  }
  if (cases.length !== 1) {
    const carried = carriedCases().map((c) => c.id).join(', ') || 'none';
    throw fail('The stand-in has no recorded output for this configuration', `${cases.length > 1 ? 'Several recordings' : 'No recording'} match the ${count} .tf files here (hash ${hash.slice(0, 12)}). It carries: ${carried}. Push a fixture's .tf files unchanged, with the data of its case (standinFiles).`);
  }
  record.case = cases[0].id;
  return cases[0];
}

function requireInit(theCase) {
  if (fs.existsSync(path.join('.terraform', 'standin-initialized'))) return;
  const providers = theCase.providers.map((p) => `  - provider ${p.source}: required by this configuration but no version is selected`).join('\n');
  throw fail('Inconsistent dependency lock file', `The following dependency selections recorded in the lock file are inconsistent with the current configuration:\n${providers}\n\nTo make the initial dependency selections that will initialize the dependency lock file, run:\n  ${PROGRAM} init`);
}

const ENVIRONMENT = path.join('.terraform', 'environment');
function currentWorkspace() {
  if (process.env.TF_WORKSPACE) return process.env.TF_WORKSPACE;
  return fs.existsSync(ENVIRONMENT) ? fs.readFileSync(ENVIRONMENT, 'utf8').trim() || 'default' : 'default';
}
const workspaces = () => ['default', ...(fs.existsSync('terraform.tfstate.d') ? fs.readdirSync('terraform.tfstate.d').filter((w) => fs.statSync(path.join('terraform.tfstate.d', w)).isDirectory()).sort() : [])];
const stateFile = (workspace) => path.join('.terraform', 'standin', `state-${workspace}.json`);
const lineageOf = (theCase, workspace) => sha256(`${theCase.id}\0${workspace}`).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*$/, '$1-$2-$3-$4-$5');
const serialOf = (workspace) => (fs.existsSync(stateFile(workspace)) ? JSON.parse(fs.readFileSync(stateFile(workspace), 'utf8')).serial : 0);

// ---- the plan file: a zip archive, as the real one is ----------------------------------------------
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (data) => {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
function zip(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, text] of entries) {
    const data = Buffer.from(text);
    const nameBytes = Buffer.from(name);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0); header.writeUInt16LE(20, 4); header.writeUInt16LE(0x21, 12);
    header.writeUInt32LE(crc32(data), 14); header.writeUInt32LE(data.length, 18); header.writeUInt32LE(data.length, 22); header.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6); central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc32(data), 16); central.writeUInt32LE(data.length, 20); central.writeUInt32LE(data.length, 24); central.writeUInt16LE(nameBytes.length, 28); central.writeUInt32LE(offset, 42);
    locals.push(header, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += header.length + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(entries.length, 8); end.writeUInt16LE(entries.length, 10); end.writeUInt32LE(directory.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
/** The entries of a zip archive; throws Go's archive/zip errors, which the real tool quotes. */
function unzip(bytes) {
  const notZip = new Error('zip: not a valid zip file');
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 65557); i--) if (bytes.readUInt32LE(i) === 0x06054b50) { end = i; break; }
  if (end < 0) throw notZip;
  const entries = new Map();
  let at = bytes.readUInt32LE(end + 16);
  for (let n = bytes.readUInt16LE(end + 10); n > 0; n--) {
    if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== 0x02014b50) throw notZip;
    const crc = bytes.readUInt32LE(at + 16);
    const size = bytes.readUInt32LE(at + 20);
    const nameLength = bytes.readUInt16LE(at + 28);
    const name = bytes.subarray(at + 46, at + 46 + nameLength).toString();
    const local = bytes.readUInt32LE(at + 42);
    if (local + 30 > bytes.length || bytes.readUInt32LE(local) !== 0x04034b50) throw notZip;
    const start = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    entries.set(name, { data: bytes.subarray(start, start + size), crc });
    at += 46 + nameLength + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
  }
  return entries;
}
const signed = (payload) => crypto.createHmac('sha256', INTEGRITY_KEY).update(JSON.stringify(payload)).digest('hex');

/** A saved plan this stand-in wrote, or the real tool's kind of refusal. */
function loadPlan(file) {
  const loadError = (message) => fail(`Failed to load "${file}" as a plan file`, `Error: ${message}`);
  if (!fs.existsSync(file)) throw loadError(`stat ${file}: no such file or directory`);
  if (fs.statSync(file).isDirectory()) throw fail(`Failed to load "${file}" as a plan file`, 'The specified path is a directory, not a plan file. You can use the global -chdir flag to use this directory as the configuration root.');
  const bytes = fs.readFileSync(file);
  record.planFile = { path: file, sha256: sha256(bytes) };
  let entries;
  try {
    entries = unzip(bytes);
  } catch (error) {
    throw loadError(error.message);
  }
  const entry = entries.get('tfplan');
  if (!entry) throw loadError('the given file is not a valid plan file (it has no tfplan)');
  const readError = (why) => fail('Failed to read plan from plan file', `Cannot read the plan from the given plan file: ${why}.`);
  if (crc32(entry.data) !== entry.crc) throw readError('zip: checksum error');
  let plan;
  try {
    plan = JSON.parse(entry.data.toString());
  } catch {
    throw readError('unsupported plan file format');
  }
  const { integrity, ...payload } = plan;
  if (plan.format !== 'stackhook-standin-plan/1' || integrity !== signed(payload)) throw readError('the plan was not written by this stand-in, or was changed since (its integrity check failed)');
  return payload;
}

// ---- plan and apply, from the recorded show -json document ------------------------------------------
const UI_ACTIONS = { 'no-op': 'noop', create: 'create', read: 'read', update: 'update', delete: 'delete', forget: 'remove' };
const uiAction = (actions) => (actions.length === 2 ? 'replace' : UI_ACTIONS[actions[0]] || 'noop');
const REASONS = { replace_because_tainted: 'tainted', replace_by_request: 'requested', replace_because_cannot_update: 'cannot_update', replace_by_triggers: 'replace_triggered_by' };
const resourceOf = (address, moduleAddress, mode, type, name, index) => ({
  addr: address,
  module: moduleAddress || '',
  resource: moduleAddress ? address.slice(moduleAddress.length + 1) : address,
  implied_provider: String(type).split('_')[0],
  resource_type: type,
  resource_name: name,
  resource_key: index === undefined ? null : index,
});
const rcResource = (rc) => resourceOf(rc.address, rc.module_address, rc.mode, rc.type, rc.name, rc.index);
const moved = (rc) => rc.previous_address !== undefined && rc.previous_address !== rc.address;
const importing = (rc) => rc.change.importing !== undefined && rc.change.importing !== null;

function changeOf(rc) {
  let action = uiAction(rc.change.actions);
  const change = { resource: rcResource(rc) };
  if (moved(rc)) {
    if (action === 'noop') action = 'move';
    change.previous_resource = resourceOf(rc.previous_address, rc.module_address, rc.mode, rc.type, rc.previous_address.split('.').pop().replace(/\[.*$/, ''), undefined);
  }
  if (importing(rc) && action === 'noop') action = 'import';
  change.action = action;
  const reason = REASONS[rc.action_reason] || rc.action_reason;
  if (reason) change.reason = reason;
  if (importing(rc)) change.importing = { id: rc.change.importing.id };
  return change;
}

function outputsOf(doc) {
  const outputs = {};
  for (const name of Object.keys(doc.output_changes || {}).sort()) {
    const oc = doc.output_changes[name];
    const sensitive = oc.before_sensitive === true || oc.after_sensitive === true || doc.planned_values?.outputs?.[name]?.sensitive === true;
    outputs[name] = { sensitive, action: uiAction(oc.actions) };
  }
  return outputs;
}

function priorResources(doc) {
  const found = [];
  const walk = (module) => {
    for (const r of module?.resources || []) if (r.mode === 'managed') found.push({ r, module: module.address });
    for (const child of module?.child_modules || []) walk(child);
  };
  walk(doc.prior_state?.values?.root_module);
  return found;
}
const idOf = (values, sensitive) => (values && typeof values.id === 'string' && !(sensitive && sensitive.id === true) ? values.id : null);

function hasChanges(doc, mode) {
  if (doc.errored) return false;
  if ((doc.resource_changes || []).some((rc) => uiAction(rc.change.actions) !== 'noop' || moved(rc) || importing(rc))) return true;
  if (Object.values(doc.output_changes || {}).some((oc) => uiAction(oc.actions) !== 'noop')) return true;
  return mode === 'refresh-only' && (doc.resource_drift || []).length > 0;
}

function summaryMessage(counts, operation) {
  const changes = { add: counts.add, import: counts.import, change: counts.change, forget: counts.forget, remove: counts.remove, operation };
  const imports = counts.import > 0 ? `${counts.import} ${operation === 'plan' ? 'to import' : 'imported'}, ` : '';
  const forgets = counts.forget > 0 ? `, ${counts.forget} ${operation === 'plan' ? 'to forget' : 'forgotten'}` : '';
  const text = operation === 'plan' ? `Plan: ${imports}${counts.add} to add, ${counts.change} to change, ${counts.remove} to destroy${forgets}.` : `Apply complete! Resources: ${imports}${counts.add} added, ${counts.change} changed, ${counts.remove} destroyed${forgets}.`;
  return { '@message': text, type: 'change_summary', changes };
}

function countChanges(doc) {
  const counts = { add: 0, change: 0, remove: 0, import: 0, forget: 0 };
  for (const rc of doc.resource_changes || []) {
    const action = uiAction(rc.change.actions);
    if (rc.mode === 'data' && action === 'delete') continue;
    if (importing(rc)) counts.import++;
    if (action === 'create') counts.add++;
    else if (action === 'update') counts.change++;
    else if (action === 'delete') counts.remove++;
    else if (action === 'remove') counts.forget++;
    else if (action === 'replace') {
      counts.add++;
      counts.remove++;
    }
  }
  return counts;
}

const versionMessage = () => ({ '@message': `${TOOL.name} ${TOOL.version}`, type: 'version', [PROGRAM === 'terraform' ? 'terraform' : 'tofu']: TOOL.version, ui: '1.2' });

/** The plan's messages as OperationJSON.Plan writes them (internal/command/views/operation.go). */
function planStream(theCase, doc, mode) {
  emit(versionMessage());
  for (const { r, module } of priorResources(doc)) {
    const resource = resourceOf(r.address, module, r.mode, r.type, r.name, r.index);
    const id = idOf(r.values, r.sensitive_values);
    const idFields = id ? { id_key: 'id', id_value: id } : {};
    emit({ '@message': `${r.address}: Refreshing state...${id ? ` [id=${id}]` : ''}`, type: 'refresh_start', hook: { resource, ...idFields } });
    emit({ '@message': `${r.address}: Refresh complete${id ? ` [id=${id}]` : ''}`, type: 'refresh_complete', hook: { resource, ...idFields } });
  }
  for (const rc of doc.resource_drift || []) {
    const change = changeOf(rc);
    if (change.action !== 'noop' || mode === 'refresh-only') emit({ '@message': `${rc.address}: Drift detected (${change.action})`, type: 'resource_drift', change });
  }
  for (const rc of mode === 'refresh-only' ? [] : doc.resource_changes || []) {
    const change = changeOf(rc);
    if (rc.mode === 'data' && change.action === 'delete') continue;
    if (change.action !== 'noop') emit({ '@message': `${rc.address}: Plan to ${change.action}`, type: 'planned_change', change });
  }
  emit(summaryMessage(mode === 'refresh-only' ? { add: 0, change: 0, remove: 0, import: 0, forget: 0 } : countChanges(doc), 'plan'));
  const outputs = outputsOf(doc);
  if (Object.keys(outputs).length > 0) emit({ '@message': `Outputs: ${Object.keys(outputs).length}`, type: 'outputs', outputs });
  for (const diagnostic of theCase.diagnostics || []) diagnose(diagnostic);
  if (mode === 'refresh-only') {
    // In a refresh-only plan a failed condition is a warning (OpenTofu's checkable descriptions).
    const kinds = { ResourcePrecondition: 'Resource precondition', ResourcePostcondition: 'Resource postcondition', OutputPrecondition: 'Module output value precondition', CheckAssertion: 'Check block assertion' };
    for (const c of doc.condition_results || []) if (c.result === false) diagnose({ severity: 'warning', summary: `${kinds[c.condition_type] || 'Condition'} failed`, detail: c.error_message || '', address: c.address });
  }
}

/** The apply of a saved plan: its changes, each one's hooks, the summary and the outputs. */
function applyStream(doc) {
  emit(versionMessage());
  const changes = (doc.resource_changes || []).filter((rc) => !(rc.mode === 'data' && uiAction(rc.change.actions) === 'delete'));
  for (const rc of changes) if (uiAction(rc.change.actions) !== 'noop') emit({ '@message': `${rc.address}: Plan to ${changeOf(rc).action}`, type: 'planned_change', change: changeOf(rc) });
  const verbs = { create: ['Creating', 'Creation'], update: ['Modifying', 'Modifications'], delete: ['Destroying', 'Destruction'], read: ['Refreshing', 'Refresh'], remove: ['Removing', 'Removal'] };
  for (const rc of changes) {
    const steps = rc.change.actions.map((a) => UI_ACTIONS[a]).filter((a) => a && a !== 'noop');
    for (const action of steps) {
      const resource = rcResource(rc);
      const before = action === 'create' ? null : idOf(rc.change.before, rc.change.before_sensitive);
      const after = action === 'create' || action === 'update' || action === 'read' ? idOf(rc.change.after, rc.change.after_sensitive) || `standin-${sha256(rc.address).slice(0, 8)}` : null;
      const [start, noun] = verbs[action];
      emit({ '@message': `${rc.address}: ${start}...${before ? ` [id=${before}]` : ''}`, type: 'apply_start', hook: { resource, action, ...(before ? { id_key: 'id', id_value: before } : {}) } });
      emit({ '@message': `${rc.address}: ${noun} complete after 0s${after ? ` [id=${after}]` : ''}`, type: 'apply_complete', hook: { resource, action, ...(after ? { id_key: 'id', id_value: after } : {}), elapsed_seconds: 0 } });
    }
  }
  emit(summaryMessage(countChanges(doc), 'apply'));
  const outputs = {};
  for (const [name, output] of Object.entries(doc.planned_values?.outputs || {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    outputs[name] = output.sensitive ? { sensitive: true, ...(output.type ? { type: output.type } : {}) } : { sensitive: false, ...(output.type ? { type: output.type } : {}), ...('value' in output ? { value: output.value } : {}) };
  }
  emit({ '@message': `Outputs: ${Object.keys(outputs).length}`, type: 'outputs', outputs });
}

function echoVariable() {
  if (!fs.existsSync('standin-echo')) return;
  const name = fs.readFileSync('standin-echo', 'utf8').trim();
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return err(`${PREFIX} echo: "standin-echo" does not name a variable\n`);
  err(process.env[name] === undefined ? `${PREFIX} echo ${name} is not set\n` : `${PREFIX} echo ${name}=${process.env[name]}\n`);
}

// ---- commands -----------------------------------------------------------------------------------------
/** Flags as Go's flag package reads them: -name, -name=value, or -name value for the ones that take one. */
function parseFlags(args, known, takesValue) {
  const flags = {};
  const positional = [];
  for (let i = 0; i < args.length; i++) {
    const match = /^--?([^=]+)(?:=(.*))?$/s.exec(args[i]);
    if (!match) {
      positional.push(args[i]);
      continue;
    }
    const [, name, inline] = match;
    if (!known.includes(name)) throw fail('Failed to parse command-line flags', `flag provided but not defined: -${name}`);
    const value = inline !== undefined ? inline : takesValue.includes(name) ? args[++i] : 'true';
    (flags[name] = flags[name] || []).push(value);
  }
  return { flags, positional };
}
const OPERATION_FLAGS = ['input', 'json', 'no-color', 'lock', 'lock-timeout', 'parallelism', 'var', 'var-file', 'compact-warnings', 'concise', 'refresh', 'target', 'replace'];
const VALUE_FLAGS = ['var', 'var-file', 'parallelism', 'lock-timeout', 'target', 'replace', 'out', 'state', 'backup'];

function checkOperationFlags(flags) {
  for (const value of flags.parallelism || []) if (!/^[1-9]\d*$/.test(value)) throw fail('Invalid parallelism', `The -parallelism value must be a positive whole number, not "${value}".`);
  for (const file of flags['var-file'] || []) {
    if (!fs.existsSync(file)) throw fail('Failed to read variables file', `Given variables file ${file} does not exist.`);
    record.varFiles = (record.varFiles || []).concat({ file, names: [...fs.readFileSync(file, 'utf8').matchAll(/^\s*([A-Za-z_][\w-]*)\s*=/gm)].map((m) => m[1]) });
  }
}

function version(args) {
  const { flags } = parseFlags(args, ['json'], []);
  const selections = fs.existsSync('.terraform.lock.hcl') ? Object.fromEntries([...fs.readFileSync('.terraform.lock.hcl', 'utf8').matchAll(/provider "([^"]+)" \{\s*version\s*=\s*"([^"]+)"/g)].map((m) => [m[1], m[2]])) : {};
  if (flags.json) return out(`${JSON.stringify({ terraform_version: TOOL.version, platform: 'linux_amd64', provider_selections: selections, ...(PROGRAM === 'terraform' ? { terraform_outdated: false } : {}) }, null, 2)}\n`);
  out(`${TOOL.name} v${TOOL.version}\non linux_amd64\n${Object.entries(selections).map(([p, v]) => `+ provider ${p} v${v}\n`).join('')}`);
}

function modulesOf(dir, key = '', depth = 0, found = []) {
  if (depth > 8) return found;
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.tf')).sort()) {
    for (const m of fs.readFileSync(path.join(dir, file), 'utf8').matchAll(/module\s+"([^"]+)"\s*\{[^}]*?source\s*=\s*"(\.{1,2}\/[^"]*)"/g)) {
      const child = path.posix.normalize(path.posix.join(dir === '.' ? '' : dir, m[2]));
      found.push({ key: key ? `${key}.${m[1]}` : m[1], source: m[2], dir: child });
      if (fs.existsSync(child)) modulesOf(child, key ? `${key}.${m[1]}` : m[1], depth + 1, found);
    }
  }
  return found;
}

function init(args) {
  parseFlags(args, ['input', 'no-color', 'upgrade', 'reconfigure', 'migrate-state', 'backend', 'backend-config', 'get', 'lock', 'lock-timeout', 'json'], ['lock-timeout', 'backend-config']);
  if (configHash('.').count === 0) {
    out(`${TOOL.name} initialized in an empty directory!\n\nThe directory has no ${TOOL.name} configuration files. You may begin working\nwith ${TOOL.name} immediately by creating ${TOOL.name} configuration files.\n`);
    return;
  }
  const theCase = findCase();
  const lines = [''];
  const modules = modulesOf('.');
  fs.mkdirSync(path.join('.terraform', 'modules'), { recursive: true });
  if (modules.length > 0) {
    lines.push('Initializing modules...', ...modules.map((m) => `- ${m.key} in ${m.dir}`), '');
    fs.writeFileSync(path.join('.terraform', 'modules', 'modules.json'), JSON.stringify({ Modules: [{ Key: '', Source: '', Dir: '.' }, ...modules.map((m) => ({ Key: m.key, Source: m.source, Dir: m.dir }))] }));
  }
  lines.push('Initializing the backend...', '', 'Initializing provider plugins...');
  const lockText = fs.existsSync('.terraform.lock.hcl') ? fs.readFileSync('.terraform.lock.hcl', 'utf8') : null;
  const shortName = (source) => (source.startsWith(`${TOOL.registry}/`) ? source.slice(TOOL.registry.length + 1) : source);
  for (const p of theCase.providers) {
    const reused = lockText !== null && lockText.includes(`provider "${p.source}"`);
    lines.push(reused ? `- Reusing previous version of ${shortName(p.source)} from the dependency lock file` : `- Finding latest version of ${shortName(p.source)}...`);
  }
  for (const p of theCase.providers) {
    const [host, namespace, type] = p.source.split('/');
    const folder = path.join('.terraform', 'providers', host, namespace, type, p.version, 'linux_amd64');
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, `terraform-provider-${type}_v${p.version}`), `stand-in provider ${p.source} ${p.version}: there is no real provider here\n`);
    lines.push(`- Installing ${shortName(p.source)} v${p.version}...`, `- Installed ${shortName(p.source)} v${p.version} (signed, key ID 0C0AF313E5FD9F80)`);
  }
  lines.push('', 'Providers are signed by their developers.', "If you'd like to know more about provider signing, you can read about it here:", PROGRAM === 'terraform' ? 'https://www.terraform.io/docs/cli/plugins/signing.html' : 'https://opentofu.org/docs/cli/plugins/signing/');
  const lock = lockFile(theCase.providers);
  if (lockText === null) lines.push('', `${TOOL.name} has created a lock file .terraform.lock.hcl to record the provider`, 'selections it made above. Include this file in your version control repository', `so that ${TOOL.name} can guarantee to make the same selections by default when`, `you run "${PROGRAM} init" in the future.`);
  else if (theCase.providers.some((p) => !lockText.includes(`provider "${p.source}"`))) lines.push('', `${TOOL.name} has made some changes to the provider dependency selections recorded`, 'in the .terraform.lock.hcl file. Review those changes and commit them to your', 'version control system if they represent changes you intended to make.');
  if (lockText === null || theCase.providers.some((p) => !lockText.includes(`provider "${p.source}"`))) fs.writeFileSync('.terraform.lock.hcl', lock);
  fs.writeFileSync(path.join('.terraform', 'standin-initialized'), `${theCase.id}\n`);
  lines.push('', `${TOOL.name} has been successfully initialized!`, '', `You may now begin working with ${TOOL.name}. Try running "${PROGRAM} plan" to see`, `any changes that are required for your infrastructure. All ${TOOL.name} commands`, 'should now work.', '', `If you ever set or change modules or backend configuration for ${TOOL.name},`, 'rerun this command to reinitialize your working directory. If you forget, other', 'commands will detect it and remind you to do so if necessary.');
  out(`${lines.join('\n')}\n`);
}

function lockFile(providers) {
  const blocks = [...providers].sort((a, b) => (a.source < b.source ? -1 : 1)).map((p) => {
    const digest = (what) => crypto.createHash('sha256').update(`${what} ${p.source} ${p.version}`).digest();
    return `provider "${p.source}" {\n  version = "${p.version}"\n  hashes = [\n    "h1:${digest('h1').toString('base64')}",\n    "zh:${digest('zh').toString('hex')}",\n  ]\n}\n`;
  });
  return `# This file is maintained automatically by "${PROGRAM} init".\n# Manual edits may be lost in future updates.\n\n${blocks.join('\n')}`;
}

function workspace(args) {
  const [sub, ...rest] = args;
  const { flags, positional } = parseFlags(rest, ['or-create', 'no-color', 'lock', 'lock-timeout', 'force'], ['lock-timeout']);
  const name = positional[0];
  const invalid = (n) => !/^[A-Za-z0-9._~!$&'()*+,;=:@-]+$/.test(n);
  record.workspace = currentWorkspace();
  if (sub === 'show') return out(`${record.workspace}\n`);
  if (sub === 'list') return out(`${workspaces().map((w) => `${w === record.workspace ? '*' : ' '} ${w}`).join('\n')}\n\n`);
  if (sub !== 'select' && sub !== 'new') throw fail('Usage', `Usage: ${PROGRAM} [global options] workspace\n\n  new, list, show, select and delete ${TOOL.name} workspaces.`);
  if (positional.length !== 1) throw fail('Expected a single argument: NAME.', '');
  if (invalid(name)) throw fail('Invalid workspace name', `The workspace name "${name}" is not allowed. The name must contain only URL safe characters, and no path separators.`);
  if (process.env.TF_WORKSPACE) throw fail(sub === 'new' ? 'The workspace is overridden using the TF_WORKSPACE environment variable' : 'The selected workspace is overridden using the TF_WORKSPACE environment variable', 'Either update this environment variable or unset it and then run this command again.');
  const exists = workspaces().includes(name);
  if (sub === 'select' && name === record.workspace) return 0;
  if (sub === 'new' && exists) throw fail(`Workspace "${name}" already exists`, `A workspace having the given name already exists.\nUse "${PROGRAM} workspace select ${name}" to switch to it.`);
  if (sub === 'select' && !exists && !['true', '1'].includes((flags['or-create'] || ['false']).at(-1))) {
    throw new Failure(`Workspace "${name}" doesn't exist.`, 'You can create this workspace with the "new" subcommand \nor include the "-or-create" flag with the "select" subcommand.');
  }
  if (!exists) fs.mkdirSync(path.join('terraform.tfstate.d', name), { recursive: true });
  fs.mkdirSync('.terraform', { recursive: true });
  fs.writeFileSync(ENVIRONMENT, name);
  record.workspace = name;
  out(exists ? `Switched to workspace "${name}".\n` : `Created and switched to workspace "${name}"!\n\nYou're now on a new, empty workspace. Workspaces isolate their state,\nso if you run "${PROGRAM} plan" ${TOOL.name} will not see any existing state\nfor this configuration.\n`);
}

function plan(args) {
  const { flags, positional } = parseFlags(args, [...OPERATION_FLAGS, 'out', 'detailed-exitcode', 'refresh-only', 'destroy'], VALUE_FLAGS);
  json = flags.json !== undefined;
  if (positional.length > 0) throw fail('Too many command line arguments', 'To specify a working directory for the plan, use the global -chdir flag.');
  checkOperationFlags(flags);
  const theCase = findCase();
  requireInit(theCase);
  const workspaceName = (record.workspace = currentWorkspace());
  const mode = flags['refresh-only'] ? 'refresh-only' : 'normal';
  const text = mode === 'refresh-only' ? theCase.showRefreshOnly : theCase.show;
  const doc = JSON.parse(text);
  echoVariable();
  if (theCase.planStream && mode === 'normal') theCase.planStream.forEach(replay);
  else planStream(theCase, doc, mode);
  const changes = hasChanges(doc, mode);
  const outFile = flags.out && flags.out[0];
  if (outFile) {
    const payload = { format: 'stackhook-standin-plan/1', case: theCase.id, mode, workspace: workspaceName, lineage: lineageOf(theCase, workspaceName), serial: serialOf(workspaceName), errored: doc.errored === true, changes, vars: (flags.var || []).map((v) => v.split('=')[0]) };
    const bytes = zip([['tfplan', JSON.stringify({ ...payload, integrity: signed(payload) })], ['tfstate', JSON.stringify({ version: 4, terraform_version: TOOL.version, serial: payload.serial, lineage: payload.lineage, outputs: {}, resources: [] })]]);
    try {
      fs.writeFileSync(outFile, bytes);
    } catch (error) {
      throw fail('Failed to write plan file', `The plan file could not be written: ${error.message}.`);
    }
    record.planFile = { path: outFile, sha256: sha256(bytes) };
  }
  if (doc.errored) return 1;
  return flags['detailed-exitcode'] && changes ? 2 : 0;
}

function show(args) {
  const { flags, positional } = parseFlags(args, ['json', 'no-color', 'show-sensitive'], []);
  json = flags.json !== undefined;
  if (positional.length !== 1) throw fail('The stand-in shows saved plan files only', `Run "${PROGRAM} show -json <plan file>".`);
  let saved;
  try {
    saved = loadPlan(positional[0]);
  } catch (error) {
    throw fail('Failed to read the given file as a state or plan file', `State read error: Error loading statefile: ${error.detail || error.message}\n\nPlan read error: ${error.detail || error.message}`);
  }
  const theCase = carriedCases().find((c) => c.id === saved.case);
  if (!theCase) throw fail('Failed to read the given file as a state or plan file', `The plan was made for ${saved.case}, whose recording the stand-in does not carry here.`);
  record.case = theCase.id;
  out(saved.mode === 'refresh-only' ? theCase.showRefreshOnly : theCase.show);
}

function apply(args) {
  const { flags, positional } = parseFlags(args, [...OPERATION_FLAGS, 'auto-approve', 'backup', 'state', 'destroy', 'refresh-only'], VALUE_FLAGS);
  json = flags.json !== undefined;
  if (positional.length === 0) {
    if (json && !flags['auto-approve']) throw fail('Plan file or auto-approve required', `${TOOL.name} cannot ask for interactive approval when -json is set. You can either apply a saved plan file, or enable the -auto-approve option.`);
    throw fail('The stand-in applies saved plan files only', `Run "${PROGRAM} plan -out=<file>" and then "${PROGRAM} apply <file>": applying without a saved plan would plan again, and the stand-in never does that silently.`);
  }
  checkOperationFlags(flags);
  const saved = loadPlan(positional[0]);
  const theCase = findCase();
  requireInit(theCase);
  const workspaceName = (record.workspace = currentWorkspace());
  if (saved.case !== theCase.id || saved.lineage !== lineageOf(theCase, workspaceName)) throw fail('Saved plan does not match the given state', 'The given plan file can not be applied because it was created from a different state lineage.');
  if (saved.serial !== serialOf(workspaceName)) throw fail('Saved plan is stale', 'The given plan file can no longer be applied because the state was changed by another operation after the plan was created.');
  if (saved.errored) throw fail('Cannot apply incomplete plan', `${TOOL.name} encountered an error when generating this plan, so it cannot be applied.`);
  echoVariable();
  const doc = JSON.parse(saved.mode === 'refresh-only' ? theCase.showRefreshOnly : theCase.show);
  if (theCase.applyStream && saved.mode === 'normal') theCase.applyStream.forEach(replay);
  else applyStream(saved.mode === 'refresh-only' ? { ...doc, resource_changes: [] } : doc);
  fs.mkdirSync(path.dirname(stateFile(workspaceName)), { recursive: true });
  fs.writeFileSync(stateFile(workspaceName), JSON.stringify({ lineage: saved.lineage, serial: saved.serial + 1 }));
  return 0;
}

// ---- main -----------------------------------------------------------------------------------------------
function main() {
  let args = process.argv.slice(2);
  while (args[0] && args[0].startsWith('-')) {
    const chdir = /^-chdir=(.+)$/.exec(args[0]);
    if (chdir) process.chdir(chdir[1]);
    else if (args[0] === '-version' || args[0] === '--version' || args[0] === '-v') args = ['version', ...args.slice(1)];
    else throw fail('Unknown global option', `The stand-in does not know the global option ${args[0]}.`);
    if (chdir) args = args.slice(1);
    else break;
  }
  record.cwd = path.relative(WORKTREE, process.cwd()) || '.';
  const [command, ...rest] = args;
  const commands = { version, init, workspace, plan, show, apply };
  if (!command || !Object.hasOwn(commands, command)) throw fail(`The stand-in does not know the command "${command || ''}"`, `It answers ${Object.keys(commands).join(', ')}.`);
  const code = commands[command](rest);
  return typeof code === 'number' ? code : 0;
}

function runAsCommand() {
  record.env = Object.keys(process.env).filter((name) => /^(TF|AWS|ARM|GOOGLE|AZURE)_/.test(name)).sort();
  try {
    record.exit = main();
  } catch (error) {
    if (!(error instanceof Failure)) throw error;
    if (/doesn't exist\.$/.test(error.message)) err(`\n${error.message}\n\n${error.detail}\n`);
    else diagnose({ severity: 'error', summary: error.message, detail: error.detail || '' });
    record.exit = error.code;
  }
  err(`${PREFIX} ${JSON.stringify(record)}\n`);
  process.exitCode = record.exit;
}

// Run as a command; required (by its own tests), it only lends its plan file's archive format.
if (require.main === module) runAsCommand();
else module.exports = { zip, unzip };
