// Reads a JSON document as a stream of tokens (stream-json's tokenizer) and hands a reader only the
// parts it asks for, each assembled within limits; every other subtree is skipped as it streams by,
// never assembled. So memory stays bounded by what the reader keeps, whatever the document's size:
// a plan's `before` and `after` values (nearly all of its bytes) are only counted past.
//
// Strings are streamed in chunks (`packStrings: false`): a string of any length is held only up to
// the limit of the value it is part of. Keys and numbers are packed, bounded by `maxPackedLength`.
//
// Why stream-json (BSD-3-Clause, maintained; 17 KB minified here with the part of stream-chain it needs): on a
// 240 MB plan its tokenizer took 1.7 s against JSON.parse's 1.2 s, @streamparser/json's 2.4 s and
// clarinet's 1.6 s; of the three only it streams a string in chunks (the others hold each string
// whole, however long) and caps depth and packed lengths. Its assemblers, which its README says are
// not for hostile input, are not used: what is kept is assembled here, within limits.
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { jsonParser, type Token } from 'stream-json/core/parser.js';
import { getManyValues, isMany, none } from 'stream-chain/defs.js';
import { cut } from './text';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type PathItem = string | number;

/** What to do with the value at a path: skip it, walk into it (objects and arrays), or assemble it whole. */
export type Choice = 'skip' | 'walk' | Limits;

export interface Limits {
  /** Containers and leaves; past it the rest of the value is skipped and it is marked truncated. */
  maxNodes: number;
  /** UTF-16 code units per string; longer strings are cut with "…". */
  maxString: number;
  /** UTF-16 code units of all strings and keys together; past it the rest is cut or dropped. */
  maxChars?: number;
}

export interface Reader {
  /** Asked once for every value inside a container the reader walks into. `path` is live: copy what you keep. */
  choose(path: readonly PathItem[]): Choice;
  /** A value assembled whole. */
  value(path: readonly PathItem[], value: Json, truncated: boolean): void;
  /** A container walked into has ended. */
  close?(path: readonly PathItem[]): void;
}

/** The document is not JSON, or not JSON this reader can hold. */
export class JsonReadError extends Error {
  override name = 'JsonReadError';
}

/** Stop reading: the reader has what it came for. */
export class StopWalk extends Error {
  override name = 'StopWalk';
}

const MAX_DEPTH = 512;
const MAX_KEY = 1 << 20;

interface WalkFrame {
  kind: 'object' | 'array';
  index: number;
}

/**
 * A copy of a string that holds on to nothing else. The tokenizer's strings are slices of the text
 * it was given, and V8 keeps the whole text alive for as long as a slice of it lives: a kept
 * address would keep its 64 KiB chunk of the document. (The JSON round trip keeps lone surrogates.)
 */
const detached = (text: string): string => (text.length === 0 ? '' : (JSON.parse(JSON.stringify(text)) as string));

/** Assembles one value within its limits. */
class Builder {
  private readonly stack: (Json[] | Record<string, Json>)[] = [];
  private readonly keys: (string | null)[] = [];
  private key: string | null = null;
  /** The string being assembled; null while a dropped one streams by. */
  private text: string | null = null;
  private stringCut = false;
  private nodes = 0;
  private chars = 0;
  /** Open containers of a part dropped for the budget; they are counted past, not kept. */
  private skipping = 0;
  /** The next value is dropped (its key did not fit the budget). */
  private dropNext = false;
  private readonly maxChars: number;
  truncated = false;
  result: Json = null;

  constructor(private readonly limits: Limits) {
    this.maxChars = limits.maxChars ?? Number.POSITIVE_INFINITY;
  }

