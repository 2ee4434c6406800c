// What only a plan needs, as one file of its own (dist/planView.js, esbuild.mjs): the plan's rows
// under a run, the before/after documents of a resource, and the Problems panel's plan diagnostics.
// planViewLoader.ts requires it the first time a plan is opened or published, not at activation.
export { planNodes, type PlanNode } from './planTree';
export { ResourceChangeDocuments, openResourceDiff } from '../surfaces/planDiff';
export { PlanProblems } from '../surfaces/planProblems';
