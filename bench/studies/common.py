"""Helpers of the numpy studies on Gowalla (bench/studies/*.py): loading the LightGCN split, a seeded per-user
validation split, the symmetric normalisation, ChebyCF's plateau and Recall/NDCG@20. The metrics follow the LightGCN
protocol of src/model/metrics.ts; they are written again here only because these studies are numpy, outside the
TypeScript code (the model's own bench is bench/model.bench.ts)."""
import numpy as np, scipy.sparse as sp, os, time, json, datetime
D = os.environ.get('GOWALLA_DIR', os.path.join(os.path.dirname(__file__), '..', '..', '..', 'shared', 'data', 'gowalla'))

def load(name):
    rows, cols = [], []
    for line in open(os.path.join(D, name)):
        p = line.split()
        if len(p) < 2: continue
        u = int(p[0])
        for i in p[1:]:
            rows.append(u); cols.append(int(i))
    return np.array(rows), np.array(cols)

def csr(rows, cols, U, I):
    m = sp.csr_matrix((np.ones(len(rows), dtype=np.float64), (rows, cols)), shape=(U, I))
    m.data[:] = 1.0
    return m

def split_val(R, frac=0.2, seed=7):
    rng = np.random.default_rng(seed)
    fr, fc, vr, vc = [], [], [], []
    for u in range(R.shape[0]):
        items = R.indices[R.indptr[u]:R.indptr[u+1]]
        n = len(items)
        if n == 0: continue
        nv = int(round(n * frac)) if n >= 2 else 0
        perm = rng.permutation(n)
        v = items[perm[:nv]]; f = items[perm[nv:]]
        fr += [u]*len(f); fc += list(f); vr += [u]*len(v); vc += list(v)
    U, I = R.shape
    return csr(np.array(fr), np.array(fc), U, I), csr(np.array(vr), np.array(vc), U, I)

def normalize(R):
    du = np.asarray(R.sum(1)).ravel(); di = np.asarray(R.sum(0)).ravel()
    su = np.where(du > 0, du, 1) ** -0.5; si = np.where(di > 0, di, 1) ** -0.5
    Rn = sp.diags(su) @ R @ sp.diags(si)
    return Rn.tocsr(), du, di

def h(lam, phi):
    x = 1 - 2 * lam
    return np.where(x < 0, 0.5 + 0.5 * np.abs(x) ** phi, 0.5 - 0.5 * np.abs(x) ** phi)

def metrics(scores, truth_rows, k=20):
    """Per-user Recall@k and NDCG@k of score rows (B x I, fit items already -inf) against each row's held-out items."""
    top = np.argpartition(-scores, k, axis=1)[:, :k]
    ts = np.take_along_axis(scores, top, 1)
    order = np.argsort(-ts, axis=1)
    top = np.take_along_axis(top, order, 1)
    rec = np.zeros(len(truth_rows)); nd = np.zeros(len(truth_rows))
    disc = 1 / np.log2(np.arange(2, k + 2))
    for b, t in enumerate(truth_rows):
        if len(t) == 0: continue
        hit = np.isin(top[b], t)
        rec[b] = hit.sum() / len(t)
        idcg = disc[:min(len(t), k)].sum()
        nd[b] = (hit * disc).sum() / idcg
    return rec, nd

def count_argument(script, what, default):
    """The script's one optional argument, a positive integer (exits with a message naming it otherwise)."""
    import sys
    if len(sys.argv) > 1 and not sys.argv[1].isdigit():
        sys.exit(f'{script}: {what} must be a positive integer, got {sys.argv[1]!r}')
    return int(sys.argv[1]) if len(sys.argv) > 1 else default

def load_split():
    """Gowalla's train and test as users × items CSRs of ones, with the user and item counts."""
    tr, tc = load('train.txt'); er, ec = load('test.txt')
    U = max(tr.max(), er.max()) + 1; I = max(tc.max(), ec.max()) + 1
    return csr(tr, tc, U, I), csr(er, ec, U, I), U, I

class Record:
    """Opens a study's JSON: the study, its command, the date and what the machine was doing from this object's making."""
    def __init__(self):
        self.load_before = os.getloadavg(); self.t0 = time.time()

    def elapsed(self):
        return round(time.time() - self.t0, 1)

    def header(self, study, command):
        return {'study': study, 'command': command, 'date': datetime.date.today().isoformat(),
                'machine': {'cores': os.cpu_count(), 'loadBefore': [round(x, 2) for x in self.load_before],
                            'loadAfter': [round(x, 2) for x in os.getloadavg()], 'seconds': self.elapsed()}}

def write_result(name, result):
    """Writes a study's result to bench/results/<name>."""
    path = os.path.join(os.path.dirname(__file__), '..', 'results', name)
    json.dump(result, open(path, 'w'), indent=2, ensure_ascii=False)
