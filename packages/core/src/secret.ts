const REDACTED = '[redacted]';
const values = new WeakMap<Secret, string>();

/**
 * A credential that prints as `[redacted]` everywhere: `String()`, template literals, `JSON.stringify`,
 * `util.inspect` and `console.log`. The value is read only through {@link Secret.reveal}.
 *
 * @example
 * ```ts
 * const key = secret(process.env.PARTNER_KEY!);
 * console.log(key); // [redacted]
 * key.reveal(); // the real value, for the one place that sends it
 * ```
 */
export class Secret {
  constructor(value: string) {
    // A WeakMap instead of a field keeps the value out of structured clones, spreads and debuggers'
    // property listings.
    values.set(this, value);
  }

  /** The real value. Call it only where the credential is put on the wire. */
  reveal(): string {
    return values.get(this) ?? '';
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  get [Symbol.toStringTag](): string {
    return 'Secret';
  }
}

// Node's `util.inspect` (and so `console.log`) looks this symbol up; defined here because a computed
// method name cannot be declared under `isolatedDeclarations`.
Object.defineProperty(Secret.prototype, Symbol.for('nodejs.util.inspect.custom'), {
  value: (): string => REDACTED,
});

/** Wraps a credential so it cannot be printed by accident. See {@link Secret}. */
export function secret(value: string): Secret {
  return new Secret(value);
}

/** A credential given either as a plain string or as a {@link Secret}. */
export type SecretInput = string | Secret;

/** Returns the real value of a string or {@link Secret}. */
export function revealSecret(value: SecretInput): string {
  return typeof value === 'string' ? value : value.reveal();
}

export { REDACTED };
