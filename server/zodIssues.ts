// zod's issues in words: "path: message" for each, joined by "; ". The one way the server says why
// something it parsed (params, a Bitbucket answer, a webhook body, the registry file) is wrong.
// Paths and expectations only: a message never quotes the value it refused.
import type { z } from 'zod';

export interface IssueText {
  path: string;
  message: string;
}

/** `whole` names the value itself, for an issue at its top level ("(params)", "(body)"). */
export function issueTexts(error: z.ZodError, whole: string, most = Infinity): IssueText[] {
  return error.issues.slice(0, most).map((issue) => ({ path: issue.path.map(String).join('.') || whole, message: issue.message }));
}

export function describeIssues(error: z.ZodError, whole: string, most = Infinity): string {
  return joinIssues(issueTexts(error, whole, most));
}

export function joinIssues(issues: readonly IssueText[]): string {
  return issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
}
