// Emoji that never render as empty boxes: where the system has no emoji font (a bare Linux
// desktop, a kiosk), the demo's reactions are written as words instead.

const WORDS: Record<string, string> = {
  '👍': '+1',
  '❤️': 'love',
  '😂': 'haha',
  '😮': 'wow',
  '🎉': 'yay',
};

let supported: boolean | null = null;

/** A glyph drawn on a canvas, as comparable pixels. */
function draw(ctx: CanvasRenderingContext2D, text: string): string {
  ctx.clearRect(0, 0, 32, 32);
  ctx.fillText(text, 0, 0);
  return ctx.getImageData(0, 0, 32, 32).data.join(',');
}

/**
 * Whether an emoji font draws 👍: compared with a code point no font has (drawn as the
 * "missing glyph" box). Measured once per page.
 */
export function hasEmojiFont(): boolean {
  if (supported !== null) return supported;
  const canvas = document.createElement('canvas');
  canvas.width = 32;
  canvas.height = 32;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) {
    supported = true;
    return supported;
  }
  ctx.textBaseline = 'top';
  ctx.font = '24px sans-serif';
  const missing = draw(ctx, '\u{10FFFD}');
  supported = draw(ctx, '👍') !== missing;
  return supported;
}

/**
 * An emoji, or its word where it would be a box. The word is drawn by CSS (with an empty
 * alternative text), so the accessible name stays the emoji either way: speech says "thumbs
 * up", and the tests find "React with 👍" with or without an emoji font.
 */
export function Emoji({ emoji }: { emoji: string }) {
  const word = WORDS[emoji];
  if (word && !hasEmojiFont()) {
    return (
      <span className="emoji-text" data-word={word}>
        <span className="sr-only">{emoji}</span>
      </span>
    );
  }
  return <span className="emoji">{emoji}</span>;
}
