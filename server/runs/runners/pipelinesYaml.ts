// The bitbucket-pipelines.yml Stackhook suggests for a `pipelines` stack (the runner check's `fix`),
// and how the check reads a repository's file. The plan pipeline runs `init`, `plan -out` and `show
// -json` in OpenTofu's image and sends both back to the run's callbacks with `curl --fail` (the plan
// gzip'd); the apply pipeline fetches the confirmed plan file and applies exactly it. Both steps
// carry `oidc: true`, so a step's OIDC token could stand in for the run token. No Bitbucket
// credential is in either: the run token (a secured variable) authorises only that run's callbacks.
import { parse } from 'yaml';

export const PIPELINES_FILE = 'bitbucket-pipelines.yml';
const IMAGE = 'ghcr.io/opentofu/opentofu:latest';
const PLAN_FILE = 'stackhook.tfplan';
const PLAN_JSON = 'stackhook-plan.json';

/** The callbacks' URL of the run the pipeline was triggered for (its variables say which). */
const CALLBACK = '"$STACKHOOK_URL/runs/$STACKHOOK_RUN_ID';
const AUTH = '-H "Authorization: Bearer $STACKHOOK_RUN_TOKEN"';
/** OpenTofu's image is Alpine: curl is added where it is missing. */
const CURL = 'command -v curl >/dev/null || apk add --no-cache curl';

/** The steps' YAML lines (at the indentation of a list under `custom.<name>:`). */
function step(name: string, script: string[]): string[] {
  return [
    '      - step:',
    `          name: ${name}`,
    `          image: ${IMAGE}`,
    '          oidc: true',
    '          script:',
    ...script.map((line) => `            - ${JSON.stringify(line)}`),
  ];
}

/** Both custom pipelines, ready to paste under `pipelines:` (the whole file when there is none). */
export function suggestedPipelinesYaml(plan: string, apply: string): string {
  return [
    'pipelines:',
    '  custom:',
    `    ${plan}:`,
    ...step('Stackhook plan', [
      'cd "${STACKHOOK_PROJECT_ROOT:-.}"',
      CURL,
      'tofu init -input=false',
      `tofu plan -input=false -out=${PLAN_FILE}`,
      `tofu show -json ${PLAN_FILE} > ${PLAN_JSON}`,
      `gzip -c ${PLAN_JSON} | curl --fail --silent --show-error -X PUT ${AUTH} -H "Content-Encoding: gzip" --data-binary @- ${CALLBACK}/plan"`,
      `curl --fail --silent --show-error -X PUT ${AUTH} --data-binary @${PLAN_FILE} ${CALLBACK}/planfile"`,
    ]),
    `    ${apply}:`,
    ...step('Stackhook apply', [
      'cd "${STACKHOOK_PROJECT_ROOT:-.}"',
      CURL,
      'tofu init -input=false',
      `curl --fail --silent --show-error ${AUTH} -o ${PLAN_FILE} ${CALLBACK}/planfile"`,
      `tofu apply -input=false ${PLAN_FILE}`,
    ]),
  ].join('\n');
}

/** The custom pipelines of `pipelines.custom` the file defines (none when it does not parse). */
export function customPipelinesOf(text: string): Set<string> {
  try {
    const document: unknown = parse(text, { merge: true });
    const custom = (document as { pipelines?: { custom?: unknown } } | null)?.pipelines?.custom;
    return typeof custom === 'object' && custom !== null ? new Set(Object.keys(custom)) : new Set();
  } catch {
    return new Set();
  }
}

export function definesCustomPipeline(text: string, name: string): boolean {
  return customPipelinesOf(text).has(name);
}
