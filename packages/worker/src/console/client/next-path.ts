/**
 * Where sign-in may return to: a console page of this origin, judged on the
 * URL as the browser will resolve it (dot segments, `%2e`, backslashes,
 * `//host`), not on the text. `/console/../v1/stream/x` and
 * `/console/%2e%2e/…` resolve outside `/console` and go to `/console` instead,
 * so a crafted sign-in link cannot land a signed-in operator on stored content.
 */
export function consolePath(next: string, origin: string): string {
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return "/console";
  }
  if (url.origin !== origin) return "/console";
  const { pathname } = url;
  if (pathname !== "/console" && !pathname.startsWith("/console/")) return "/console";
  // A segment that decodes to a dot segment, a separator or another escape could move again
  // on a server that decodes once more; console paths never need any of them.
  for (const segment of pathname.split("/")) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return "/console";
    }
    if (decoded === "." || decoded === ".." || /[/\\%]/.test(decoded)) return "/console";
  }
  return pathname + url.search + url.hash;
}
