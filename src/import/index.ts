/** The imports: LightGCN text files, MovieLens-style CSV files, events in any shape, MovieLens 100K, the seeded synthetic generator, and the bulk path. */
export { ImportMappingError, ImportValidationError } from './errors';
export { importLightGcn, lightGcnRows, parseLightGcnFile } from './lightgcn';
export type { LightGcnImportOptions, LightGcnImportResult } from './lightgcn';
export { importMovieLens, parseMovieLens } from './movielens';
export type { MovieLensFiles, MovieLensImportResult } from './movielens';
export { importEvents, parseEvents, parseEventsMapping, parseTime } from './events';
export type { EventsFiles, EventsImportResult, EventsMapping } from './events';
export { importMl100k, ml100kFiles, ml100kRows, readMl100kGenres, readMl100kItems, readMl100kRatings, readMl100kUsers } from './ml100k';
export type { Ml100kItem, Ml100kRating, Ml100kUser } from './ml100k';
export { generateSynthetic, syntheticToHeteroGraph } from './synthetic';
export type { SyntheticData, SyntheticOptions } from './synthetic';
export { importSynthetic, syntheticRows } from './synthetic-import';
export type { SyntheticImportResult } from './synthetic-import';
export { contextCounts, writeImportRows } from './rows';
export type { ImportRows } from './rows';
export { BulkImportRefused, bulkImport, writeBulkFiles } from './bulk';
export { readTable } from './table';
