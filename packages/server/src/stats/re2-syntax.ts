/**
 * Patterns of `matches` filters run in ClickHouse, which compiles them with RE2. JavaScript's parser (used first, in
 * query.ts) rejects most broken patterns, but accepts some that RE2 refuses: `\Z`, `\u0041`, `a{1001}`, `[a-\d]`,
 * `[[:nope:]]`, `[]`. A pattern the engine refuses fails the whole query on the server, so this check refuses them
 * up front with a message naming the problem. It is deliberately conservative: it admits RE2 syntax that JavaScript
 * also parses, and refuses escapes it does not know.
 */

/** Single-letter escapes RE2 accepts outside a character class (perl classes, assertions, control characters). */
const ESCAPES = new Set(['d', 'D', 's', 'S', 'w', 'W', 'b', 'B', 'A', 'z', 'a', 'n', 'r', 't', 'f', 'v']);
/** Inside a class RE2 has no assertions, and \a (bell) would be the letter a to JavaScript: a range end moves. */
const CLASS_ESCAPES = new Set(['d', 'D', 's', 'S', 'w', 'W', 'n', 'r', 't', 'f', 'v']);
/** Escapes standing for a set of characters: never the end of a range. */
const SET_ESCAPES = new Set(['d', 'D', 's', 'S', 'w', 'W']);
const POSIX_CLASSES = new Set([
  'alnum',
  'alpha',
  'ascii',
  'blank',
  'cntrl',
  'digit',
  'graph',
  'lower',
  'print',
  'punct',
  'space',
  'upper',
  'word',
  'xdigit',
]);
/** Unicode classes for `\p{…}`: general categories and the common scripts. */
const UNICODE_CLASSES = new Set([
  'Any',
  ...['C', 'Cc', 'Cf', 'Co', 'Cs', 'L', 'Ll', 'Lm', 'Lo', 'Lt', 'Lu', 'M', 'Mc', 'Me', 'Mn', 'N', 'Nd', 'Nl', 'No'],
  ...['P', 'Pc', 'Pd', 'Pe', 'Pf', 'Pi', 'Po', 'Ps', 'S', 'Sc', 'Sk', 'Sm', 'So', 'Z', 'Zl', 'Zp', 'Zs'],
  ...['Arabic', 'Armenian', 'Bengali', 'Cyrillic', 'Devanagari', 'Georgian', 'Greek', 'Han', 'Hangul', 'Hebrew'],
  ...['Hiragana', 'Katakana', 'Latin', 'Thai'],
]);
/** RE2's largest repeat count, which also bounds the product of nested counted repeats. */
const MAX_REPEAT = 1000;
/** `\\p{L}` compiles to hundreds of ranges: RE2's program size limit is reached at about 400 copies. */
const MAX_UNICODE_CLASS_COPIES = 300;
const PUNCTUATION = /^[!-/:-@[-`{-~]$/;
const REPEAT = /^\{(\d+)(?:(,)(\d*))?\}/;
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const GROUP_NAME = /^(?:P?<)([A-Za-z_][A-Za-z0-9_]*)>/;

/** An atom or group as far as size limits go. */
interface Piece {
  /** Largest product of counted repeats inside. */
  repeat: number;
  /** Unicode classes (\p{…}) it expands to: each compiles to hundreds of ranges. */
  unicode: number;
}

/**
 * Why RE2 would refuse `pattern`, or undefined when it is fine. Call only with a pattern JavaScript's parser accepts.
 *
 * @example re2SyntaxProblem('\\Z') // 'the escape \\Z is not supported'
 */
export function re2SyntaxProblem(pattern: string): string | undefined {
  if (UNPAIRED_SURROGATE.test(pattern)) return 'it contains an unpaired surrogate (not valid Unicode)';
  const groups: Piece[] = [{ repeat: 1, unicode: 0 }];
  const current = () => groups[groups.length - 1]!;
  let last: Piece = { repeat: 1, unicode: 0 };
  const atom = (piece: Piece) => {
    last = piece;
    current().unicode += piece.unicode;
  };
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '\\') {
      const escaped = readEscape(pattern, i, false);
      if (typeof escaped === 'string') return escaped;
      i += escaped.length - 1;
      atom({ repeat: 1, unicode: escaped.unicode ? 1 : 0 });
    } else if (char === '[') {
      const end = readClass(pattern, i);
      if (typeof end === 'string') return end;
      atom({ repeat: 1, unicode: end.unicode ? 1 : 0 });
      i = end.end;
    } else if (char === '(') {
      if (pattern[i + 1] === '?') {
        const rest = pattern.slice(i + 2);
        const named = GROUP_NAME.exec(rest);
        if (rest.startsWith(':')) i += 2;
        else if (named !== null) i += 1 + named[0].length;
        else return `the group syntax ${JSON.stringify(pattern.slice(i, i + 4))} is not supported`;
      }
      groups.push({ repeat: 1, unicode: 0 });
    } else if (char === ')') {
      // RE2 reads [[:alpha:]] as one class where JavaScript sees a class and a bracket: groups may pair differently.
      if (groups.length === 1) return 'its parentheses do not pair up when [:class:] names are read as RE2 reads them';
      const group = groups.pop()!;
      current().repeat = Math.max(current().repeat, group.repeat);
      atom(group);
    } else if (char === '{') {
      const repeat = REPEAT.exec(pattern.slice(i));
      if (repeat === null) {
        atom({ repeat: 1, unicode: 0 }); // a literal brace, in both engines
        continue;
      }
      const min = Number(repeat[1]);
      const max = repeat[2] === undefined || repeat[3] === '' ? min : Number(repeat[3]);
      if (min > MAX_REPEAT || max > MAX_REPEAT) return `a repeat count above ${MAX_REPEAT} is not supported`;
      const count = Math.max(min, max, 1);
      const product = count * last.repeat;
      if (product > MAX_REPEAT) return `nested repeat counts multiply beyond ${MAX_REPEAT}`;
      current().repeat = Math.max(current().repeat, product);
      current().unicode += last.unicode * (count - 1);
      last = { repeat: product, unicode: last.unicode * count };
      i += repeat[0].length - 1;
    } else if (char !== '*' && char !== '+' && char !== '?' && char !== '|') {
      atom({ repeat: 1, unicode: 0 });
    }
  }
  if (groups.length !== 1) return 'its parentheses do not pair up when [:class:] names are read as RE2 reads them';
  if (groups[0]!.unicode > MAX_UNICODE_CLASS_COPIES) {
    return `it repeats Unicode classes like \\p{L} more than ${MAX_UNICODE_CLASS_COPIES} times; the compiled pattern would be too large`;
  }
  return undefined;
}

/** The escape at `start` (a backslash): its length, or why it is refused. */
function readEscape(pattern: string, start: number, inClass: boolean): Escape | string {
  const next = pattern[start + 1];
  if (next === undefined) return 'it ends with a backslash';
  const plain = { length: 2, set: false, unicode: false };
  if ((inClass ? CLASS_ESCAPES : ESCAPES).has(next)) return { ...plain, set: SET_ESCAPES.has(next) };
  if (PUNCTUATION.test(next) || next === ' ') return plain;
  if (next === '0' && !/[0-9]/.test(pattern[start + 2] ?? '')) return plain;
  if (next === 'x') {
    return /^[0-9A-Fa-f]{2}$/.test(pattern.slice(start + 2, start + 4))
      ? { ...plain, length: 4 }
      : 'write \\x with exactly two hex digits';
  }
  if (next === 'p' || next === 'P') {
    const braced = /^\{\^?([A-Za-z]+)\}/.exec(pattern.slice(start + 2));
    const name = braced?.[1] ?? pattern[start + 2] ?? '';
    if (!UNICODE_CLASSES.has(name)) return `the Unicode class ${JSON.stringify(name)} is not supported`;
    return { length: braced === null ? 3 : 2 + braced[0].length, set: true, unicode: true };
  }
  return `the escape \\${next} is not supported`;
}

interface Escape {
  length: number;
  /** Stands for a set of characters (\d, \p{L}): never a range end. */
  set: boolean;
  unicode: boolean;
}

/** Reads the class opening at `start`: the index of its closing bracket, or why it is refused. */
function readClass(pattern: string, start: number): { end: number; unicode: boolean } | string {
  let unicode = false;
  let i = start + 1;
  if (pattern[i] === '^') i++;
  // RE2 reads a leading ] as a literal, JavaScript as the end of an empty class: refuse the ambiguity.
  if (pattern[i] === ']') return 'an empty class [] is not supported; escape a literal bracket as \\]';
  // The previous item, for range checks: a single character, a set (\d, [:alpha:]), a range operator, a whole range.
  let previous: 'none' | 'char' | 'set' | 'dash' | 'range' = 'none';
  for (; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === ']') return { end: i, unicode }; // a dash just before it is literal in both engines
    let kind: 'char' | 'set';
    if (char === '\\') {
      const escaped = readEscape(pattern, i, true);
      if (typeof escaped === 'string') return escaped;
      i += escaped.length - 1;
      kind = escaped.set ? 'set' : 'char';
      unicode ||= escaped.unicode;
    } else if (char === '[' && pattern[i + 1] === ':' && pattern.indexOf(':]', i + 2) >= 0) {
      // Like RE2: `[:` opens a POSIX class when a `:]` follows anywhere; the name between must be one it knows.
      const close = pattern.indexOf(':]', i + 2);
      const name = pattern.slice(i + 2, close).replace(/^\^/, '');
      if (!POSIX_CLASSES.has(name)) {
        return `${JSON.stringify(pattern.slice(i, close + 2).slice(0, 40))} is not a POSIX class RE2 knows`;
      }
      i = close + 1;
      kind = 'set';
    } else if (char === '-' && previous === 'char' && pattern[i + 1] !== ']') {
      // Only after a single character is a dash a range; after a set (\w-.) or a range both engines read it literally.
      previous = 'dash';
      continue;
    } else {
      kind = 'char';
    }
    if (previous === 'dash' && kind === 'set') return 'a range cannot end at a class like \\d; escape the dash as \\-';
    previous = previous === 'dash' ? 'range' : kind;
  }
  return 'a character class is not closed';
}
