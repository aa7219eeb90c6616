/**
 * Redaction of RPC URLs, which often carry credentials (`https://user:pass@host`) or API keys in their path or
 * query (`https://eth-mainnet.example/v2/KEY`): every log line and error the keeper prints shows only the
 * origin, followed by `/…` when something was cut.
 *
 * @module
 */

/** Any http(s) URL inside a text. */
const URL_IN_TEXT = /https?:\/\/[^\s"'<>`]+/gi;

/**
 * A URL reduced to its origin: userinfo, path, query and fragment are dropped (`https://eth-mainnet.example/…`).
 * Text that does not parse as a URL is replaced by `<redacted URL>`.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "<redacted URL>";
  }
  if (parsed.origin === "null") return "<redacted URL>";
  const cut =
    (parsed.pathname !== "/" && parsed.pathname !== "") || parsed.search !== "" || parsed.hash !== "";
  return cut ? `${parsed.origin}/…` : parsed.origin;
}

/** The text with every http(s) URL in it redacted by {@link redactUrl}. */
export function redactText(text: string): string {
  return text.replace(URL_IN_TEXT, (match) => {
    // Punctuation that ends a sentence ("… at https://host/key: failed") stays in the text.
    const url = match.replace(/[.,;:!?)\]]+$/, "");
    return redactUrl(url) + match.slice(url.length);
  });
}
