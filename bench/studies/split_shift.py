"""Study: is Gowalla's test.txt held out from its users' items the way the model's validation split is held out from
train.txt? For each held-out set it compares the held-out items with the kept ones: their mean degree in the kept
graph, the share of held-out edges on the kept graph's 2000 most popular items, the held-out share of each user's items,
and MostPopular's Recall/NDCG@20 (kept-graph degree, kept items excluded, every user with held-out items). The
settings are test.txt against train.txt, and random 80/20 splits of train.txt made as the model's fit makes them
(seeds 7, 8, 9) and one nested in the seed-7 fit split. It reads which items test.txt holds, never a score of a
model, and chooses nothing. Writes bench/results/split-shift-gowalla.json.
Needs numpy and scipy; not part of CI. Usage: python3 bench/studies/split_shift.py"""
import numpy as np, os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Record, load_split, metrics, split_val, write_result

TOP = 2000
record = Record()

def describe(kept, held):
    U, I = kept.shape
    deg = np.asarray(kept.sum(0)).ravel()
    held_deg = deg[held.indices]; kept_deg = deg[kept.indices]
    order = np.argsort(-deg, kind='stable')
    top = np.zeros(I, dtype=bool); top[order[:TOP]] = True
    users = np.array([u for u in range(U) if held.indptr[u + 1] > held.indptr[u]])
    share = [(held.indptr[u + 1] - held.indptr[u]) / (held.indptr[u + 1] - held.indptr[u] + kept.indptr[u + 1] - kept.indptr[u]) for u in users]
    rec, nd = [], []
    for b in range(0, len(users), 1000):
        us = users[b:b + 1000]
        scores = np.tile(deg, (len(us), 1))
        scores[kept[us].nonzero()] = -np.inf
        r_, n_ = metrics(scores, [held.indices[held.indptr[u]:held.indptr[u + 1]] for u in us])
        rec.append(r_); nd.append(n_)
    rec = np.concatenate(rec); nd = np.concatenate(nd)
    return {
        'users': len(rec), 'heldOutEdges': int(held.nnz), 'keptEdges': int(kept.nnz),
        'heldOutItemMeanDegree': round(float(held_deg.mean()), 2), 'keptItemMeanDegree': round(float(kept_deg.mean()), 2),
        'degreeRatio': round(float(held_deg.mean() / kept_deg.mean()), 3),
        'heldOutTop2000Share': round(float(top[held.indices].mean()), 4), 'keptTop2000Share': round(float(top[kept.indices].mean()), 4),
        'userHeldOutShare': {'mean': round(float(np.mean(share)), 4), 'p5': round(float(np.percentile(share, 5)), 4),
                             'p50': round(float(np.percentile(share, 50)), 4), 'p95': round(float(np.percentile(share, 95)), 4)},
        'mostPopular': {'recall20': round(float(np.mean(rec)), 4), 'ndcg20': round(float(np.mean(nd)), 4)},
    }

R, T, U, I = load_split()
settings = {'test': {'kept': 'train.txt', 'heldOut': 'test.txt', **describe(R, T)}}
for seed in (7, 8, 9):
    A, V = split_val(R, seed=seed)
    settings[f'validationSeed{seed}'] = {'kept': f"80% of each train user's items (numpy default_rng seed {seed})", 'heldOut': 'the other 20%', **describe(A, V)}
    if seed == 7:
        F, Q = split_val(A, seed=8)
        settings['nested'] = {'kept': "80% of the seed-7 fit split's items per user (seed 8)", 'heldOut': 'the other 20% of that fit split', **describe(F, Q)}
result = {
    **record.header(
        "whether Gowalla's test.txt is held out like a random per-user 80/20 split of train.txt (the model's validation protocol)",
        f'python3 bench/studies/split_shift.py (numpy {np.__version__}; not part of CI)'),
    'measures': {
        'heldOutItemMeanDegree': 'mean over held-out edges of the item degree in the kept graph',
        'keptItemMeanDegree': 'mean over kept edges of the item degree in the kept graph',
        'heldOutTop2000Share': "share of held-out edges whose item is among the kept graph's 2000 most popular",
        'mostPopular': 'Recall/NDCG@20 of the kept-graph popularity order, kept items excluded, over every user with held-out items',
    },
    'settings': settings,
}
write_result('split-shift-gowalla.json', result)
for name, s in settings.items():
    print(name, s['degreeRatio'], s['heldOutTop2000Share'], s['keptTop2000Share'], s['mostPopular'], s['userHeldOutShare'])
