// An RTSP/1.0 response (RFC 2326): status line and headers. The body (SDP) is not kept: without credentials a
// camera answers DESCRIBE with 401, and the realm in WWW-Authenticate is what identifies it (nmap-service-probes RTSP matches).
import { parsed, rejected, type ParseResult } from '../parse-result.js';
import { parseResponseHead } from '../http/parse-head.js';

export interface RtspResponse {
  version: string;
  status: number;
  reason: string;
  headers: Record<string, string>;
  /** The head's closing blank line was not received (cut by a cap or deadline). */
  headTruncated: boolean;
}

export function parseRtspResponse(bytes: Uint8Array): ParseResult<RtspResponse> {
  try {
    const head = parseResponseHead(bytes, 'RTSP');
    if (!head.ok) return rejected(head.reason);
    const { version, status, reason, headers, bodyOffset } = head.value;
    return parsed({ version, status, reason, headers, headTruncated: bodyOffset === undefined });
  } catch (error) {
    return rejected(`unreadable RTSP response: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Methods listed in a `Public:` header, upper-case. */
export function publicMethods(headers: Record<string, string>): string[] {
  return (headers['public'] ?? '')
    .split(',')
    .map((method) => method.trim().toUpperCase())
    .filter((method) => method.length > 0);
}
