// Canonical URI (SigV4 "Task 1", CanonicalURI): the path as sent, normalised by RFC 3986 §5.2.4 (`.` and `..`
// segments resolved) with empty segments dropped, then URI-encoded once more, slashes kept: services other than
// S3 check the path encoded twice relative to the resource name. S3 (`uriEscapePath: false`) signs the path
// exactly as sent, `//` and all.
import { percentEncode } from '../percent-encode.ts';

/** The canonical URI of `path` (the path as it goes on the wire, e.g. `URL.pathname`). */
export function canonicalUri(path: string, uriEscapePath: boolean): string {
  if (!uriEscapePath) return path === '' ? '/' : path;
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && path.endsWith('/') ? '/' : '';
  const normalised = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${trailing}`;
  return percentEncode(normalised).replace(/%2F/g, '/');
}
