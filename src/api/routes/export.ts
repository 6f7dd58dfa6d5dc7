import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { devicesToXlsx, streamCsv, streamJson, streamJsonLines } from '../../export/index.js';
import type { Inventory } from '../../inventory/index.js';
import { exportSchema } from '../schemas.js';
import { filterOf, type DeviceFilterQuery } from './devices.js';

// CSV, JSON and JSON Lines stream: the inventory is read a page at a time and written as it is read, so memory
// stays flat whatever the number of devices (issue 18: 100,000 devices over 1,000 sites). The xlsx workbook is
// one zip built in memory.

const FILE_BASE = 'camaudit-devices';

function attachment(reply: FastifyReply, mediaType: string, extension: string): FastifyReply {
  return reply.header('content-type', mediaType).header('content-disposition', `attachment; filename="${FILE_BASE}.${extension}"`);
}

export function registerExportRoutes(app: FastifyInstance, inventory: Inventory): void {
  app.get<{ Querystring: DeviceFilterQuery & { bom?: boolean } }>('/export.csv', { schema: exportSchema('CSV', 'text/csv') }, async (request, reply) =>
    attachment(reply, 'text/csv; charset=utf-8', 'csv').send(Readable.from(streamCsv(inventory.streamDevices(filterOf(request.query)), { bom: request.query.bom === true }))),
  );

  app.get<{ Querystring: DeviceFilterQuery }>('/export.json', { schema: exportSchema('a JSON array', 'application/json') }, async (request, reply) =>
    attachment(reply, 'application/json; charset=utf-8', 'json').send(Readable.from(streamJson(inventory.streamDevices(filterOf(request.query))))),
  );

  app.get<{ Querystring: DeviceFilterQuery }>('/export.jsonl', { schema: exportSchema('JSON Lines', 'application/x-ndjson') }, async (request, reply) =>
    attachment(reply, 'application/x-ndjson; charset=utf-8', 'jsonl').send(Readable.from(streamJsonLines(inventory.streamDevices(filterOf(request.query))))),
  );

  app.get<{ Querystring: DeviceFilterQuery }>(
    '/export.xlsx',
    { schema: exportSchema('an xlsx workbook (Summary and Devices sheets)', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet') },
    async (request, reply) =>
      attachment(reply, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'xlsx').send(
        Buffer.from(devicesToXlsx(await inventory.listAllDevices(filterOf(request.query)))),
      ),
  );
}
