#!/usr/bin/env python3
"""Reference numbers for the chance-corrected prompt-patch NMI (src/engine/analysis/prompt-patch-stats.ts).

Run with Debian's Python 3 and its packages (python3-numpy 1.24, python3-sklearn 1.2):

    apt-get install -y python3-sklearn
    /usr/bin/python3 scripts/make_ami_fixtures.py test/fixtures/analysis

Writes `ami.json` into the given folder: label pairs with sklearn's `adjusted_mutual_info_score`
(average_method='arithmetic', the default), its `expected_mutual_information`, `mutual_info_score` and
`normalized_mutual_info_score`. The cases cover sklearn's edge cases (one cluster on one or both sides,
identical and independent labelings, non-contiguous label values) and labelings the size of the analysis'
(a probe set of 32 images x 64 patches, K = 8 or 20 clusters): there NMI of unrelated labelings sits well
above 0 while AMI stays near 0.
"""
import json
import os
import sys

import numpy as np
from sklearn.metrics import (
    adjusted_mutual_info_score,
    mutual_info_score,
    normalized_mutual_info_score,
)
from sklearn.metrics.cluster import contingency_matrix
from sklearn.metrics.cluster._expected_mutual_info_fast import expected_mutual_information


def cases(rng):
    out = [
        ('identical', [0, 0, 1, 1, 2, 2], [0, 0, 1, 1, 2, 2]),
        ('permuted', [0, 0, 1, 1, 2, 2], [2, 2, 0, 0, 1, 1]),
        ('hand', [0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 1, 1]),
        ('hand-4-7', [0, 0, 1, 1], [0, 0, 1, 2]),
        ('split', [0, 0, 1, 1], [0, 1, 2, 3]),
        ('one-cluster-both', [3, 3, 3], [7, 7, 7]),
        ('one-cluster-one-side', [0, 0, 0, 0], [0, 1, 0, 1]),
        ('independent-2x2', [0, 0, 1, 1], [0, 1, 0, 1]),
        ('non-contiguous', [5, 5, -1, 9, 9, -1, 5], [10, 10, 2, 2, 30, 30, 30]),
    ]
    for n, ka, kb in [(50, 3, 4), (200, 5, 5), (1000, 10, 7)]:
        a = rng.integers(0, ka, n)
        b = np.where(rng.random(n) < 0.6, a % kb, rng.integers(0, kb, n))
        out.append((f'related-{n}-{ka}x{kb}', a.tolist(), b.tolist()))
    # the analysis' sizes: unrelated labelings (the chance floor) and related ones
    for n, k in [(512, 8), (2048, 8), (2048, 20)]:
        a = rng.integers(0, k, n)
        out.append((f'unrelated-{n}-k{k}', a.tolist(), rng.integers(0, k, n).tolist()))
        b = np.where(rng.random(n) < 0.3, a, rng.integers(0, k, n))
        out.append((f'related-{n}-k{k}', a.tolist(), b.tolist()))
    rows = []
    for name, a, b in out:
        c = contingency_matrix(a, b, sparse=True).astype(np.float64)
        rows.append({
            'name': name,
            'a': a,
            'b': b,
            'ami': float(adjusted_mutual_info_score(a, b)),
            'emi': float(expected_mutual_information(c, len(a))),
            'mi': float(mutual_info_score(a, b)),
            'nmi': float(normalized_mutual_info_score(a, b)),
        })
    return rows


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else 'test/fixtures/analysis'
    os.makedirs(out_dir, exist_ok=True)
    import sklearn
    data = {
        'generator': 'scripts/make_ami_fixtures.py',
        'sklearn': sklearn.__version__,
        'numpy': np.__version__,
        'cases': cases(np.random.default_rng(20240217)),
    }
    with open(os.path.join(out_dir, 'ami.json'), 'w') as f:
        json.dump(data, f, separators=(',', ':'))
        f.write('\n')


if __name__ == '__main__':
    main()
