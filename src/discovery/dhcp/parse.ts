// A DHCP client message (BOOTREQUEST) heard on the segment: pure, bytes in, the fields devices are fingerprinted by
// out. Layout and options from RFC 2131 §2 (fixed 236-byte header, magic cookie 99.130.83.99) and RFC 2132: 53
// message type, 60 vendor class identifier, 12 host name, 55 parameter request list, 50 requested address, 61
// client identifier. Listen mode only reads these: camaudit never answers, and never sends DHCP.
import { VENDOR_API_LIMITS } from '../../config.js';
import { normaliseMac } from '../../observation.js';
import { parsed, rejected, type ParseResult } from '../parse-result.js';

const HEADER_BYTES = 236;
const MAGIC_COOKIE = 0x63825363;
const { maxDhcpBytes: MAX_MESSAGE_BYTES, maxDhcpTextChars: MAX_TEXT_CHARS } = VENDOR_API_LIMITS;

/** RFC 2132 §9.6 message types. */
const MESSAGE_TYPES: Record<number, string> = { 1: 'DHCPDISCOVER', 2: 'DHCPOFFER', 3: 'DHCPREQUEST', 4: 'DHCPDECLINE', 5: 'DHCPACK', 6: 'DHCPNAK', 7: 'DHCPRELEASE', 8: 'DHCPINFORM' };

export interface DhcpClientMessage {
  mac?: string;
  /** ciaddr, when the client already holds an address (renewals, INFORM). */
  clientAddress?: string;
  messageType?: string;
  vendorClass?: string;
  hostName?: string;
  /** Option 55 codes in the client's order, comma-separated (the order is part of the fingerprint). */
  parameterList?: string;
  requestedAddress?: string;
  /** Option order as sent, comma-separated (another part of the fingerprint). */
  optionOrder: string;
}

const address = (bytes: Buffer, offset: number): string => `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
/** Printable ASCII only: option text is the client's word and ends up in logs and tables. */
const printable = (bytes: Buffer): string => bytes.toString('latin1').replace(/[^\x20-\x7e]/g, '?').slice(0, MAX_TEXT_CHARS);

export function parseDhcpRequest(data: Buffer): ParseResult<DhcpClientMessage> {
  if (data.length < HEADER_BYTES + 4) return rejected(`datagram of ${data.length} bytes is shorter than a DHCP message`);
  if (data.length > MAX_MESSAGE_BYTES) return rejected(`datagram of ${data.length} bytes exceeds the ${MAX_MESSAGE_BYTES}-byte bound`);
  if (data[0] !== 1) return rejected('not a BOOTREQUEST (a server reply or garbage)');
  if (data.readUInt32BE(HEADER_BYTES) !== MAGIC_COOKIE) return rejected('no DHCP magic cookie');
  const message: DhcpClientMessage = { optionOrder: '' };
  const hardwareType = data[1];
  const hardwareLength = data[2];
  if (hardwareType === 1 && hardwareLength === 6) {
    const mac = normaliseMac(data.subarray(28, 34).toString('hex'));
    if (mac !== undefined) message.mac = mac;
  }
  const clientAddress = address(data, 12);
  if (clientAddress !== '0.0.0.0') message.clientAddress = clientAddress;
  const order: number[] = [];
  let offset = HEADER_BYTES + 4;
  while (offset < data.length) {
    const code = data[offset]!;
    if (code === 0) {
      offset += 1;
      continue;
    }
    if (code === 255) break;
    const length = data[offset + 1];
    if (length === undefined || offset + 2 + length > data.length) return rejected(`option ${code} runs past the end of the datagram`);
    const value = data.subarray(offset + 2, offset + 2 + length);
    order.push(code);
    if (code === 53 && length === 1) message.messageType = MESSAGE_TYPES[value[0]!] ?? `type ${value[0]}`;
    else if (code === 60) message.vendorClass = printable(value);
    else if (code === 12) message.hostName = printable(value);
    else if (code === 55) message.parameterList = [...value].join(',');
    else if (code === 50 && length === 4) message.requestedAddress = address(value, 0);
    offset += 2 + length;
  }
  if (message.messageType === undefined) return rejected('BOOTREQUEST without a DHCP message type (plain BOOTP)');
  message.optionOrder = order.join(',');
  return parsed(message);
}
