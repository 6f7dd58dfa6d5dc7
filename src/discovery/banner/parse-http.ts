// An HTTP response as received (possibly cut at a cap or deadline) → status, headers, title and body text.
// Pure and total: foreign bytes give { ok: false, reason }, never an exception.
import { parsed, rejected, type ParseResult } from '../parse-result.js';
import { responseBodyBytes } from '../http/framing.js';
import { parseResponseHead } from '../http/parse-head.js';
import { capChars, decodeHtmlEntities, decodeUtf8, sanitizeLine, sanitizeText } from '../http/text.js';
import { PARSE_LIMITS } from '../../config.js';


export interface HttpResponse {
  version: string;
  status: number;
  reason: string;
  headers: Record<string, string>;
  /** Text of the first <title>: entities decoded, whitespace collapsed, capped. '' for an empty element. */
  title?: string;
  /** Body text, UTF-8 with replacement; undefined when there is no body. */
  body?: string;
  /** The body is incomplete: cut by our cap or deadline, or shorter than the device declared. */
  bodyTruncated: boolean;
}

export interface HttpParseOptions {
  /** The exchange stopped reading before the message ended (cap or deadline). */
  truncated?: boolean;
  maxBodyChars?: number;
}

export function parseHttpResponse(bytes: Uint8Array, options: HttpParseOptions = {}): ParseResult<HttpResponse> {
  try {
    const head = parseResponseHead(bytes, 'HTTP');
    if (!head.ok) return rejected(head.reason);
    const { version, status, reason, headers, bodyOffset } = head.value;
    const raw = responseBodyBytes(bytes, headers, bodyOffset, options.truncated === true);
    const bodyBytes = raw.bodyBytes;
    let truncated = raw.truncated;
    let body: string | undefined = bodyBytes.length > 0 ? sanitizeText(decodeUtf8(bodyBytes)) : undefined;
    if (body !== undefined && options.maxBodyChars !== undefined && body.length > options.maxBodyChars) {
      body = capChars(body, options.maxBodyChars);
      truncated = true;
    }
    const response: HttpResponse = { version, status, reason, headers, bodyTruncated: truncated };
    const title = body === undefined ? undefined : extractTitle(body);
    if (title !== undefined) response.title = title;
    if (body !== undefined) response.body = body;
    return parsed(response);
  } catch (error) {
    // Defence in depth: the readers above are written not to throw; if one does, the bytes are still only data.
    return rejected(`unreadable HTTP response: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * The first <title> element's text. Found by index, not by a backtracking regex: a hostile body of many
 * unclosed `<title>` tags stays linear.
 */
export function extractTitle(html: string): string | undefined {
  const lower = html.toLowerCase();
  let open = lower.indexOf('<title');
  // `<titlebar>` is not a title: the tag name must end here.
  while (open !== -1 && !/[\s>/]/.test(lower.charAt(open + 6))) open = lower.indexOf('<title', open + 6);
  if (open === -1) return undefined;
  const contentStart = lower.indexOf('>', open);
  if (contentStart === -1) return undefined;
  const close = lower.indexOf('</title', contentStart);
  if (close === -1) return undefined;
  const raw = html.slice(contentStart + 1, Math.min(close, contentStart + 1 + PARSE_LIMITS.maxTitleChars * 8));
  const text = decodeHtmlEntities(raw).replace(/\s+/g, ' ').trim();
  return capChars(sanitizeLine(text), PARSE_LIMITS.maxTitleChars);
}
