/** The imports: LightGCN text files, MovieLens-style CSV files, and the seeded synthetic generator. */
export { ImportValidationError } from './errors';
export { importLightGcn, parseLightGcnFile } from './lightgcn';
export type { LightGcnImportOptions, LightGcnImportResult } from './lightgcn';
export { importMovieLens, parseMovieLens } from './movielens';
export type { MovieLensFiles, MovieLensImportResult } from './movielens';
export { generateSynthetic, syntheticToHeteroGraph } from './synthetic';
export type { SyntheticData, SyntheticOptions } from './synthetic';
export { importSynthetic } from './synthetic-import';
export type { SyntheticImportResult } from './synthetic-import';
