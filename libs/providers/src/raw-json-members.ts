/** One member of a JSON object with its value exactly as written in the source text. */
export interface RawJsonMember {
  readonly key: string;
  /** The value's source text, byte for byte: escapes such as "\/" and the member order are untouched. */
  readonly rawValue: string;
}

const WHITESPACE = ' \t\n\r';

/**
 * The members of a top-level JSON object with the raw text of each value. Signatures over a JSON sub-object
 * (Alipay answers) cover the bytes the provider sent; JSON.stringify of the parsed value is a different text.
 * Throws SyntaxError when `text` is not a JSON object.
 */
export function rawJsonMembers(text: string): RawJsonMember[] {
  const parsed: unknown = JSON.parse(text); // validates the whole text, so the scanner below may trust its shape
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SyntaxError('Expected a JSON object');
  }
  let i = 0;
  const skipWhitespace = (): void => {
    while (i < text.length && WHITESPACE.includes(text[i])) i++;
  };
  const skipString = (): void => {
    i++; // opening quote
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++; // closing quote
  };
  const skipValue = (): void => {
    const first = text[i];
    if (first === '"') return skipString();
    if (first === '{' || first === '[') {
      let depth = 0;
      do {
        const c = text[i];
        if (c === '"') {
          skipString();
          continue;
        }
        if (c === '{' || c === '[') depth++;
        else if (c === '}' || c === ']') depth--;
        i++;
      } while (depth > 0);
      return;
    }
    while (i < text.length && !`,}]${WHITESPACE}`.includes(text[i])) i++; // number, true, false, null
  };

  const members: RawJsonMember[] = [];
  skipWhitespace();
  i++; // "{"
  skipWhitespace();
  if (text[i] === '}') return members;
  for (;;) {
    skipWhitespace();
    const keyStart = i;
    skipString();
    const key = JSON.parse(text.slice(keyStart, i)) as string;
    skipWhitespace();
    i++; // ":"
    skipWhitespace();
    const valueStart = i;
    skipValue();
    members.push({ key, rawValue: text.slice(valueStart, i) });
    skipWhitespace();
    if (text[i] !== ',') return members;
    i++;
  }
}
