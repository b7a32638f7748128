import { Parser } from 'htmlparser2';

export interface PageMeta {
  title: string | null;
  description: string | null;
  siteName: string | null;
  image: string | null;
}

const MAX_TEXT = 300;

function clean(value: string | undefined | null): string | null {
  const text = value?.replace(/\s+/g, ' ').trim();
  return text ? text.slice(0, MAX_TEXT) : null;
}

/**
 * Open Graph first, then Twitter card, then `<title>` / `<meta name="description">`. Parsed
 * with htmlparser2 (tolerant of real-world HTML, entities decoded).
 */
export function extractMeta(html: string): PageMeta {
  const tags = new Map<string, string>();
  let title = '';
  let inTitle = false;
  let done = false;
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (done) return;
        if (name === 'title') inTitle = true;
        if (name !== 'meta') return;
        const key = (attribs.property ?? attribs.name ?? '').toLowerCase();
        if (key && attribs.content !== undefined && !tags.has(key)) tags.set(key, attribs.content);
      },
      ontext(text) {
        if (inTitle && !done) title += text;
      },
      onclosetag(name) {
        if (name === 'title') inTitle = false;
        if (name === 'head') done = true;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  const pick = (...keys: string[]) => clean(keys.map((k) => tags.get(k)).find((v) => clean(v)));
  return {
    title: pick('og:title', 'twitter:title') ?? clean(title),
    description: pick('og:description', 'twitter:description', 'description'),
    siteName: pick('og:site_name', 'application-name'),
    image: pick(
      'og:image:secure_url',
      'og:image:url',
      'og:image',
      'twitter:image',
      'twitter:image:src',
    ),
  };
}
