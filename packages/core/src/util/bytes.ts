/** Base64 and UTF-8 helpers on standard globals only (atob/btoa exist in browsers, workerd and Node). */

/** Standard base64 (RFC 4648, padded) of `bytes`. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

/** The bytes of standard base64 text (throws on text that is not base64). */
export function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
export function isBase64(text: string): boolean {
  return text.length % 4 === 0 && BASE64.test(text);
}

const NON_ASCII = /[\u0080-\uffff]/;

/** UTF-8 length of a string without allocating an encoded copy. */
export function utf8Length(text: string): number {
  // Most text is ASCII, one byte a character: one native scan says so.
  if (!NON_ASCII.test(text)) return text.length;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
