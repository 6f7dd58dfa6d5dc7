// ONVIF device-service requests (SOAP 1.2) and the WS-Security UsernameToken PasswordDigest that
// ONVIF firmware accepts: Base64(SHA-1(nonce + created + password)), ONVIF Core spec §5.12 / OASIS WSS.
import { createHash } from 'node:crypto';

export const ONVIF_DEVICE_NAMESPACE = 'http://www.onvif.org/ver10/device/wsdl';

export type OnvifOperation = 'GetSystemDateAndTime' | 'GetCapabilities' | 'GetDeviceInformation';

const OPERATION_BODIES: Record<OnvifOperation, string> = {
  GetSystemDateAndTime: '<tds:GetSystemDateAndTime/>',
  GetCapabilities: '<tds:GetCapabilities><tds:Category>All</tds:Category></tds:GetCapabilities>',
  GetDeviceInformation: '<tds:GetDeviceInformation/>',
};

export function onvifAction(operation: OnvifOperation): string {
  return `${ONVIF_DEVICE_NAMESPACE}/${operation}`;
}

export interface UsernameToken {
  username: string;
  password: string;
  /** Random bytes, fresh per request. */
  nonce: Buffer;
  /** xs:dateTime in UTC, ideally on the device's clock (see GetSystemDateAndTime). */
  created: string;
}

export function passwordDigest(nonce: Buffer, created: string, password: string): string {
  return createHash('sha1')
    .update(Buffer.concat([nonce, Buffer.from(created, 'utf8'), Buffer.from(password, 'utf8')]))
    .digest('base64');
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function securityHeader(token: UsernameToken): string {
  const wsse = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
  const wsu = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
  const profile = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0';
  return (
    `<s:Header><wsse:Security s:mustUnderstand="1" xmlns:wsse="${wsse}" xmlns:wsu="${wsu}"><wsse:UsernameToken>` +
    `<wsse:Username>${escapeXml(token.username)}</wsse:Username>` +
    `<wsse:Password Type="${profile}#PasswordDigest">${passwordDigest(token.nonce, token.created, token.password)}</wsse:Password>` +
    `<wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">${token.nonce.toString('base64')}</wsse:Nonce>` +
    `<wsu:Created>${escapeXml(token.created)}</wsu:Created>` +
    '</wsse:UsernameToken></wsse:Security></s:Header>'
  );
}

export function buildOnvifRequest(operation: OnvifOperation, token?: UsernameToken): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="${ONVIF_DEVICE_NAMESPACE}">` +
    (token === undefined ? '' : securityHeader(token)) +
    `<s:Body>${OPERATION_BODIES[operation]}</s:Body></s:Envelope>`
  );
}
