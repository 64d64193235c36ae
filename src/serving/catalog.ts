import { run, type Executor, type StatementCounter } from '../db/executor';
import { slotParams, type ModelStore } from './modelState';

/** What upsertCatalogItem wrote: the item as stored, whether it is new, and where its embedding comes from. */
export interface UpsertedItem {
  item: { id: string; title: string | null };
  created: boolean;
  /** "model" (trained), "neighbours" (the mean of the items in its categories until the next training) or null. */
  embeddingSource: string | null;
}

/**
 * Creates or updates an item with its categories in one transaction; an item without a trained embedding gets the
 * mean embedding of the items in its categories in the served version's slot, and the in-memory model learns it at once.
 */
export async function upsertCatalogItem(db: Executor, store: ModelStore, input: { id: string; title: string | null; categories: string[] },
  counter?: StatementCounter): Promise<UpsertedItem> {
  const model = await store.activeModel(counter);
  const out = await db.writeTx(async (tx) => {
    const [row] = await run(tx, 'api/upsertItem', {
      id: input.id, title: input.title, categories: input.categories,
      version: model?.version ?? null, versionProperty: model?.versionProperty ?? null,
    }, counter);
    let source: string | null = row.embeddingSource;
    let embedding: number[] | null = null;
    let categories: string[] = input.categories;
    if (model && source !== 'model') {
      const [n] = await run(tx, 'api/itemNeighbourEmbedding', { ...slotParams(model), id: input.id, sample: 2000 }, counter);
      if (n) {
        source = 'neighbours';
        embedding = n.embedding;
        categories = n.categories;
      }
    }
    return { row, source, embedding, categories };
  });
  if (model && out.embedding) store.upsertItem(model.version, input.id, out.embedding, out.categories, out.row.title ?? null);
  else store.noteItem(input.id, out.row.title ?? null, out.categories);
  return { item: { id: out.row.id, title: out.row.title ?? null }, created: out.row.created, embeddingSource: out.source };
}
