// Structured Field Values for HTTP (RFC 8941): the subset RFC 9421 and RFC 9530 need. Dictionaries, inner
// lists, items and parameters; every bare item type of RFC 8941 (not RFC 9651's dates and display
// strings). Parsing follows §4.2 step by step; serialization follows §4.1, which is canonical, so a
// verifier that re-serializes what it parsed gets the signer's exact `@signature-params` bytes.
import { decodeBytes, encodeBytes } from './encoding.ts';

export type BareItem =
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'token'; readonly value: string }
  | { readonly type: 'integer'; readonly value: number }
  | { readonly type: 'decimal'; readonly value: number }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'bytes'; readonly value: Uint8Array };

export type SfParameters = ReadonlyMap<string, BareItem>;

export interface SfItem {
  readonly kind: 'item';
  readonly value: BareItem;
  readonly params: SfParameters;
}

export interface SfInnerList {
  readonly kind: 'inner-list';
  readonly items: readonly SfItem[];
  readonly params: SfParameters;
}

export type SfMember = SfItem | SfInnerList;
export type SfDictionary = ReadonlyMap<string, SfMember>;

export const sfString = (value: string): BareItem => ({ type: 'string', value });
export const sfInteger = (value: number): BareItem => ({ type: 'integer', value });
export const sfBytes = (value: Uint8Array): BareItem => ({ type: 'bytes', value });

const KEY_START = /[a-z*]/;
const KEY_CHAR = /[a-z0-9_\-.*]/;
const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z:/]/;
const ALPHA = /[A-Za-z]/;
const DIGIT = /[0-9]/;

class ParseError {
  readonly reason: string;
  constructor(reason: string) {
    this.reason = reason;
  }
}

class Parser {
  private pos = 0;
  private readonly input: string;
  constructor(input: string) {
    this.input = input;
  }

  private peek(): string {
    return this.input[this.pos] ?? '';
  }

  private fail(reason: string): never {
    throw new ParseError(`${reason} at position ${this.pos}`);
  }

  private skipSp(): void {
    while (this.peek() === ' ') this.pos++;
  }

  private skipOws(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }

  atEnd(): boolean {
    return this.pos >= this.input.length;
  }

  dictionary(): Map<string, SfMember> {
    const members = new Map<string, SfMember>();
    this.skipSp();
    while (!this.atEnd()) {
      const key = this.key();
      let member: SfMember;
      if (this.peek() === '=') {
        this.pos++;
        member = this.itemOrInnerList();
      } else {
        member = { kind: 'item', value: { type: 'boolean', value: true }, params: this.parameters() };
      }
      members.set(key, member);
      this.skipOws();
      if (this.atEnd()) break;
      if (this.peek() !== ',') this.fail('expected "," between dictionary members');
      this.pos++;
      this.skipOws();
      if (this.atEnd()) this.fail('trailing "," in dictionary');
    }
    return members;
  }

  private itemOrInnerList(): SfMember {
    return this.peek() === '(' ? this.innerList() : this.item();
  }

  private innerList(): SfInnerList {
    this.pos++;
    const items: SfItem[] = [];
    while (!this.atEnd()) {
      this.skipSp();
      if (this.peek() === ')') {
        this.pos++;
        return { kind: 'inner-list', items, params: this.parameters() };
      }
      items.push(this.item());
      const next = this.peek();
      if (next !== ' ' && next !== ')') this.fail('expected " " or ")" in inner list');
    }
    return this.fail('unterminated inner list');
  }

  item(): SfItem {
    const value = this.bareItem();
    return { kind: 'item', value, params: this.parameters() };
  }

  private parameters(): Map<string, BareItem> {
    const params = new Map<string, BareItem>();
    while (this.peek() === ';') {
      this.pos++;
      this.skipSp();
      const key = this.key();
      let value: BareItem = { type: 'boolean', value: true };
      if (this.peek() === '=') {
        this.pos++;
        value = this.bareItem();
      }
      params.set(key, value);
    }
    return params;
  }

  private key(): string {
    if (!KEY_START.test(this.peek())) this.fail('expected a key');
    const start = this.pos;
    while (!this.atEnd() && KEY_CHAR.test(this.peek())) this.pos++;
    return this.input.slice(start, this.pos);
  }

  private bareItem(): BareItem {
    const c = this.peek();
    if (c === '-' || DIGIT.test(c)) return this.number();
    if (c === '"') return this.string();
    if (c === '*' || ALPHA.test(c)) return this.token();
    if (c === ':') return this.bytes();
    if (c === '?') return this.boolean();
    return this.fail('expected an item');
  }