  /** Feeds a token; true once the value is complete. */
  push(token: Token): boolean {
    const name = token.name;
    if (this.skipping > 0) {
      if (name === 'startObject' || name === 'startArray') this.skipping++;
      else if (name === 'endObject' || name === 'endArray') this.skipping--;
      return this.skipping === 0 && this.stack.length === 0;
    }
    switch (name) {
      case 'startObject':
      case 'startArray': {
        if (!this.admit()) {
          this.skipping = 1;
          return false;
        }
        this.stack.push(name === 'startArray' ? [] : {});
        this.keys.push(this.key);
        this.key = null;
        return false;
      }
      case 'endObject':
      case 'endArray': {
        const container = this.stack.pop() as Json;
        this.key = this.keys.pop() ?? null;
        return this.place(container);
      }
      case 'keyValue':
        if (this.chars + token.value.length > this.maxChars) {
          this.truncated = true;
          this.dropNext = true;
        } else {
          this.chars += token.value.length;
          this.key = detached(token.value);
        }
        return false;
      case 'startString':
        this.text = this.admit() ? '' : null;
        this.stringCut = false;
        return false;
      case 'stringChunk':
        if (this.text !== null) this.append(token.value);
        return false;
      case 'endString': {
        if (this.text === null) return this.stack.length === 0;
        let text = detached(this.text);
        this.text = null;
        if (this.stringCut) {
          text = cut(text, this.limits.maxString);
          if (!text.endsWith('…')) text += '…';
          this.truncated = true;
        }
        return this.place(text);
      }
      case 'numberValue':
        return this.admit() ? this.place(Number(token.value)) : this.stack.length === 0;
      case 'nullValue':
      case 'trueValue':
      case 'falseValue':
        return this.admit() ? this.place(token.value) : this.stack.length === 0;
      default:
        return false;
    }
  }

  private append(chunk: string): void {
    const text = this.text ?? '';
    const room = Math.min(this.limits.maxString + 1 - text.length, this.maxChars - this.chars);
    if (room <= 0) {
      this.stringCut = true;
      return;
    }
    const part = room < chunk.length ? chunk.slice(0, room) : chunk;
    if (part.length < chunk.length) this.stringCut = true;
    this.text = text + part;
    this.chars += part.length;
  }

  /** Whether the next value fits: its key was kept and the node budget has room. */
  private admit(): boolean {
    if (this.dropNext) {
      this.dropNext = false;
      return false;
    }
    if (this.nodes >= this.limits.maxNodes) {
      this.truncated = true;
      return false;
    }
    this.nodes++;
    return true;
  }

  private place(value: Json): boolean {
    const parent = this.stack.at(-1);
    if (parent === undefined) {
      this.result = value;
      return true;
    }
    if (Array.isArray(parent)) parent.push(value);
    // A key "__proto__" is a key like any other: assigning it would replace the object's prototype.
    else if (this.key === '__proto__') Object.defineProperty(parent, this.key, { value, enumerable: true, writable: true, configurable: true });
    else parent[this.key ?? ''] = value;
    return false;
  }
}

/** Walks tokens for a reader: skips, walks into, or assembles each value as the reader chooses. */
class Walker {
  private readonly path: PathItem[] = [];
  private readonly frames: WalkFrame[] = [];
  private pendingKey: string | null = null;
  /** Open containers of the value being skipped; 0 when nothing is. */
  private skipDepth = 0;
  /** The value being skipped is a string: it ends at its endString. */
  private skipString = false;
  private builder: Builder | null = null;
  private started = false;

  constructor(private readonly reader: Reader) {}

  push(token: Token): void {
    const name = token.name;
    if (this.skipDepth > 0) {
      // The hot path: most of a plan's bytes are values nobody asked for.
      if (this.skipString) {
        if (name !== 'endString') return;
        this.skipString = false;
        this.skipDepth = 0;
      } else if (name === 'startObject' || name === 'startArray') {
        this.skipDepth++;
        return;
      } else if (name === 'endObject' || name === 'endArray') {
        if (--this.skipDepth > 0) return;
      } else {
        return;
      }
      this.endValue();
      return;
    }
    if (this.builder !== null) {
      if (this.builder.push(token)) this.deliver();
      return;
    }
    if (name === 'keyValue') {
      this.pendingKey = token.value;
      return;
    }
    if (name === 'endObject' || name === 'endArray') {
      this.frames.pop();
      this.reader.close?.(this.path);
      this.endValue();
      return;
    }
    if (!isValueStart(name)) return;
    // A value starts: at the root, after a key, or as an array's next element.
    const frame = this.frames.at(-1);
    if (frame === undefined) {
      if (this.started) throw new JsonReadError('the document holds more than one JSON value');
      this.started = true;
    } else {
      this.path.push(frame.kind === 'array' ? frame.index : (this.pendingKey ?? ''));
    }
    const choice = this.reader.choose(this.path);
    const container = name === 'startObject' || name === 'startArray';
    if (choice === 'skip') {
      if (container || name === 'startString') {
        this.skipDepth = 1;
        this.skipString = name === 'startString';
      } else {
        this.endValue();
      }
      return;
    }
    if (choice === 'walk' && container) {
      this.frames.push({ kind: name === 'startObject' ? 'object' : 'array', index: 0 });
      return;
    }
    this.builder = new Builder(choice === 'walk' ? { maxNodes: 1, maxString: 256 } : choice);
    if (this.builder.push(token)) this.deliver();
  }

