// Dahua DHIP discovery request: a 32-byte header then the DHDiscover.search JSON, as mcw0/DahuaConsole and
// julienblitte/UniversalScanner (UniversalScanner/Dahua2.cs) send it.
export const DHIP_PORT = 37_810;
export const DHIP_GROUP = '239.255.255.251';
export const DHIP_HEADER_BYTES = 32;
export const DHIP_MAGIC = 'DHIP';

export const DHIP_SEARCH_BODY = '{"method":"DHDiscover.search","params":{"mac":"","uni":1}}';

/** Header: u32le 0x20 (header size), "DHIP", 8 zero bytes (session, request id), u32le length, 0, u32le length, 0. */
export function buildDhipPacket(body: string): Buffer {
  const payload = Buffer.from(body, 'utf8');
  const header = Buffer.alloc(DHIP_HEADER_BYTES);
  header.writeUInt32LE(DHIP_HEADER_BYTES, 0);
  header.write(DHIP_MAGIC, 4, 'ascii');
  header.writeUInt32LE(payload.length, 16);
  header.writeUInt32LE(payload.length, 24);
  return Buffer.concat([header, payload]);
}

export function buildDhipSearch(): Buffer {
  return buildDhipPacket(DHIP_SEARCH_BODY);
}
