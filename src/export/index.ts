export { DEVICE_COLUMNS, deviceCells, evidenceSummary, type CellValue, type Column } from './columns.js';
export { csvCell, devicesToCsv, neutraliseFormula, streamCsv, type CsvOptions } from './csv.js';
export { devicesToJson, devicesToJsonLines, streamJson, streamJsonLines } from './json.js';
export { summariseDevices, type SummarySection } from './summary.js';
export { devicesToXlsx, type XlsxOptions } from './xlsx.js';