  private number(): BareItem {
    const start = this.pos;
    if (this.peek() === '-') this.pos++;
    if (!DIGIT.test(this.peek())) this.fail('expected a digit');
    let decimal = false;
    while (!this.atEnd()) {
      const c = this.peek();
      if (DIGIT.test(c)) this.pos++;
      else if (c === '.' && !decimal) {
        decimal = true;
        this.pos++;
      } else break;
    }
    const text = this.input.slice(start, this.pos);
    const digits = text.replace('-', '');
    if (!decimal) {
      if (digits.length > 15) this.fail('integer too long');
      return { type: 'integer', value: Number.parseInt(text, 10) };
    }
    const [whole = '', fraction = ''] = digits.split('.');
    if (whole.length > 12 || fraction.length === 0 || fraction.length > 3) this.fail('invalid decimal');
    return { type: 'decimal', value: Number.parseFloat(text) };
  }

  private string(): BareItem {
    this.pos++;
    let out = '';
    while (!this.atEnd()) {
      const c = this.input[this.pos++]!;
      if (c === '\\') {
        const next = this.input[this.pos++];
        if (next !== '"' && next !== '\\') this.fail('invalid escape in string');
        out += next;
      } else if (c === '"') {
        return { type: 'string', value: out };
      } else {
        const code = c.charCodeAt(0);
        if (code < 0x20 || code > 0x7e) this.fail('invalid character in string');
        out += c;
      }
    }
    return this.fail('unterminated string');
  }

  private token(): BareItem {
    const start = this.pos;
    this.pos++;
    while (!this.atEnd() && TOKEN_CHAR.test(this.peek())) this.pos++;
    return { type: 'token', value: this.input.slice(start, this.pos) };
  }

  private bytes(): BareItem {
    this.pos++;
    const end = this.input.indexOf(':', this.pos);
    if (end < 0) this.fail('unterminated byte sequence');
    const decoded = decodeBytes(this.input.slice(this.pos, end), 'base64');
    if (decoded === undefined) this.fail('invalid base64 in byte sequence');
    this.pos = end + 1;
    return { type: 'bytes', value: decoded };
  }

  private boolean(): BareItem {
    this.pos++;
    const c = this.peek();
    if (c !== '0' && c !== '1') this.fail('invalid boolean');
    this.pos++;
    return { type: 'boolean', value: c === '1' };
  }
}

/** Parses a Dictionary field value. Returns the failure reason as a string when it is not valid. */
export function parseDictionary(input: string): SfDictionary | string {
  try {
    return new Parser(input.trim()).dictionary();
  } catch (error) {
    if (error instanceof ParseError) return error.reason;
    throw error;
  }
}

/** Parses a single Item with its parameters (a component identifier such as `"@query-param";name="a"`). */
export function parseItem(input: string): SfItem | string {
  try {
    const parser = new Parser(input.trim());
    const item = parser.item();
    if (!parser.atEnd()) return 'unexpected characters after the item';
    return item;
  } catch (error) {
    if (error instanceof ParseError) return error.reason;
    throw error;
  }
}

/** True when `key` is a valid dictionary or parameter key. */
export function isSfKey(key: string): boolean {
  return /^[a-z*][a-z0-9_\-.*]*$/.test(key);
}

/** True when `value` can be serialized as an sf-string (printable ASCII). */
export function isSfString(value: string): boolean {
  return /^[\x20-\x7e]*$/.test(value);
}

export function serializeBareItem(item: BareItem): string {
  switch (item.type) {
    case 'string':
      return `"${item.value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
    case 'token':
      return item.value;
    case 'integer':
      return String(item.value);
    case 'decimal': {
      const rounded = Math.round(item.value * 1000) / 1000;
      return Number.isInteger(rounded) ? `${rounded}.0` : String(rounded);
    }
    case 'boolean':
      return item.value ? '?1' : '?0';
    case 'bytes':
      return `:${encodeBytes(item.value, 'base64')}:`;
  }
}

export function serializeParameters(params: SfParameters): string {
  let out = '';
  for (const [key, value] of params) {
    out += `;${key}`;
    if (!(value.type === 'boolean' && value.value)) out += `=${serializeBareItem(value)}`;
  }
  return out;
}

export function serializeItem(item: SfItem): string {
  return serializeBareItem(item.value) + serializeParameters(item.params);
}

export function serializeInnerList(list: SfInnerList): string {
  return `(${list.items.map(serializeItem).join(' ')})${serializeParameters(list.params)}`;
}

export function serializeMember(member: SfMember): string {
  return member.kind === 'inner-list' ? serializeInnerList(member) : serializeItem(member);
}

export function serializeDictionary(dictionary: SfDictionary): string {
  const members: string[] = [];
  for (const [key, member] of dictionary) {
    if (member.kind === 'item' && member.value.type === 'boolean' && member.value.value) {
      members.push(key + serializeParameters(member.params));
    } else {
      members.push(`${key}=${serializeMember(member)}`);
    }
  }
  return members.join(', ');
}
