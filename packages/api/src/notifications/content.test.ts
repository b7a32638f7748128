import { describe, expect, it } from 'vitest';
import { previewOf } from './content.ts';

describe('previewOf', () => {
  it('keeps short texts and cuts long ones on a code point, with an ellipsis', () => {
    expect(previewOf('Hello 👋')).toBe('Hello 👋');
    const long = '👋'.repeat(200);
    const preview = previewOf(long);
    expect(Array.from(preview)).toHaveLength(140);
    expect(preview.endsWith('👋…')).toBe(true);
  });
});
