// R14: the events every Stackhook hook subscribes to, named beside the parser of the bodies they
// bring (events.ts). A hook is configured with exactly these (bitbucket/hookConfiguration.ts reads the
// list to plan and check hooks), and routing.ts says what each one does to the stacks.
export const R14_EVENTS = [
  'repo:push',
  'pullrequest:created',
  'pullrequest:updated',
  'pullrequest:approved',
  'pullrequest:unapproved',
  'pullrequest:fulfilled',
  'pullrequest:comment_created',
] as const;

export type SubscribedEvent = (typeof R14_EVENTS)[number];
