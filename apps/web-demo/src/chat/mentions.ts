/** A mention picked from the autocomplete: the text `@name` stands for `userId`. */
export interface PickedMention {
  userId: string;
  name: string;
}

/** The `@word` being typed at the end of `text`, if any (what the autocomplete matches). */
export function mentionQuery(text: string): string | null {
  const match = /(?:^|\s)@([^\s@]*)$/.exec(text);
  return match ? (match[1] ?? '') : null;
}

/** Replaces the `@word` being typed with `@name `. */
export function completeMention(text: string, name: string): string {
  return text.replace(/@([^\s@]*)$/, `@${name} `);
}

/**
 * The ranges of the picked mentions that are still in the text: each `@name`, left to right,
 * never overlapping.
 */
export function mentionRanges(text: string, picked: PickedMention[]) {
  const ranges: { userId: string; start: number; length: number }[] = [];
  for (const p of picked) {
    const token = `@${p.name}`;
    let from = 0;
    for (;;) {
      const start = text.indexOf(token, from);
      if (start < 0) break;
      from = start + token.length;
      if (ranges.some((r) => start < r.start + r.length && r.start < start + token.length)) {
        continue;
      }
      if (!ranges.some((r) => r.userId === p.userId)) {
        ranges.push({ userId: p.userId, start, length: token.length });
      }
      break;
    }
  }
  return ranges.sort((a, b) => a.start - b.start);
}
