// The Content-Disposition of a download. The name comes from a client, so it must not be able to end the
// header, add parameters or turn the download into something rendered: always `attachment`, an ASCII fallback
// with every quote, backslash, control and non-ASCII character replaced, and the real name percent-encoded
// (RFC 6266 / RFC 8187).

/** RFC 8187 attr-char: what may stay unencoded in filename*. */
function encodeExtValue(value: string): string {
  // A lone surrogate cannot be encoded: it becomes U+FFFD.
  const wellFormed = value.replace(
    /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    '\uFFFD',
  );
  return encodeURIComponent(wellFormed).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, '_') || 'download';
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeExtValue(name)}`;
}
