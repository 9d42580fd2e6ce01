/** Splitting of shell input: a few leading words, then the rest verbatim (JSON may hold spaces). */

/**
 * Takes `count` whitespace-separated words off the front of `text` and returns them with the
 * remainder, trimmed. Missing words come back as ''.
 */
export function takeWords(text: string, count: number): { words: string[]; rest: string } {
  const words: string[] = [];
  let rest = text.trim();
  for (let i = 0; i < count; i++) {
    const match = /^(\S+)\s*/.exec(rest);
    if (match === null) {
      words.push('');
      continue;
    }
    words.push(match[1] ?? '');
    rest = rest.slice(match[0].length);
  }
  return { words, rest: rest.trim() };
}
