#!/usr/bin/env python3
"""Reference numbers for the per-checkpoint analysis (src/engine/analysis).

Run with Debian's Python 3 and its packages (python3-numpy 1.24, python3-sklearn 1.2):

    apt-get install -y python3-sklearn
    /usr/bin/python3 scripts/make_analysis_fixtures.py test/fixtures/analysis

Writes `analysis.json` into the given folder:
- `nmi`: label pairs with sklearn's `normalized_mutual_info_score` (average_method='arithmetic', the
  default) and the same quantity from the plain numpy formula below (`nmi_numpy`), which must agree;
- `pca`: a small point set, numpy `eigh` of its covariance (ddof=1): the top-2 eigenvalues, the components
  with the sign convention (largest-|loading| entry positive), the total variance and the projections;
- `prompt_patch`: patches and prompts with the nearest-prompt labels, the inertia with the prompts as
  centres and the cosine statistics (shared prompts, S = 1, and per-image prompts, S = 2).
"""
import json
import os
import sys

import numpy as np
from sklearn.metrics import normalized_mutual_info_score


def entropy(labels):
    _, counts = np.unique(labels, return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log(p)).sum())


def nmi_numpy(a, b):
    """MI / mean(H(a), H(b)) with sklearn's edge cases: 1 for two one-cluster labelings, 0 when MI = 0."""
    a = np.asarray(a)
    b = np.asarray(b)
    ua, ia = np.unique(a, return_inverse=True)
    ub, ib = np.unique(b, return_inverse=True)
    if len(ua) == len(ub) == 1 or len(ua) == len(ub) == 0:
        return 1.0
    n = len(a)
    joint = np.zeros((len(ua), len(ub)))
    np.add.at(joint, (ia, ib), 1)
    pa = joint.sum(1) / n
    pb = joint.sum(0) / n
    pij = joint / n
    nz = pij > 0
    mi = max(float((pij[nz] * np.log(pij[nz] / np.outer(pa, pb)[nz])).sum()), 0.0)
    if mi == 0:
        return 0.0
    return mi / ((entropy(a) + entropy(b)) / 2)


def nmi_cases(rng):
    cases = [
        ('identical', [0, 0, 1, 1, 2, 2], [0, 0, 1, 1, 2, 2]),
        ('permuted', [0, 0, 1, 1, 2, 2], [2, 2, 0, 0, 1, 1]),
        ('hand', [0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 1, 1]),
        ('split', [0, 0, 1, 1], [0, 1, 2, 3]),
        ('one-cluster-both', [3, 3, 3], [7, 7, 7]),
        ('one-cluster-one-side', [0, 0, 0, 0], [0, 1, 0, 1]),
        ('independent-2x2', [0, 0, 1, 1], [0, 1, 0, 1]),
        ('non-contiguous', [5, 5, -1, 9, 9, -1, 5], [10, 10, 2, 2, 30, 30, 30]),
    ]
    for n, ka, kb in [(50, 3, 4), (200, 5, 5), (1000, 10, 7), (300, 20, 20)]:
        a = rng.integers(0, ka, n)
        b = np.where(rng.random(n) < 0.6, a % kb, rng.integers(0, kb, n))
        cases.append((f'random-{n}-{ka}x{kb}', a.tolist(), b.tolist()))
    out = []
    for name, a, b in cases:
        sk = float(normalized_mutual_info_score(a, b))
        mine = nmi_numpy(a, b)
        assert abs(sk - mine) < 1e-12, (name, sk, mine)
        out.append({'name': name, 'a': a, 'b': b, 'sklearn': sk, 'nmi_numpy': mine})
    return out


def pca_case(rng):
    M, D = 40, 5
    basis = np.linalg.qr(rng.normal(size=(D, D)))[0]
    x = rng.normal(size=(M, D)) * np.array([3.0, 1.5, 0.6, 0.3, 0.1]) @ basis.T + rng.normal(size=D)
    x = x.astype(np.float32)
    xd = x.astype(np.float64)
    mean = xd.mean(0)
    cov = np.cov(xd, rowvar=False, ddof=1)
    w, v = np.linalg.eigh(cov)
    order = np.argsort(w)[::-1]
    w, v = w[order], v[:, order]
    comps = v[:, :2].T.copy()
    for c in comps:
        if c[np.argmax(np.abs(c))] < 0:
            c *= -1
    proj = (xd - mean) @ comps.T
    return {
        'M': M,
        'D': D,
        'points': x.ravel().tolist(),
        'eigenvalues': w[:2].tolist(),
        'total_variance': float(np.trace(cov)),
        'components': comps.ravel().tolist(),
        'projection': proj.ravel().tolist(),
    }


def cos_matrix(p, q):
    pn = p / np.linalg.norm(p, axis=1, keepdims=True)
    qn = q / np.linalg.norm(q, axis=1, keepdims=True)
    return qn @ pn.T  # [prompts, patches]


def prompt_patch_case(rng):
    S_img, T, N, D = 2, 10, 3, 4
    patches = rng.normal(size=(S_img * T, D)).astype(np.float32)
    shared = rng.normal(size=(N, D)).astype(np.float32)
    per_image = rng.normal(size=(S_img, N, D)).astype(np.float32)
    p64 = patches.astype(np.float64)

    d2 = ((p64[:, None, :] - shared.astype(np.float64)[None]) ** 2).sum(-1)
    c = cos_matrix(p64, shared.astype(np.float64))
    shared_out = {
        'S': 1,
        'prompts': shared.ravel().tolist(),
        'labels': d2.argmin(1).tolist(),
        'inertia': float(d2.min(1).sum()),
        'nearest_cosine': float(c.max(1).mean()),
        'mean_cosine': float(c.mean()),
    }
    labels, inertia, nearest, mean = [], 0.0, [], []
    for s in range(S_img):
        ps = p64[s * T:(s + 1) * T]
        q = per_image[s].astype(np.float64)
        d2 = ((ps[:, None, :] - q[None]) ** 2).sum(-1)
        labels += d2.argmin(1).tolist()
        inertia += float(d2.min(1).sum())
        c = cos_matrix(ps, q)
        nearest += c.max(1).tolist()
        mean += c.mean(1).tolist()
    per_image_out = {
        'S': S_img,
        'prompts': per_image.ravel().tolist(),
        'labels': labels,
        'inertia': inertia,
        'nearest_cosine': float(np.mean(nearest)),
        'mean_cosine': float(np.mean(mean)),
    }
    return {'T': T, 'N': N, 'D': D, 'patches': patches.ravel().tolist(), 'cases': [shared_out, per_image_out]}


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else 'test/fixtures/analysis'
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(20240202)
    data = {'nmi': nmi_cases(rng), 'pca': pca_case(rng), 'prompt_patch': prompt_patch_case(rng)}
    with open(os.path.join(out_dir, 'analysis.json'), 'w') as f:
        json.dump(data, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
