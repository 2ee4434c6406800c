// Stack and space variables: the environment a local run receives (space ones first, then the
// stack's), some of them secret. What makes a name acceptable is said here, once, so the editor can
// check a name as it is typed and the server refuses the same names with the same reason.
import * as z from 'zod';

export const MAX_VARIABLE_NAME = 128;
/** A value of up to 32 KiB: a certificate or a small JSON document, not a file. */
export const MAX_VARIABLE_VALUE = 32_768;
/** Variables per stack or per space. */
export const MAX_VARIABLES = 200;

/** Names a run's environment is made of, or that would change how git or Stackhook behave: never a variable. */
export function reservedVariableReason(name: string): string | null {
  if (name === 'PATH' || name === 'HOME') return `${name} is set by Stackhook for every run (the run's own ${name === 'PATH' ? 'system PATH' : 'private home'})`;
  if (/^GIT_/i.test(name)) return 'GIT_* variables would change what git does with the run\'s checkout';
  if (/^STACKHOOK_/i.test(name)) return 'STACKHOOK_* variables are Stackhook\'s own (the run\'s id, stack, kind and commit)';
  if (name === 'TF_IN_AUTOMATION' || name === 'TF_PLUGIN_CACHE_DIR' || name === 'TMPDIR') return `${name} is set by Stackhook for every run`;
  return null;
}

export const VariableName = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_VARIABLE_NAME)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name: letters, digits and "_", not starting with a digit (TF_VAR_region, AWS_ACCESS_KEY_ID)')
  .superRefine((name, context) => {
    const reason = reservedVariableReason(name);
    if (reason !== null) context.addIssue({ code: 'custom', message: `is reserved: ${reason}` });
  });

export const VariableValue = z.string().max(MAX_VARIABLE_VALUE).refine((value) => !value.includes('\u0000'), 'must not hold NUL, which no environment can carry');

/**
 * A variable as listed: `value` only for one that is not secret (a secret one is write-only, shown as
 * set); `inherited` when it comes from a space above (for a stack: any space; for a space: an
 * ancestor), named by `inheritedFrom`.
 */
export const Variable = z.object({
  name: z.string(),
  secret: z.boolean(),
  value: z.string().optional(),
  inherited: z.boolean().optional(),
  /** The space an inherited variable is set on. */
  inheritedFrom: z.string().optional(),
  /** Overridden by a variable of the same name nearer the stack (this one does not reach its runs). */
  overridden: z.boolean().optional(),
  updatedAt: z.string(),
});
export type Variable = z.infer<typeof Variable>;
