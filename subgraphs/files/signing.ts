// Download URLs are the credential of a download (no bearer token travels with a plain GET), so they are
// short-lived and signed (kit/signed-link.ts): HMAC-SHA256 with FILES_SIGNING_SECRET over "<fileId>.<expires>", hex.
//
//   <FILES_PUBLIC_URL>/files/<fileId>/content?expires=<unix seconds>&user=<userId>&signature=<hex>
//
// `user` (optional, added to the signed text as "<fileId>.<expires>.<userId>") names whom the URL was issued
// to, so the audit of a restricted download can say who. It cannot be removed or changed without breaking the
// signature; a URL without it verifies with the plain text.
//
// `share` (only with `user`, signed as "<fileId>.<expires>.<userId>.share:<shareId>") is the share the URL was
// issued through, when the user sees the file only thanks to it: the download checks that share is still
// active, so revoking it ends the URLs already handed out, not only future ones.
import { createLinkSigner } from '../kit/signed-link.ts';

export interface SignedUrlParams {
  fileId: string;
  /** Unix seconds. */
  expires: number;
  /** Whom the URL was issued to. */
  userId?: string;
  /** The share the user sees the file through, when that is their only access (requires userId). */
  shareId?: string;
}

export interface UrlSigner {
  /** The signed download URL and when it stops working. */
  downloadUrl(params: SignedUrlParams): string;
  /** Whether `signature` (hex, as found in the URL) was made by us for these parameters. Constant-time. */
  verify(params: SignedUrlParams, signature: string): boolean;
}

function signedText({ fileId, expires, userId, shareId }: SignedUrlParams): string {
  if (!userId) return `${fileId}.${expires}`;
  return shareId ? `${fileId}.${expires}.${userId}.share:${shareId}` : `${fileId}.${expires}.${userId}`;
}

export function createUrlSigner(options: { secret: string; publicUrl: string }): UrlSigner {
  const signer = createLinkSigner(options.secret);

  return {
    downloadUrl(params) {
      const query = new URLSearchParams({ expires: String(params.expires) });
      if (params.userId) query.set('user', params.userId);
      if (params.userId && params.shareId) query.set('share', params.shareId);
      query.set('signature', signer.sign(signedText(params)));
      return `${options.publicUrl}/files/${encodeURIComponent(params.fileId)}/content?${query}`;
    },
    verify(params, signature) {
      return signer.verify(signedText(params), signature);
    },
  };
}
