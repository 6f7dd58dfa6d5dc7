// XML from the network (SADP, WS-Discovery, ONVIF, UPnP descriptions) goes through this one reader.
// It never resolves external entities and never expands entities at all: a document that declares a
// DOCTYPE or ENTITY is refused before parsing (entity bombs, XXE), and fast-xml-parser runs with
// processEntities false. Only the five predefined entities and numeric character references are
// decoded, by hand, in text values: that is a bounded string replacement, not an expansion.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parsed, rejected, type ParseResult } from './parse-result.js';
import { PARSE_LIMITS } from '../config.js';
import { trimTrailingNulAndSpace } from './trim.js';


const DECLARATION_PATTERN = /<!\s*(?:DOCTYPE|ENTITY)/i;

const parser = new XMLParser({
  processEntities: false,
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: true,
  maxNestedTags: PARSE_LIMITS.maxXmlDepth,
});

/** A parsed element: text, or children by local name (repeated children become arrays). */
export type XmlNode = string | XmlObject | XmlNode[];
export interface XmlObject {
  [name: string]: XmlNode;
}

export function isXmlObject(node: unknown): node is XmlObject {
  return typeof node === 'object' && node !== null && !Array.isArray(node);
}

/**
 * Parse a document of at most `maxBytes` bytes. Namespace prefixes are dropped (devices use
 * s:/SOAP-ENV:/env:/soap: and d:/wsd:/wsdd: interchangeably), attributes are ignored, values stay strings.
 */
export function parseXmlSafely(input: Buffer | string, maxBytes: number): ParseResult<XmlObject> {
  const byteLength = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  if (byteLength === 0) return rejected('empty document');
  if (byteLength > maxBytes) return rejected(`document of ${byteLength} bytes exceeds the ${maxBytes}-byte bound`);
  // Devices pad datagrams with NULs; strip them (and trailing whitespace) before validation.
  const text = trimTrailingNulAndSpace(typeof input === 'string' ? input : input.toString('utf8'));
  if (DECLARATION_PATTERN.test(text)) return rejected('document declares a DOCTYPE or ENTITY (refused)');
  try {
    const validation = XMLValidator.validate(text);
    if (validation !== true) {
      const { code, msg, line } = validation.err;
      return rejected(`malformed XML (${code} at line ${line}): ${msg}`);
    }
    const document: unknown = parser.parse(text);
    if (!isXmlObject(document)) return rejected('no root element');
    return parsed(document);
  } catch (error) {
    // fast-xml-parser throws on depth and on names such as __proto__; both are refusals, not crashes.
    return rejected(`XML refused: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const PREDEFINED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decode the predefined XML entities and numeric character references; anything else is left as written. */
export function decodeXmlText(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|lt|gt|amp|quot|apos);/g, (whole, name: string) => {
    if (name.startsWith('#')) {
      const codePoint = name[1] === 'x' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
      return codePoint > 0 && codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : whole;
    }
    return PREDEFINED_ENTITIES[name] ?? whole;
  });
}

/** The text of a node: a string as-is; an element with text and children, its `#text`; otherwise undefined. */
export function xmlText(node: XmlNode | undefined): string | undefined {
  if (node === undefined) return undefined;
  if (typeof node === 'string') return decodeXmlText(node);
  if (Array.isArray(node)) return xmlText(node[0]);
  const text = node['#text'];
  return typeof text === 'string' ? decodeXmlText(text) : undefined;
}

/** The first child element called `name` (local name), whether the parser made it a value or an array. */
export function xmlChild(node: XmlNode | undefined, name: string): XmlNode | undefined {
  if (node === undefined || typeof node === 'string') return undefined;
  const container = Array.isArray(node) ? node[0] : node;
  if (!isXmlObject(container) || !Object.hasOwn(container, name)) return undefined;
  const child = container[name];
  return Array.isArray(child) ? child[0] : child;
}

/** Every child element called `name`. */
export function xmlChildren(node: XmlNode | undefined, name: string): XmlNode[] {
  if (node === undefined || typeof node === 'string') return [];
  const container = Array.isArray(node) ? node[0] : node;
  if (!isXmlObject(container) || !Object.hasOwn(container, name)) return [];
  const child = container[name];
  return child === undefined ? [] : Array.isArray(child) ? child : [child];
}

/** Walk a path of local names from `node`. */
export function xmlPath(node: XmlNode | undefined, ...names: string[]): XmlNode | undefined {
  let current = node;
  for (const name of names) current = xmlChild(current, name);
  return current;
}
