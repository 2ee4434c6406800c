// A step's log as Bitbucket serves it: bytes that only grow (so a client reading with
// `Range: bytes=N-` never sees what it read change), with every secured variable's value replaced by
// `$NAME` before it is kept. A value split across two chunks of output is still caught: the end of
// each chunk that could be the start of a value waits for the next chunk (or the step's end).

export class GrowingLog {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private joined: Buffer | null = null;

  get length(): number {
    return this.size;
  }

  append(text: string): void {
    if (text === '') return;
    const chunk = Buffer.from(text, 'utf8');
    this.chunks.push(chunk);
    this.size += chunk.length;
    this.joined = null;
  }

  /** The bytes from `start` (inclusive) to `end` (exclusive; the whole log by default). */
  bytes(start = 0, end = this.size): Buffer {
    if (this.joined === null) {
      this.joined = Buffer.concat(this.chunks, this.size);
      this.chunks.splice(0, this.chunks.length, this.joined);
    }
    return this.joined.subarray(start, end);
  }

  text(): string {
    return this.bytes().toString('utf8');
  }
}

export interface SecuredValue {
  name: string;
  value: string;
}

/** Bitbucket shows a secured variable in a log as `$NAME`. */
export class Masker {
  private pending = '';
  private readonly secrets: SecuredValue[];
  private readonly holdBack: number;

  constructor(
    secrets: SecuredValue[],
    private readonly out: (text: string) => void,
  ) {
    // Longest first, so a value that contains another is masked whole.
    this.secrets = secrets.filter((secret) => secret.value !== '').sort((a, b) => b.value.length - a.value.length);
    this.holdBack = Math.max(0, ...this.secrets.map((secret) => secret.value.length - 1));
  }

  write(text: string): void {
    this.pending += text;
    const masked = this.mask(this.pending);
    // Keep back the tail that may be the start of a value; everything before it is final.
    const safe = this.safeLength(masked.text, masked.lastMaskEnd);
    this.out(masked.text.slice(0, safe));
    this.pending = masked.text.slice(safe);
  }

  /** The output ended: whatever was held back is written, masked. */
  end(): void {
    this.out(this.mask(this.pending).text);
    this.pending = '';
  }

  private mask(text: string): { text: string; lastMaskEnd: number } {
    let result = text;
    let lastMaskEnd = 0;
    for (const secret of this.secrets) {
      const replacement = `$${secret.name}`;
      let from = 0;
      for (;;) {
        const at = result.indexOf(secret.value, from);
        if (at < 0) break;
        result = result.slice(0, at) + replacement + result.slice(at + secret.value.length);
        from = at + replacement.length;
        lastMaskEnd = Math.max(lastMaskEnd, from);
      }
    }
    return { text: result, lastMaskEnd };
  }

  private safeLength(text: string, lastMaskEnd: number): number {
    // A tail longer than the longest value cannot be the start of one (it would have been masked).
    for (let at = Math.max(lastMaskEnd, text.length - this.holdBack); at < text.length; at++) {
      const tail = text.slice(at);
      if (this.secrets.some((secret) => secret.value.startsWith(tail))) return at;
    }
    return text.length;
  }
}
