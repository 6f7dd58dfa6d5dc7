// DHCP client messages built byte by byte after RFC 2131 §2 (fixed header, magic cookie) and RFC 2132 (options).

/** A BOOTREQUEST (or, with op 2, a reply) from `mac` with the given options (code, bytes), in order. */
export function dhcpMessage(mac: string, options: [number, number[]][], op = 1): Buffer {
  const header = Buffer.alloc(240);
  header[0] = op;
  header[1] = 1;
  header[2] = 6;
  Buffer.from(mac.replace(/:/g, ''), 'hex').copy(header, 28);
  header.writeUInt32BE(0x63825363, 236);
  return Buffer.concat([header, ...options.map(([code, bytes]) => Buffer.from([code, bytes.length, ...bytes])), Buffer.from([255])]);
}
