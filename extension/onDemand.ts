// What activation does not need, as one file of its own (dist/onDemand.js, esbuild.mjs): a plan's
// rows, words and before/after documents, the Problems panel's plan diagnostics, the runner's steps
// of Create and Edit Stack, and the variable commands. onDemandLoader.ts requires it the first time
// one of them is used. Its modules import only `vscode` and types: what they need of the connection
// (requests, the protocol's schemas, the one way errors are shown) they are handed by the caller, so
// the file holds no second copy of the connection's state (the protocol, the masking, the log).
export { planNodes, type PlanNode } from './views/planTree';
export { confirmQuestion } from './views/planWords';
export { ResourceChangeDocuments, openResourceDiff } from './surfaces/planDiff';
export { PlanProblems } from './surfaces/planProblems';
export { runnerDraft, runnerOf, runnerSteps, sameRunner } from './commands/runnerSteps';
export * as variables from './commands/variables';