  private deliver(): void {
    const { result, truncated } = this.builder as Builder;
    this.builder = null;
    this.reader.value(this.path, result, truncated);
    this.endValue();
  }

  /** The value at the end of the path is done: the path drops it, an array's index moves on. */
  private endValue(): void {
    const frame = this.frames.at(-1);
    if (frame === undefined) return;
    this.path.pop();
    if (frame.kind === 'array') frame.index++;
  }

  get isStarted(): boolean {
    return this.started;
  }

  /** At the end of the input: was the document whole? */
  finish(): void {
    if (!this.started) throw new JsonReadError('the document is empty');
    if (this.frames.length > 0 || this.skipDepth > 0 || this.builder !== null) throw new JsonReadError('the document ends in the middle');
  }
}

const isValueStart = (name: Token['name']) =>
  name === 'startObject' || name === 'startArray' || name === 'startString' || name === 'numberValue' || name === 'nullValue' || name === 'trueValue' || name === 'falseValue';

/** What can be read: a file's path, or a stream of its bytes (or text). */
export type JsonInput = string | Readable;

async function* chunksOf(input: JsonInput): AsyncGenerator<string> {
  const { createReadStream } = await import('node:fs');
  const stream = typeof input === 'string' ? createReadStream(input, { highWaterMark: 1 << 16 }) : input;
  const decoder = new StringDecoder('utf8');
  let first = true;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      let text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
      if (first && text.length > 0) {
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        first = false;
      }
      if (text.length > 0) yield text;
    }
    const rest = decoder.end();
    if (rest.length > 0) yield rest;
  } finally {
    if (typeof input === 'string') stream.destroy();
  }
}

/**
 * Reads the whole document for the reader (or until it throws StopWalk). Throws JsonReadError when
 * the input is not one JSON document, and the input's own errors (a missing file) as they are.
 */
export async function walkJson(input: JsonInput, reader: Reader): Promise<void> {
  const tokenize = jsonParser({ packKeys: true, streamKeys: false, packStrings: false, streamStrings: true, packNumbers: true, streamNumbers: false, maxDepth: MAX_DEPTH, maxPackedLength: MAX_KEY });
  const walker = new Walker(reader);
  const feed = (result: ReturnType<typeof tokenize>) => {
    if (result === none) return;
    const tokens = isMany(result) ? (getManyValues(result) as Token[]) : [result as unknown as Token];
    for (const token of tokens) walker.push(token);
  };
  let offset = 0;
  try {
    for await (const text of chunksOf(input)) {
      feed(tokenize(text));
      offset += text.length;
    }
    try {
      feed(tokenize(none as unknown as string));
    } catch (error) {
      if (error instanceof StopWalk) throw error;
      throw new JsonReadError(walker.isStarted ? 'the document ends in the middle' : 'the document is empty');
    }
  } catch (error) {
    if (error instanceof StopWalk) return;
    if (error instanceof JsonReadError) throw error;
    if (error instanceof RangeError || (error instanceof Error && /^Parser /.test(error.message))) {
      throw new JsonReadError(`${error.message.replace(/^parser: /, '')} (near character ${offset.toLocaleString('en')})`);
    }
    throw error;
  }
  walker.finish();
}
