import { invalidField, isJsonObject, isNonEmptyString, isString, optional } from './json-fields.ts';

const ERROR_BODY = {
  error: isNonEmptyString,
  error_description: optional(isString),
  error_uri: optional(isString),
};

/** An RFC 6749 §5.2 error body, if `json` is one. */
export interface OAuthErrorBody {
  readonly error: string;
  readonly error_description?: string | undefined;
  readonly error_uri?: string | undefined;
}

export function parseOAuthError(json: unknown): OAuthErrorBody | undefined {
  return isJsonObject(json) && invalidField(json, ERROR_BODY) === undefined
    ? (json as unknown as OAuthErrorBody)
    : undefined;
}
