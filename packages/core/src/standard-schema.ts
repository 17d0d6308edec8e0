import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { ValidationIssue } from './errors.ts';

export type { StandardSchemaV1 };

/** Validates `value` with any Standard Schema (zod 4, valibot, arktype …). */
export async function validateWithSchema(
  schema: StandardSchemaV1,
  value: unknown,
): Promise<{ readonly value: unknown } | { readonly issues: readonly ValidationIssue[] }> {
  const result = await schema['~standard'].validate(value);
  if (result.issues) {
    return {
      issues: result.issues.map((issue) => ({
        message: issue.message,
        path: issue.path?.map((segment) => (typeof segment === 'object' ? segment.key : segment)),
      })),
    };
  }
  return { value: result.value };
}

/** Renders issues for an error message: `items.0.price: Expected number`. */
export function describeIssues(issues: readonly ValidationIssue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) =>
      issue.path && issue.path.length > 0
        ? `${issue.path.map(String).join('.')}: ${issue.message}`
        : issue.message,
    )
    .join('; ');
}
