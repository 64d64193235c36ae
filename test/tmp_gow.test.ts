import { loadInteractionFiles } from '../src/graph/files';
import { InterestModel } from '../src/model/interestModel';
import { initBackend } from '../src/model/backend';
import { evaluate } from '../src/model/evaluate';
it('gowalla probe', async () => {
  await initBackend({});
  const data = loadInteractionFiles('/work/shared/data/gowalla');
  for (const validationUsers of [Number(process.env.VU ?? 6000)]) {
    const m = new InterestModel({ validationUsers });
    const rep = await m.fit(data, { seed: 2020 });
    const r = await evaluate(m, { numUsers: data.numUsers, numItems: data.numItems, train: data.train, test: data.test! }, { ks: [20], auc: 'none' });
    console.log('RESULT', validationUsers, r.atK[20].recall, r.atK[20].ndcg, rep.trainSeconds, JSON.stringify(m.filterParams), JSON.stringify(rep.params!.searchTrace), rep.params!.searchRejectedMoves, JSON.stringify(rep.params!.validationStart), JSON.stringify(rep.params!.validationFitted));
    m.dispose();
  }
}, 3000000);
