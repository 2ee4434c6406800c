// The scheme of a planned resource's before/after documents, named apart so that activation
// (which registers it) and dist/onDemand.js (which builds and reads its URIs) share it alone.
export const PLAN_SCHEME = 'stackhook-plan';
